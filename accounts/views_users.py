"""The users pages, for admins: list and search accounts, create one, change its unit or role, deactivate it,
reset its second factor, see its last login, recent failed logins and the changes made to it.

Only the admin role reaches them (403 for the other roles); an account whose unit is outside the admin's scope
is a 404. Every change goes through accounts.services, which checks, writes and records it.
"""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.text import fold

from . import services
from .forms_users import UserChangeForm, UserCreateForm
from .models import AccountEvent
from .roles import Role, role_of
from .scoping import manageable_units, manages_whole_city

User = get_user_model()
PAGE_SIZE = 50
RECENT = 10


def admin_required(view):
    """Let only the admin role in (anonymous users to the login page, the other roles get a 403)."""

    @login_required
    def wrapped(request, *args, **kwargs):
        if role_of(request.user) != Role.ADMIN:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def manageable_users(admin):
    """Return the accounts ``admin`` may see and manage (those of their units; superusers only to superusers)."""
    users = User.objects.select_related("unit").prefetch_related("groups")
    if not admin.is_superuser:
        users = users.filter(is_superuser=False)
    if manages_whole_city(admin):
        return users
    return users.filter(unit__in=manageable_units(admin))


def _managed_user(request, pk: int):
    """Return the account ``pk`` if the admin manages it; a 404 otherwise (another unit's accounts are not theirs)."""
    return get_object_or_404(manageable_users(request.user), pk=pk)


@admin_required
def user_list(request):
    """List the accounts the admin manages, searched by user name, name or e-mail, accents ignored."""
    users = manageable_users(request.user)
    q = request.GET.get("q", "").strip()
    for word in fold(q).split():
        users = users.filter(search_text__contains=word)
    status = request.GET.get("status", "")
    if status == "active":
        users = users.filter(is_active=True)
    elif status == "inactive":
        users = users.filter(is_active=False)
    role = request.GET.get("role", "")
    if role in Role.values:
        holds = Q(groups__name=role) | Q(is_superuser=True) if role == Role.ADMIN else Q(groups__name=role)
        users = users.filter(holds)
    users = users.distinct().order_by("username")
    page = Paginator(users, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "page": page,
        "rows": [(user, role_of(user)) for user in page.object_list],
        "q": q,
        "status": status,
        "role": role,
        "roles": Role.choices,
        "query": params.urlencode(),
    }
    return render(request, "accounts/users/user_list.html", context)


@admin_required
def user_create(request):
    """Create an account: name (family name first), unit, role, e-mail, and a password or a set-password link."""
    form = UserCreateForm(request.POST or None, admin=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.create_user(
                by=request.user,
                username=data["username"],
                family_name=data["family_name"],
                given_name=data["given_name"],
                unit=data["unit"],
                role=data["role"],
                email=data["email"],
                password=data["password"] if data["password_mode"] == form.PASSWORD else None,
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Đã tạo tài khoản %(name)s.") % {"name": user.display_name()})
            if data["password_mode"] == form.LINK:
                _give_link(request, user)
            return redirect("accounts_users:user_detail", pk=user.pk)
    return render(request, "accounts/users/user_form.html", {"form": form})


def _give_link(request, user) -> None:
    link = services.password_link(by=request.user, user=user, request=request)
    request.session["password_link"] = {"user": user.pk, "link": link}


@admin_required
def user_detail(request, pk: int):
    """Show an account (last login, failed logins, changes) and change its unit or role."""
    user = _managed_user(request, pk)
    form = UserChangeForm(request.POST or None, admin=request.user, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():  # both or neither
                services.change_unit(by=request.user, user=user, unit=form.cleaned_data["unit"])
                services.change_role(by=request.user, user=user, role=form.cleaned_data["role"])
        except ValidationError as error:
            user.refresh_from_db()
            form.add_service_errors(error)
        except PermissionError as error:
            user.refresh_from_db()
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Đã lưu đơn vị và vai trò của %(name)s.") % {"name": user.display_name()})
            return redirect("accounts_users:user_detail", pk=user.pk)
    link = request.session.pop("password_link", None)
    context = {
        "account": user,
        "role": role_of(user),
        "form": form,
        "password_link": link["link"] if link and link.get("user") == user.pk else None,
        "has_device": _has_device(user),
        "failures": _recent_failures(user),
        "events": AccountEvent.objects.filter(target=user).select_related("actor")[:RECENT],
        "is_self": user.pk == request.user.pk,
    }
    return render(request, "accounts/users/user_detail.html", context)


def _has_device(user) -> bool:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def _recent_failures(user) -> list:
    """Return the account's latest failed logins, as django-axes recorded them (time, address, locked out)."""
    from axes.models import AccessFailureLog

    return list(
        AccessFailureLog.objects.filter(username__iexact=user.username)
        .order_by("-attempt_time")
        .values("attempt_time", "ip_address", "locked_out")[:RECENT]
    )


def _action(service, done_message):
    """Return a POST-only view that applies ``service`` to an account and goes back to its page."""

    @require_POST
    @admin_required
    def view(request, pk: int):
        user = _managed_user(request, pk)
        try:
            service(by=request.user, user=user)
        except (ValidationError, PermissionError) as error:
            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        else:
            messages.success(request, str(done_message) % {"name": user.display_name()})
        return redirect("accounts_users:user_detail", pk=user.pk)

    return view


user_deactivate = _action(
    services.deactivate_user,
    gettext_lazy("Đã vô hiệu hóa %(name)s: mọi phiên đăng nhập và token API của tài khoản đã kết thúc."),
)
user_reactivate = _action(services.reactivate_user, gettext_lazy("Đã kích hoạt lại %(name)s."))
user_reset_mfa = _action(
    services.reset_second_factor,
    gettext_lazy("Đã đặt lại xác thực hai lớp của %(name)s: lần đăng nhập sau sẽ thiết lập lại ứng dụng xác thực."),
)


@require_POST
@admin_required
def user_password_link(request, pk: int):
    """Make a new set-password link for an account, shown once on its page."""
    user = _managed_user(request, pk)
    try:
        _give_link(request, user)
    except PermissionError as error:
        raise Http404 from error
    return redirect("accounts_users:user_detail", pk=user.pk)


class PasswordSetView(auth_views.PasswordResetConfirmView):
    """The page a set-password link opens: the owner chooses their password, then logs in."""

    template_name = "accounts/users/password_set.html"
    success_url = reverse_lazy("login")
    post_reset_login = False

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Đã đặt mật khẩu. Hãy đăng nhập bằng mật khẩu mới."))
        return response
