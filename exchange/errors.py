"""What goes wrong in an import, shared by the import service, its undo and its background jobs.

The lowest module of the import workflow (it imports none of the others), so that ``exchange.services``
and ``exchange.undo`` raise, and ``exchange.jobs`` catches, the same exceptions without importing each other.
"""

from django.utils.translation import gettext as _


class ImportRefused(Exception):
    """A step of the import workflow is not possible now; ``message`` says why (for the user)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class JobLost(Exception):
    """The job's batch was cancelled or taken over by another worker: stop, write nothing."""


def database_error_message(error: BaseException) -> str:
    """Return what the user reads about a database error: its kind, never its text (it may echo a row)."""
    return _(
        "Lỗi cơ sở dữ liệu khi xử lý tệp (%(error)s); không ghi gì. Hãy gửi lại sau ít phút; "
        "nếu lỗi lặp lại, hãy báo quản trị hệ thống."
    ) % {"error": type(error).__name__}
