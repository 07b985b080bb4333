"""Import a spreadsheet of one of the six templates: the one entry point for the command, the pages and the API.

``run_import`` reads the file, checks its columns, runs the template's resource over every row and
writes only if every row is valid (all or nothing). It returns an ``ImportOutcome`` listing, per row,
what happened (new, updated, unchanged, error) and every error with its line, column, value and reason.
"""

import logging
from dataclasses import dataclass, field

import tablib
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export.results import RowResult

from . import cells
from .models import ImportBatch, ImportKind, ImportStatus
from .resources import RESOURCES, TemplateResource, field_errors
from .tables import Table, TableError, read_table

__all__ = ["ImportOutcome", "RowError", "RowOutcome", "RowStatus", "read_table", "run_import"]

logger = logging.getLogger(__name__)


class RowStatus(models.TextChoices):
    NEW = "new", gettext_lazy("Mới")
    UPDATED = "updated", gettext_lazy("Cập nhật")
    UNCHANGED = "unchanged", gettext_lazy("Không đổi")
    ERROR = "error", gettext_lazy("Lỗi")


_STATUS_OF = {
    RowResult.IMPORT_TYPE_NEW: RowStatus.NEW,
    RowResult.IMPORT_TYPE_UPDATE: RowStatus.UPDATED,
    RowResult.IMPORT_TYPE_SKIP: RowStatus.UNCHANGED,
}


@dataclass(frozen=True)
class RowError:
    """One error: spreadsheet line (header = 1; None: the whole file), column as headed in the file, value, reason."""

    line: int | None
    column: str
    value: str
    reason: str

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


@dataclass
class RowOutcome:
    """What happened to one row: its status, the template columns that changed, the record's id."""

    line: int
    status: str
    changed: list[str] = field(default_factory=list)
    object_id: int | None = None


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


def run_import(*, kind: str, file_name: str, content: bytes, dry_run: bool, user=None) -> ImportOutcome:
    """Import a file of template ``kind``: write every row, or nothing if any row is invalid; report each row."""
    if kind not in RESOURCES:
        raise ValueError(f"Unknown import kind {kind!r}; expected one of {', '.join(ImportKind.values)}")
    resource_class = RESOURCES[kind]
    outcome = ImportOutcome(kind=kind, file_name=file_name, dry_run=dry_run)
    batch = None
    if not dry_run:
        batch = ImportBatch.objects.create(
            kind=kind, file_name=(file_name or "")[:255], user=user if getattr(user, "pk", None) else None
        )
        outcome.batch = batch
    try:
        _read_and_import(resource_class, file_name, content, outcome, batch, user)
    except Exception:
        if batch is not None:  # a bug, not a bad file: nothing was written; say so on the batch
            ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.REJECTED, finished_at=timezone.now())
        raise
    if batch is not None:
        _finish(batch, outcome)
    return outcome


def _read_and_import(resource_class, file_name: str, content: bytes, outcome, batch, user) -> None:
    try:
        table = read_table(file_name, content)
        mapping, header_errors = resource_class.match_headers(table.headers)
    except TableError as error:
        outcome.errors = [RowError(*entry) for entry in error.errors]
        return
    if header_errors:
        outcome.errors = [RowError(*entry) for entry in header_errors]
    elif not table.rows:
        outcome.errors = [RowError(None, "", "", _("Tệp không có dòng dữ liệu nào."))]
    else:
        _import_rows(resource_class, table, mapping, outcome, batch, user)


def _import_rows(resource_class, table: Table, mapping: dict[int, str], outcome, batch, user) -> None:
    positions = sorted(mapping)
    dataset = tablib.Dataset(
        *([row[i] for i in positions] for row in table.rows), headers=[mapping[i] for i in positions]
    )
    resource: TemplateResource = resource_class(
        history_reason=batch.history_reason if batch else "import:dry-run", user=user
    )
    resource.lines = table.lines
    result = resource.import_data(
        dataset, dry_run=outcome.dry_run, use_transactions=True, rollback_on_validation_errors=True
    )
    header_in_file = {mapping[i]: table.headers[i] for i in positions}
    position_of = {mapping[i]: i for i in positions}
    # Records have ids only once written, which a dry run or a refused file never is.
    written = not (outcome.dry_run or result.has_errors() or result.has_validation_errors())
    for number, row_result in enumerate(result.rows, start=1):
        line = table.lines[number - 1]
        status = _STATUS_OF.get(row_result.import_type, RowStatus.ERROR)
        changed = [resource.fields[name].column_name for name in resource.changes.get(number, [])]
        record_id = resource.row_instances[number].pk if written else None
        outcome.rows.append(RowOutcome(line, status, changed if status == RowStatus.UPDATED else [], record_id))
        if row_result.validation_error is not None:
            raw = table.rows[number - 1]
            for name, reasons in field_errors(resource, row_result.validation_error):
                column = resource.fields[name].column_name if name else ""
                value = cells.display(raw[position_of[column]]) if column in position_of else ""
                outcome.errors.extend(RowError(line, header_in_file.get(column, column), value, r) for r in reasons)
        for error in row_result.errors:
            logger.warning("Import row %s failed", line, exc_info=error.error)
            outcome.errors.append(RowError(line, "", "", str(error.error)))
    for error in result.base_errors:
        logger.warning("Import of %s failed", outcome.file_name, exc_info=error.error)
        outcome.errors.append(RowError(None, "", "", _("Lỗi khi ghi dữ liệu: %(error)s") % {"error": error.error}))


def _finish(batch: ImportBatch, outcome: ImportOutcome) -> None:
    """Record what the load did on its batch (nothing is written when it has errors)."""
    batch.finished_at = timezone.now()
    batch.status = ImportStatus.APPLIED if outcome.ok else ImportStatus.REJECTED
    batch.new_count = outcome.new if outcome.ok else 0
    batch.updated_count = outcome.updated if outcome.ok else 0
    batch.unchanged_count = outcome.unchanged if outcome.ok else 0
    batch.error_count = len(outcome.errors)
    batch.save(update_fields=["finished_at", "status", "new_count", "updated_count", "unchanged_count", "error_count"])
