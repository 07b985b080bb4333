"""Every API error is JSON: DRF's own errors, lost races on a unique key, stale edits, and the unexpected.

``exception_handler`` (settings ``REST_FRAMEWORK["EXCEPTION_HANDLER"]``) adds to DRF's handler:

- a uniqueness race (two clients create the same key at once; the second INSERT raises IntegrityError, or the
  write service's own ``full_clean`` a uniqueness ValidationError, after the serializer's check passed) is a 409
  ``{"detail": …, "code": "conflict"}``;
- ``core.concurrency.StaleEdit`` is a 409 with the record's current version, wherever it is raised;
- a bad value the database refuses (``DataError``, an out-of-range date) is a 400;
- anything else is logged and answered 500 in JSON (``config.hardening.server_error`` covers errors raised
  outside the views, e.g. in a middleware).
"""

import logging

from django.core.exceptions import ValidationError as DjangoValidationError
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
    if isinstance(exc, DjangoValidationError):
        # Raised by a write service after the serializer's checks passed: another request wrote meanwhile.
        if _is_uniqueness(exc):
            exc = IntegrityError(str(exc))
        else:
            messages = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
            return Response(messages, status=status.HTTP_400_BAD_REQUEST)
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


UNIQUENESS_CODES = {"unique", "unique_together"}


def _is_uniqueness(error: DjangoValidationError) -> bool:
    """Return whether a validation error says a value is already taken (a field, a key or a unique constraint)."""
    groups = error.error_dict.values() if hasattr(error, "error_dict") else [error.error_list]
    codes = {item.code for group in groups for item in group}
    return bool(codes & UNIQUENESS_CODES) or any("unique" in str(code or "") for code in codes)
