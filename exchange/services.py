"""Import a spreadsheet of one of the six templates: the one entry point for the command, the pages and the API.

``run_import`` reads the file, checks its columns, reads every row through the template's resource and
writes only if every row is valid (all or nothing). It returns an ``ImportOutcome`` listing, per row,
what happened (new, updated, unchanged, error) and every error with its line, column, value and reason.

The safety limits of the settings apply to every caller (``exchange.tables``), and so does the
importer's scope: an importer who is not city-wide may only import rows of the units they manage
(``accounts.scoping``); a row pointing at a person or a unit outside them is an error.
"""

import contextlib
import gc
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DatabaseError, connection, models, transaction
from django.db.models import Case, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.scoping import sees_whole_city
from core.concurrency import StaleRecords

from . import cells
from .errors import ImportRefused, JobLost, database_error_message
from .heartbeat import Heartbeat, worker_name
from .models import ImportBatch, ImportKind, ImportStatus, JobKind, JobStage, JobState
from .resources import RESOURCES, TemplateResource
from .signals import batch_queued
from .tables import EXTRA_COLUMNS, TableError, read_table, too_large_error
from .undo import undo_batch as _undo_batch

__all__ = [
    "ImportOutcome",
    "ImportRefused",
    "RowError",
    "RowOutcome",
    "RowStatus",
    "importer_scope",
    "read_table",
    "request_undo",
    "run_import",
    "submit_file",
    "undo_batch",
    "visible_batches",
]

logger = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]


class RowStatus(models.TextChoices):
    NEW = "new", gettext_lazy("Mới")
    UPDATED = "updated", gettext_lazy("Cập nhật")
    UNCHANGED = "unchanged", gettext_lazy("Không đổi")
    ERROR = "error", gettext_lazy("Lỗi")


@dataclass(frozen=True)
class RowError:
    """One error: spreadsheet line (header = 1; None: the whole file), column as headed in the file, value, reason."""

    line: int | None
    column: str
    value: str
    reason: str

    def __post_init__(self):
        # A rejected cell is echoed cut short: a 100,000-character name must not make a 100,000-character error.
        object.__setattr__(self, "value", cells.echoed(self.value))

    def __str__(self):
        parts = []
        if self.line is not None:
            parts.append(_("Dòng %(line)s") % {"line": self.line})
        if self.column:
            parts.append(_("cột «%(column)s»") % {"column": self.column})
        if self.value:
            parts.append(_("giá trị «%(value)s»") % {"value": self.value})
        where = ", ".join(parts) if parts else _("Tệp")
        return f"{where}: {self.reason}"


@dataclass(slots=True)
class RowOutcome:
    """What happened to one row: its status, the template columns that changed, the record's id.

    ``key`` and ``label`` name the row as written (its natural key, a name or title); ``changes`` lists
    (column, stored value, value in the file) for an updated row.
    """

    line: int
    status: str
    changed: list[str] = field(default_factory=list)
    object_id: int | None = None
    key: str = ""
    label: str = ""
    changes: list[tuple[str, str, str]] = field(default_factory=list)


@dataclass
class ImportOutcome:
    """The result of an import (or of a dry run): counts, one outcome per row, and every error."""

    kind: str
    file_name: str
    dry_run: bool
    rows: list[RowOutcome] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    batch: ImportBatch | None = None

    def count(self, status: str) -> int:
        return sum(1 for row in self.rows if row.status == status)

    @property
    def new(self) -> int:
        return self.count(RowStatus.NEW)

    @property
    def updated(self) -> int:
        return self.count(RowStatus.UPDATED)

    @property
    def unchanged(self) -> int:
        return self.count(RowStatus.UNCHANGED)

    @property
    def ok(self) -> bool:
        """Return whether the file is valid (then it was written, unless this was a dry run)."""
        return not self.errors

    @property
    def written(self) -> bool:
        """Return whether the file was written (valid, and not a dry run)."""
        return self.ok and not self.dry_run

    @property
    def error_lines(self) -> list[int]:
        """Return the lines that have an error, in order."""
        return sorted({error.line for error in self.errors if error.line is not None})


_collector_lock = threading.Lock()
_collector = {"pauses": 0, "was_enabled": True}


@contextlib.contextmanager
def collector_paused():
    """Pause Python's cyclic garbage collector while a file is read and written (nested and threaded alike).

    An import creates a few objects per cell and keeps them to the end, so the collector's full passes
    walk millions of live objects again and again for nothing (a fifth of a 50,000-row import's time).
    Reference counting still frees every object as usual.
    """
    with _collector_lock:
        if _collector["pauses"] == 0:
            _collector["was_enabled"] = gc.isenabled()
            gc.disable()
        _collector["pauses"] += 1
    try:
        yield
    finally:
        with _collector_lock:
            _collector["pauses"] -= 1
            if _collector["pauses"] == 0 and _collector["was_enabled"]:
                gc.enable()


def importer_scope(user) -> str | None:
    """Return the unit path an importer is limited to, or None when they may import for the whole city.

    No user (a shell command) imports for the whole city; a user with no unit and no city-wide role
    may import nothing (a path no unit has).
    """
    if user is None or not getattr(user, "is_authenticated", False) or sees_whole_city(user):
        return None
    unit = user.unit
    return unit.path if unit is not None else "\x00"


def run_import(
    *,
    kind: str,
    file_name: str,
    content: bytes,
    dry_run: bool,
    user=None,
    batch: ImportBatch | None = None,
    on_progress: Progress | None = None,
) -> ImportOutcome:
    """Import a file of template ``kind``: write every row, or nothing if any row is invalid; report each row.

    A load (not a dry run) is recorded as an ``ImportBatch`` (``batch``, or a new one); ``on_progress``
    is called with (stage, rows done, rows in all) while the file is read and checked.
    """
    if kind not in RESOURCES:
        raise ValueError(f"Unknown import kind {kind!r}; expected one of {', '.join(ImportKind.values)}")
    outcome = ImportOutcome(kind=kind, file_name=file_name, dry_run=dry_run)
    own_batch = batch is None and not dry_run
    if own_batch:  # a command-line load: claimed by this process, so a killed one is found and failed
        batch = ImportBatch.objects.create(
            kind=kind,
            file_name=(file_name or "")[:255],
            user=user if getattr(user, "pk", None) else None,
            job_state=JobState.RUNNING,
            claimed_by=worker_name(),
            heartbeat_at=timezone.now(),
        )
    outcome.batch = None if dry_run else batch
    progress = on_progress or (lambda stage, done, total: None)
    heartbeat = Heartbeat(batch.pk, batch.claimed_by) if own_batch else contextlib.nullcontext()
    try:
        with heartbeat, collector_paused():
            _read_and_import(RESOURCES[kind], file_name, content, outcome, user, progress)
    except JobLost:
        if not own_batch:
            raise
        outcome.errors = [RowError(None, "", "", _("Lần nhập đã bị hủy trong khi chạy; không ghi gì."))]
        return outcome
    except Exception:
        if outcome.batch is not None:  # a bug, not a bad file: nothing was written; say so on the batch
            with contextlib.suppress(DatabaseError):  # the connection may be the thing that broke
                _mine(outcome.batch).update(
                    status=ImportStatus.FAILED, finished_at=timezone.now(), **_job_over(outcome.batch)
                )
        raise
    if outcome.batch is not None and not outcome.written:
        finish_batch(outcome.batch, outcome)
    return outcome


def _mine(batch: ImportBatch) -> models.QuerySet:
    """Return the batch while it is still this load's to finish: running, and claimed by this job or command."""
    return ImportBatch.objects.filter(pk=batch.pk, status=ImportStatus.RUNNING, claimed_by=batch.claimed_by)


def _job_over(batch: ImportBatch) -> dict:
    """Return the fields that end a command-line load's "job" (a page's job ends in ``exchange.jobs``)."""
    return {} if batch.job else {"job_state": JobState.DONE, "stage": JobStage.DONE}


def _read_and_import(resource_class: type[TemplateResource], file_name, content, outcome, user, progress) -> None:
    progress("reading", 0, 0)
    try:
        table = read_table(
            file_name,
            content,
            on_progress=lambda count: progress("reading", count, 0),
            max_columns=len(resource_class.fields) + EXTRA_COLUMNS,
        )
        mapping, header_errors = resource_class.match_headers(table.headers)
    except TableError as error:
        outcome.errors = [RowError(*entry) for entry in error.errors]
        return
    if header_errors:
        outcome.errors = [RowError(*entry) for entry in header_errors]
        return
    if not table.rows:
        outcome.errors = [RowError(None, "", "", _("Tệp không có dòng dữ liệu nào."))]
        return
    batch = outcome.batch
    resource = resource_class(
        history_reason=batch.history_reason if batch else "import:dry-run", user=user, scope_path=importer_scope(user)
    )
    resource.check(table, mapping, on_progress=lambda done, total: progress("checking", done, total))
    outcome.errors = _errors(resource, table, mapping)
    if outcome.errors or outcome.dry_run:
        outcome.rows = _rows(resource, None)
        return
    progress("writing", len(table.rows), len(table.rows))
    created, updated = resource.build()
    try:
        # The driver's own errors (COPY's) become Django's DatabaseError, so they are reported as such.
        with transaction.atomic(), connection.wrap_database_errors:
            # The fence: the first statement locks the batch's row to the commit (SQLite: the database), and
            # writes only while the batch is still this load's (not cancelled, not taken over by another worker).
            if not _mine(batch).update(heartbeat_at=timezone.now()):
                raise JobLost(batch.pk)
            resource.write(created, updated)
            outcome.rows = _rows(resource, resource.object_ids())
            # The batch says "applied" in the same transaction as the records: never one without the other.
            if not finish_batch(batch, outcome):
                raise JobLost(batch.pk)
    except DatabaseError as error:
        # Never the error's text: it may echo a row (a citizen ID in a unique-key error).
        logger.warning("Import of batch %s failed while writing: %s", batch.pk, type(error).__name__)
        outcome.rows = _rows(resource, None)
        outcome.errors = [RowError(None, "", "", database_error_message(error))]
    except StaleRecords as error:  # someone saved some of the file's records while it was being read
        outcome.rows = _rows(resource, None)
        outcome.errors = [RowError(None, "", "", error.message)]


def _errors(resource: TemplateResource, table, mapping) -> list[RowError]:
    """Return the errors of the rows, in line order, then in template column order."""
    header_in_file = {column: table.headers[position] for position, column in mapping.items()}
    errors = []
    for index in sorted(resource.errors):
        by_name = resource.errors[index]
        line = table.lines[index]
        for name, field_ in resource.fields.items():
            if name in by_name:
                column = field_.column_name
                value = cells.display(resource.raw[name][index]) if name in resource.raw else ""
                errors.append(RowError(line, header_in_file.get(column, column), value, by_name[name]))
        errors.extend(RowError(line, "", "", reason) for name, reason in by_name.items() if name not in resource.fields)
    return errors


def _rows(resource: TemplateResource, object_ids: list | None) -> list[RowOutcome]:
    keys, labels = resource.row_keys(), resource.row_labels()
    ids = object_ids or [None] * len(keys)
    rows = [
        RowOutcome(line, status, [], object_id, key, label)
        for line, status, object_id, key, label in zip(resource.lines, resource.status, ids, keys, labels, strict=True)
    ]
    for index, row in enumerate(rows):
        if row.status == RowStatus.UPDATED:
            row.changed = [resource.fields[name].column_name for name in resource.changed[index]]
            row.changes = resource.changes(index)
    return rows


def finish_batch(batch: ImportBatch, outcome: ImportOutcome) -> bool:
    """Record what the load did on its batch (nothing is written when it has errors).

    Only a batch still running under this load's claim is changed: a cancelled batch stays cancelled, an
    applied one applied. Return whether the batch was changed.
    """
    fields = {
        "finished_at": timezone.now(),
        "status": ImportStatus.APPLIED if outcome.ok else ImportStatus.REJECTED,
        "new_count": outcome.new if outcome.ok else 0,
        "updated_count": outcome.updated if outcome.ok else 0,
        "unchanged_count": outcome.unchanged if outcome.ok else 0,
        "error_count": len(outcome.errors),
    }
    if not _mine(batch).update(**fields, **_job_over(batch)):
        return False
    for name, value in fields.items():
        setattr(batch, name, value)
    return True


# ---------------------------------------------------------------------------------------------
# The import pages: a file is uploaded, previewed (a dry run), then confirmed and loaded, each step a
# background job (``exchange.jobs``, asked for by the ``batch_queued`` signal: it imports this module).


def can_import(user) -> bool:
    """Return whether the user may use the import pages (the ``exchange.add_importbatch`` permission)."""
    return bool(getattr(user, "is_authenticated", False) and user.has_perm("exchange.add_importbatch"))


def visible_batches(user) -> models.QuerySet:
    """Return the batches a user may see: every batch for a city-wide importer, else their own."""
    batches = ImportBatch.objects.select_related("user", "undone_by").defer("content", "file_errors")
    if not can_import(user):
        return batches.none()
    if importer_scope(user) is None:
        return batches
    return batches.filter(user=user)


def submit_file(*, kind: str, file_name: str, content: bytes, user, language: str = "") -> ImportBatch:
    """Record an uploaded file as a batch and queue its preview (an oversized file is refused unstored)."""
    if kind not in RESOURCES:
        raise ImportRefused(_("Không có mẫu dữ liệu «%(kind)s».") % {"kind": kind})
    if len(content) > settings.IMPORT_MAX_FILE_SIZE:
        return record_oversized(kind=kind, file_name=file_name, size=len(content), user=user, language=language)
    common = _batch_fields(kind=kind, file_name=file_name, size=len(content), user=user, language=language)
    batch = ImportBatch.objects.create(
        **common,
        content=content,
        status=ImportStatus.PREVIEWING,
        job=JobKind.PREVIEW,
        job_state=JobState.QUEUED,
        stage=JobStage.QUEUED,
    )
    batch_queued.send(sender=ImportBatch, batch=batch)
    return batch


def _batch_fields(*, kind: str, file_name: str, size: int, user, language: str) -> dict:
    return {
        "kind": kind,
        "file_name": (file_name or "")[:255],
        "user": user if getattr(user, "pk", None) else None,
        "file_size": size,
        "language": (language or "")[:8],
    }


def record_oversized(*, kind: str, file_name: str, size: int, user, language: str = "") -> ImportBatch:
    """Record an upload refused for its size (nothing of it is kept)."""
    return ImportBatch.objects.create(
        **_batch_fields(kind=kind, file_name=file_name, size=size, user=user, language=language),
        status=ImportStatus.REJECTED,
        finished_at=timezone.now(),
        error_count=1,
        file_errors=[[None, "", "", too_large_error(size)]],
    )


def confirm_batch(*, batch: ImportBatch, user) -> ImportBatch:
    """Queue the load of a previewed file (only its uploader confirms it, once)."""
    if batch.user_id != getattr(user, "pk", None):
        raise ImportRefused(_("Chỉ người đã gửi tệp mới xác nhận được lần nhập này."))
    started = ImportBatch.objects.filter(pk=batch.pk, status=ImportStatus.PREVIEWED, job_state=JobState.DONE).update(
        status=ImportStatus.RUNNING,
        job=JobKind.APPLY,
        job_state=JobState.QUEUED,
        stage=JobStage.QUEUED,
        rows_done=0,
        started_at=timezone.now(),
        claimed_by="",
        attempts=0,  # each stage has its own tries
    )
    if not started:
        raise ImportRefused(_("Lần nhập này không còn chờ xác nhận."))
    batch.refresh_from_db()
    batch_queued.send(sender=ImportBatch, batch=batch)
    return batch


CANCELLABLE = (ImportStatus.PREVIEWING, ImportStatus.PREVIEWED, ImportStatus.REJECTED, ImportStatus.RUNNING)


def can_cancel(batch: ImportBatch) -> bool:
    """Return whether the batch can be cancelled now: anything not yet written, or a waiting or running undo."""
    if batch.status in CANCELLABLE:
        return True
    return batch.status == ImportStatus.APPLIED and batch.job == JobKind.UNDO and batch.is_active


def cancel_batch(*, batch: ImportBatch, user) -> None:
    """Cancel a batch: drop a file not yet written (whatever its job is doing), or stop a waiting or running undo.

    A running job notices at its next step and writes nothing; a load whose records are being committed
    is not cancelled (it is applied, and can be undone). The stored copy of a dropped file is deleted.
    """
    if batch.user_id != getattr(user, "pk", None) and importer_scope(user) is not None:
        raise ImportRefused(_("Chỉ người đã gửi tệp mới hủy được lần nhập này."))
    now = timezone.now()
    try:
        cancelled = ImportBatch.objects.filter(pk=batch.pk, status__in=CANCELLABLE).update(
            status=ImportStatus.CANCELLED,
            content=b"",
            finished_at=now,
            job_state=Case(When(job_state=JobState.NONE, then=Value(JobState.NONE)), default=Value(JobState.DONE)),
            stage=Case(When(job_state=JobState.NONE, then=Value("")), default=Value(JobStage.DONE)),
        )
        if not cancelled:
            cancelled = ImportBatch.objects.filter(
                pk=batch.pk,
                status=ImportStatus.APPLIED,
                job=JobKind.UNDO,
                job_state__in=[JobState.QUEUED, JobState.RUNNING],
            ).update(
                job_state=JobState.DONE,
                stage=JobStage.DONE,
                undone_by=None,
                undo_refusal={"message": _("Việc hoàn tác đã bị hủy; lần nhập vẫn giữ nguyên."), "details": []},
            )
    except DatabaseError:  # SQLite: the load holds the database while it commits
        raise ImportRefused(_("Lần nhập đang ghi dữ liệu; hãy thử hủy lại sau ít giây.")) from None
    if not cancelled:
        raise ImportRefused(_("Không hủy được lần nhập này (đã ghi hoặc đã kết thúc)."))


def undo_batch(*, batch: ImportBatch, user):
    """Undo an applied load now (see ``exchange.undo``); raise ``UndoRefused`` when it cannot be undone."""
    return _undo_batch(batch=batch, user=user)


def request_undo(*, batch: ImportBatch, user) -> ImportBatch:
    """Queue the undo of an applied load (a background job: a large load takes seconds to undo)."""
    requested = ImportBatch.objects.filter(
        pk=batch.pk, status=ImportStatus.APPLIED, job_state__in=[JobState.DONE, JobState.NONE]
    ).update(
        job=JobKind.UNDO,
        job_state=JobState.QUEUED,
        stage=JobStage.QUEUED,
        undone_by=user if getattr(user, "pk", None) else None,
        undo_refusal={},
        claimed_by="",
        attempts=0,  # each stage has its own tries
    )
    if not requested:
        raise ImportRefused(_("Lần nhập này không còn hoàn tác được (đã hoàn tác, hoặc đang có việc chạy)."))
    batch.refresh_from_db()
    batch_queued.send(sender=ImportBatch, batch=batch)
    return batch
