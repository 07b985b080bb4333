"""Odd input never answers 500: NUL bytes in the address, API errors in JSON, a missing static manifest.

- ``RejectNulMiddleware``: a NUL byte in the path or the query string (``/nhan-su/%00/``, ``?unit=%00``) is
  answered 400 before any view runs (the databases cannot compare NUL, so a lookup would fail with a 500).
- ``server_error``: the site's 500 handler; under ``/api/`` it answers JSON like every other API error.
- ``ensure_static_manifest``: the web server (``config.wsgi``) refuses to start in production when
  ``collectstatic`` was not run (every page would otherwise be a 500 on its first ``{% static %}``). It is not
  a system check, since ``migrate`` and ``collectstatic`` run the checks before the manifest exists.
"""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults

API_PREFIX = "/api/"


class RejectNulMiddleware:
    """Answer 400 to a request whose path or query string holds a NUL byte (raw or percent-encoded)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or "%00" in query or "\x00" in query:
            message = _("Địa chỉ yêu cầu chứa ký tự không hợp lệ.")
            if request.path.startswith(API_PREFIX):
                return JsonResponse({"detail": message, "code": "bad_request"}, status=400)
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


def server_error(request, template_name=defaults.ERROR_500_TEMPLATE_NAME):
    """Answer an unhandled error: JSON under /api/, the site's 500 page elsewhere (no traceback, no data)."""
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": _("Lỗi hệ thống. Vui lòng thử lại sau."), "code": "server_error"}, status=500)
    return defaults.server_error(request, template_name)


def static_manifest_error() -> str | None:
    """Return why the app cannot serve its pages' static files (a manifest storage without its manifest), or None."""
    backend = settings.STORAGES.get("staticfiles", {}).get("BACKEND", "")
    if "Manifest" not in backend:
        return None
    from django.contrib.staticfiles.storage import staticfiles_storage

    manifest = getattr(staticfiles_storage, "manifest_name", "staticfiles.json")
    if staticfiles_storage.exists(manifest):
        return None
    return (
        f"The static files manifest {settings.STATIC_ROOT}/{manifest} is missing: run "
        "`python manage.py collectstatic --no-input` before starting the server (every page would answer 500)."
    )


def ensure_static_manifest() -> None:
    """Stop the web server at start-up (``config.wsgi``) when ``static_manifest_error`` finds a problem."""
    error = static_manifest_error()
    if error:
        raise ImproperlyConfigured(error)
