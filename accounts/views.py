"""Home page: sends each role where it works."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse

from .roles import Role, role_of

# Where each role starts its day; the first URL name that exists wins.
START_PAGES = {
    Role.ADMIN: ["reports:dashboard", "admin:index"],
    Role.HR: ["personnel:person_list", "admin:index"],
    Role.LEADER: ["reports:dashboard"],
    Role.VIEWER: ["reports:dashboard"],
}


@login_required
def home(request):
    """Redirect the user to the start page of their role."""
    for name in START_PAGES.get(role_of(request.user), []):
        try:
            return redirect(reverse(name))
        except NoReverseMatch:
            continue
    return redirect("admin:index" if request.user.is_staff else "logout_page")
