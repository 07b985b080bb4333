"""Write many records and their history rows at once: moved to ``core.bulk`` (training's upsert uses it too);
the names stay importable from here."""

from core.bulk import (
    NULL,
    UPDATE_BATCH,
    WRITE_BATCH,
    create_with_history,
    delete_rows,
    history_rows,
    insert_columns,
    new_instances,
    record_deletions,
    update_with_history,
)

__all__ = [
    "NULL",
    "UPDATE_BATCH",
    "WRITE_BATCH",
    "create_with_history",
    "delete_rows",
    "history_rows",
    "insert_columns",
    "new_instances",
    "record_deletions",
    "update_with_history",
]
