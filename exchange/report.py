"""Keep what a job found in a file: one ``ImportRow`` per data row, and the errors of the file itself.

The batch page reads them a page at a time (a 50,000-row file has 50,000 rows to show), the error
download reads the rows with errors, and the counts per status come from one aggregate.
"""

from collections import defaultdict

from django.db import transaction
from django.utils import timezone

from .bulk import insert_columns
from .models import ImportBatch, ImportRow, ImportStatus, JobKind


def store_report(*, batch: ImportBatch, outcome) -> None:
    """Replace the batch's report with the outcome of its last job, and record a preview's result."""
    lines = {row.line for row in outcome.rows}
    row_errors: dict[int, list] = defaultdict(list)
    file_errors = []
    for error in outcome.errors:
        if error.line in lines:
            row_errors[error.line].append([error.column, error.value, error.reason])
        else:
            file_errors.append([error.line, error.column, error.value, error.reason])
    columns = {
        "line": [row.line for row in outcome.rows],
        "status": [row.status for row in outcome.rows],
        "key": [row.key[:255] for row in outcome.rows],
        "label": [row.label[:255] for row in outcome.rows],
        "changes": [[list(change) for change in row.changes] for row in outcome.rows],
        "errors": [row_errors.get(row.line, []) for row in outcome.rows],
    }
    fields = {"file_errors": file_errors, "error_count": len(outcome.errors)}
    if batch.job == JobKind.PREVIEW:
        fields["status"] = ImportStatus.PREVIEWED if outcome.ok else ImportStatus.REJECTED
        # A valid preview counts what the load would do; a refused file writes nothing.
        fields["new_count"] = outcome.new if outcome.ok else 0
        fields["updated_count"] = outcome.updated if outcome.ok else 0
        fields["unchanged_count"] = outcome.unchanged if outcome.ok else 0
        if not outcome.ok:
            fields["finished_at"] = timezone.now()
    elif outcome.written:
        fields["content"] = b""  # the records hold the data now; keep no second copy of personal data
    with transaction.atomic():
        ImportRow.objects.filter(batch_id=batch.pk).delete()
        insert_columns(ImportRow, columns, batch_id=batch.pk)
        ImportBatch.objects.filter(pk=batch.pk).update(**fields)
