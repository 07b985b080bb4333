"""Security helpers the settings point at: the login-protection backend and the client address.

The settings themselves (HSTS, cookies, Content-Security-Policy, django-axes limits) live in the
"Security" block at the end of ``config/settings.py``; this module holds the code they name.
"""

from axes.backends import AxesStandaloneBackend

from config.proxies import trusted_proxy_count


class LoginProtectionBackend(AxesStandaloneBackend):
    """django-axes' lockout check, skipped when there is no request to protect.

    Every login over the network (the login form, the admin, the API's token login) comes with a
    request and is checked. Only in-process calls come without one (``manage.py shell``, Django's
    test ``client.login()``); there is no address to count, and no attacker on the other end.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        """Return None, or refuse a locked-out (username, address) pair."""
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def client_ip(request) -> str | None:
    """Return the address of the client who sent ``request``.

    Behind ``TRUSTED_PROXY_COUNT`` proxies, the client is the entry that many places from the right of
    X-Forwarded-For (entries further left were written by the client and cannot be trusted); without a
    proxy, it is the socket's peer address.
    """
    count = trusted_proxy_count()
    if count:
        forwarded = [item.strip() for item in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if item.strip()]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR")


def lockout_response(request, original_response=None, credentials=None):
    """Return the answer to a locked-out login: a JSON error for the API, the Vietnamese lockout page otherwise."""
    from django.conf import settings
    from django.http import JsonResponse
    from django.shortcuts import render
    from django.utils.translation import gettext as _

    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    if request.path.startswith("/api/"):
        message = _("Đăng nhập sai quá nhiều lần: tạm khóa %(minutes)d phút.") % {"minutes": minutes}
        return JsonResponse({"detail": message}, status=429)
    return render(request, "accounts/lockout.html", {"minutes": minutes}, status=429)
