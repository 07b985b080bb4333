"""Write many records and their django-simple-history rows at once.

On PostgreSQL, new records and history rows go through ``COPY … FROM STDIN``: Django's bulk INSERT
spends most of an import's write time turning each value into SQL, COPY sends plain text. Elsewhere
(SQLite) simple-history's own ``bulk_create_with_history`` / ``bulk_update_with_history`` are used.
Both paths write the same rows: the record, then one history row per record with the given date,
user and change reason ("+" when created, "~" when changed).
"""

import datetime
import io

from django.conf import settings
from django.db import connection
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

WRITE_BATCH = 2000  # rows per INSERT/UPDATE statement where statements are used
UPDATE_BATCH = 5000  # rows per UPDATE … FROM UNNEST on PostgreSQL


def create_with_history(model, objs: list, *, user, reason: str, date: datetime.datetime) -> None:
    """Insert new records (their ids are set) and a "+" history row for each."""
    if not objs:
        return
    if not _can_copy():
        bulk_create_with_history(
            objs, model, batch_size=WRITE_BATCH, default_user=user, default_change_reason=reason, default_date=date
        )
        return
    _reserve_ids(model, objs)
    fields = model._meta.concrete_fields
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            for obj in objs:
                field.pre_save(obj, add=True)
    _copy(model._meta.db_table, [f.column for f in fields], ([getattr(o, f.attname) for f in fields] for o in objs))
    _copy_history(model, objs, "+", user=user, reason=reason, date=date)


def update_with_history(model, objs: list, fields: list[str], *, user, reason: str, date: datetime.datetime) -> None:
    """Write the given fields of changed records and a "~" history row for each."""
    if not objs:
        return
    if not _can_copy():
        options = {"default_user": user, "default_change_reason": reason, "default_date": date}
        bulk_update_with_history(objs, model, fields, batch_size=WRITE_BATCH, **options)
        return
    if fields:
        _update(model, objs, fields)
    _copy_history(model, objs, "~", user=user, reason=reason, date=date)


def _can_copy() -> bool:
    return connection.vendor == "postgresql" and getattr(settings, "SIMPLE_HISTORY_ENABLED", True)


def _reserve_ids(model, objs: list) -> None:
    """Take the next ids of the table's sequence (one query) and give them to the records."""
    table, pk = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, pk, len(objs)]
        )
        for obj, (new_id,) in zip(objs, cursor.fetchall(), strict=True):
            obj.pk = new_id


def _update(model, objs: list, names: list[str]) -> None:
    """Write some fields of many records: one UPDATE … FROM UNNEST(arrays) per batch.

    Django's bulk_update builds a CASE WHEN per record and field, which costs more than the rest of
    an import; arrays of values cost one parameter per column.
    """
    fields = [model._meta.pk, *(model._meta.get_field(name) for name in names)]
    for field in fields:
        if getattr(field, "auto_now", False):
            for obj in objs:
                field.pre_save(obj, add=False)
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = [quote(field.column) for field in fields]
    arrays = ", ".join(f"%s::{field.db_type(connection)}[]" for field in fields)
    assignments = ", ".join(f"{column} = v.{column}" for column in columns[1:])
    pk = columns[0]
    sql = (
        f"UPDATE {table} SET {assignments} FROM UNNEST({arrays}) AS v({', '.join(columns)}) WHERE {table}.{pk} = v.{pk}"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(objs), UPDATE_BATCH):
            chunk = objs[start : start + UPDATE_BATCH]
            cursor.execute(
                sql,
                [[field.get_db_prep_save(getattr(o, field.attname), connection) for o in chunk] for field in fields],
            )


def _copy_history(model, objs: list, history_type: str, *, user, reason: str, date) -> None:
    """Insert one history row per record, as simple-history's bulk_history_create does."""
    history = model.history.model
    tracked = history.tracked_fields
    columns = [history._meta.get_field(f.name).column for f in tracked]
    columns += ["history_date", "history_change_reason", "history_type", "history_user_id"]
    tail = [date, reason, history_type, getattr(user, "pk", None)]
    _copy(history._meta.db_table, columns, ([getattr(o, f.attname) for f in tracked] + tail for o in objs))


def _copy(table: str, columns: list[str], rows) -> None:
    """COPY rows of Python values into a table (text format), logged like any query."""
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(map(_copy_text, row)))
        buffer.write("\n")
    buffer.seek(0)
    quote = connection.ops.quote_name
    sql = f"COPY {quote(table)} ({', '.join(map(quote, columns))}) FROM STDIN"
    with connection.cursor() as cursor:
        if hasattr(cursor, "debug_sql"):  # queries are being recorded (DEBUG, tests): record this one too
            with cursor.debug_sql(sql):
                cursor.cursor.copy_expert(sql, buffer)
        else:
            cursor.cursor.copy_expert(sql, buffer)


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_TEXT = {
    type(None): lambda value: "\\N",
    bool: lambda value: "t" if value else "f",
    str: lambda value: value.translate(_ESCAPES),
    int: str,
    datetime.date: datetime.date.isoformat,
    datetime.datetime: datetime.datetime.isoformat,  # aware, with its offset
}


def _copy_text(value) -> str:
    """Return a value in COPY's text format (None is \\N)."""
    to_text = _TEXT.get(type(value))
    if to_text is not None:
        return to_text(value)
    # Subclasses: a TextChoices or IntegerChoices member, a date subclass.
    if isinstance(value, str):
        return str(value).translate(_ESCAPES)
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, datetime.date):
        return value.isoformat()
    raise TypeError(f"No COPY text for {type(value).__name__}")
