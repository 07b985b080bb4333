"""Keep admins and importers who have not passed the one-time-code step away from every page but that step."""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect
from knox.settings import knox_settings

from . import mfa

# Pages a logged-in user may reach before the code step: logging in and out, the code pages themselves, and the
# language switch. Static files are exempt by prefix.
EXEMPT_URL_NAMES = ["login", "logout", "logout_page", "mfa_verify", "mfa_enrol", "admin:logout", "api:login"]
EXEMPT_PREFIXES = ["/i18n/"]
# Pages under the API prefix that browsers open (sent to the code page instead of answered in JSON).
API_BROWSER_PAGES = ["api:docs", "api:redoc"]
API_PREFIX = "/api/"


class MfaRequiredMiddleware:
    """Send an admin or importer whose session has not passed the code step to the code page (403 JSON on the API).

    Goes after ``django_otp.middleware.OTPMiddleware``, which tells whether the session is verified. Requests with
    an API token (knox) are machine clients: the token stands for the login and they are let through.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.refusal(request) or self.get_response(request)

    @cached_property
    def exempt_paths(self) -> set[str]:
        """Return the exact paths reachable before the code step (resolved once, when first needed)."""
        return {reverse(name) for name in EXEMPT_URL_NAMES}

    @cached_property
    def exempt_prefixes(self) -> tuple[str, ...]:
        """Return the path prefixes reachable before the code step."""
        return (settings.STATIC_URL, *EXEMPT_PREFIXES)

    @cached_property
    def api_browser_pages(self) -> set[str]:
        """Return the paths of the API's documentation pages (HTML, for browsers)."""
        return {reverse(name) for name in API_BROWSER_PAGES}

    def refusal(self, request):
        """Return the answer to a request that must wait for the code step, or None to let it through."""
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or mfa.is_verified(user):
            return None
        path = request.path
        if path in self.exempt_paths or path.startswith(self.exempt_prefixes):
            return None
        is_api = path.startswith(API_PREFIX) and path not in self.api_browser_pages
        if is_api and _carries_api_token(request):
            return None  # the API authenticates the token itself; the session user plays no part
        if not mfa.session_needs_mfa(request):
            return None
        if is_api:
            message = _("Phiên đăng nhập chưa qua bước xác thực hai lớp: hãy nhập mã xác thực trên trang web trước.")
            return JsonResponse({"detail": message, "code": "mfa_required"}, status=403)
        target = reverse("mfa_verify")
        if request.method == "GET":
            target += "?" + urlencode({"next": request.get_full_path()})
        if getattr(request, "htmx", False):
            return HttpResponseClientRedirect(target)  # a fragment request: have htmx load the whole page
        return redirect(target)


def _carries_api_token(request) -> bool:
    """Return whether the request sends an API token (``Authorization: Token …``)."""
    scheme = request.META.get("HTTP_AUTHORIZATION", "").split(" ", 1)[0]
    return scheme.lower() == knox_settings.AUTH_HEADER_PREFIX.lower()
