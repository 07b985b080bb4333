"""Every API error is JSON: DRF's own errors, lost races on a unique key, stale edits, and the unexpected.

``exception_handler`` (settings ``REST_FRAMEWORK["EXCEPTION_HANDLER"]``) adds to DRF's handler:

- a uniqueness race (two clients create the same key at once; the second INSERT raises IntegrityError after
  the serializer's own uniqueness check passed) is a 409 ``{"detail": …, "code": "conflict"}``;
- ``core.concurrency.StaleEdit`` is a 409 with the record's current version, wherever it is raised;
- a bad value the database refuses (``DataError``, an out-of-range date) is a 400;
- anything else is logged and answered 500 in JSON (``config.hardening.server_error`` covers errors raised
  outside the views, e.g. in a middleware).
"""

import logging

from django.db import DataError, IntegrityError
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from core.concurrency import StaleEdit, StaleRecords

logger = logging.getLogger("django.request")


def exception_handler(exc, context):
    """Answer ``exc`` in JSON (DRF's answer when it has one)."""
    response = drf_exception_handler(exc, context)
    if response is not None:
        return response
    set_rollback()
    if isinstance(exc, IntegrityError):
        detail = _("Bản ghi với khóa này vừa được tạo hoặc sửa cùng lúc bởi một yêu cầu khác. Hãy tải lại rồi thử lại.")
        return Response({"detail": detail, "code": "conflict"}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, StaleEdit):
        return Response(
            {"detail": exc.message, "version": exc.version, "code": "stale"}, status=status.HTTP_409_CONFLICT
        )
    if isinstance(exc, StaleRecords):
        return Response({"detail": exc.message, "code": "stale"}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DataError):
        return Response({"detail": _("Giá trị gửi lên không hợp lệ."), "code": "invalid"}, status=400)
    request = context.get("request")
    logger.error("Internal Server Error: %s", getattr(request, "path", "?"), exc_info=exc, extra={"status_code": 500})
    return Response(
        {"detail": _("Lỗi hệ thống. Vui lòng thử lại sau."), "code": "server_error"},
        status=status.HTTP_500_INTERNAL_SERVER_ERROR,
    )
