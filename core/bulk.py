"""Write many records and their django-simple-history rows at once.

On PostgreSQL, new records and history rows go through ``COPY … FROM STDIN``: Django's bulk INSERT
spends most of an import's write time turning each value into SQL, COPY sends plain text. Elsewhere
(SQLite) simple-history's own ``bulk_create_with_history`` / ``bulk_update_with_history`` are used.
Both paths write the same rows: the record, then one history row per record with the given date,
user and change reason ("+" when created, "~" when changed).
"""

import datetime
import io
import json
from operator import attrgetter

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection
from django.db.models import JSONField
from django.db.models.base import ModelState
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

WRITE_BATCH = 2000  # rows per INSERT/UPDATE statement where statements are used
UPDATE_BATCH = 5000  # rows per UPDATE … FROM UNNEST on PostgreSQL


def new_instances(model, rows: list[dict], *, adding: bool) -> list:
    """Return model instances made from dictionaries of attributes, missing ones set to the field's default.

    ``Model.__init__`` costs about 20 µs for a person (every field goes through a descriptor, signals
    fire); setting the attributes directly costs one dictionary update. The models written here have no
    ``pre_init``/``post_init`` receivers, and every concrete attribute is set.
    """
    defaults, computed = {}, {}
    for field in model._meta.concrete_fields:
        if field.has_default() and callable(field.default):
            computed[field.attname] = field.get_default
        else:
            defaults[field.attname] = field.get_default()
    instances = []
    for attributes in rows:
        instance = model.__new__(model)
        values = dict(defaults)
        for attname, default in computed.items():
            values[attname] = default()
        values.update(attributes)
        instance.__dict__.update(values)
        state = ModelState()
        state.adding = adding
        state.db = None if adding else DEFAULT_DB_ALIAS
        instance._state = state
        instances.append(instance)
    return instances


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
    now = timezone.now()
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            for obj in objs:
                setattr(obj, field.attname, now)  # as pre_save would, with one moment for the whole load
    # Each column is turned into COPY text once: the history rows repeat most of the record's columns.
    texts = {f.attname: _column_text(_attribute(objs, f.attname)) for f in fields}
    _copy_texts(model._meta.db_table, [f.column for f in fields], [texts[f.attname] for f in fields])
    _copy_history(model, objs, "+", user=user, reason=reason, date=date, texts=texts)


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
        f"UPDATE {table} SET {assignments} FROM UNNEST({arrays}) AS v({', '.join(columns)}) WHERE {table}.{pk} = v.{pk}"  # noqa: S608 (table and column names from the model's _meta; values bound as arrays)
    )
    with connection.cursor() as cursor:
        for start in range(0, len(objs), UPDATE_BATCH):
            chunk = objs[start : start + UPDATE_BATCH]
            cursor.execute(
                sql,
                [[field.get_db_prep_save(getattr(o, field.attname), connection) for o in chunk] for field in fields],
            )


def _attribute(objs: list, attname: str) -> list:
    return list(map(attrgetter(attname), objs))


def _copy_history(model, objs: list, history_type: str, *, user, reason: str, date, texts: dict | None = None) -> None:
    """Insert one history row per record, as simple-history's bulk_history_create does.

    ``texts`` holds COPY texts of the records' columns already made ({attname: texts}), reused as they are.
    """
    history = model.history.model
    tracked = history.tracked_fields
    texts = texts or {}
    columns = [history._meta.get_field(f.name).column for f in tracked]
    columns += ["history_date", "history_change_reason", "history_type", "history_user_id"]
    values = [texts[f.attname] if f.attname in texts else _column_text(_attribute(objs, f.attname)) for f in tracked]
    # The same who, why and when on every row: converted once.
    values += [_column_text([value]) * len(objs) for value in (date, reason, history_type, getattr(user, "pk", None))]
    _copy_texts(history._meta.db_table, columns, values)


def _copy(table: str, columns: list[str], values: list[list]) -> None:
    """COPY columns of Python values into a table (text format), logged like any query.

    The text is built column by column (``_column_text``): a conversion per value in Python cost more
    than the rest of writing a person.
    """
    _copy_texts(table, columns, [_column_text(column) for column in values])


def _copy_texts(table: str, columns: list[str], texts: list[list[str]]) -> None:
    """COPY columns already in COPY's text format (``_column_text``) into a table, logged like any query."""
    buffer = io.StringIO()
    if texts and texts[0]:
        buffer.write("\n".join(map("\t".join, zip(*texts, strict=True))))
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


NULL = "\\N"
_NONE = type(None)
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _column_text(values: list) -> list[str]:
    """Return a column of Python values in COPY's text format (None is \\N), converting by the column's type."""
    kinds = set(map(type, values))
    kinds.discard(_NONE)
    if not kinds:
        return [NULL] * len(values)
    if all(issubclass(kind, str) for kind in kinds):
        present = [value for value in values if value is not None]
        escaped = _escape(present)
        if len(present) == len(values):
            return escaped
        texts = iter(escaped)
        return [NULL if value is None else next(texts) for value in values]
    if kinds == {bool}:
        return [NULL if value is None else ("t" if value else "f") for value in values]
    if all(issubclass(kind, int) and not issubclass(kind, bool) for kind in kinds):
        return [NULL if value is None else str(int(value)) for value in values]
    if all(issubclass(kind, datetime.date) for kind in kinds):
        # Dates repeat (birth dates, one import moment): convert each distinct value once.
        text = {value: value.isoformat() for value in set(values) if value is not None}  # aware: with offset
        text[None] = NULL
        return [text[value] for value in values]
    return [_copy_text(value) for value in values]


def _escape(strings: list[str]) -> list[str]:
    """Return strings with COPY's escapes (backslash, tab, new line, carriage return), all at once."""
    joined = "\x00".join(strings)  # no text holds NUL (PostgreSQL refuses it): a safe separator
    if "\\" in joined or "\t" in joined or "\n" in joined or "\r" in joined:
        joined = joined.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    parts = joined.split("\x00") if strings else []
    if len(parts) != len(strings):  # a NUL after all: escape one by one, and let the database refuse it
        return [str(value).translate(_ESCAPES) for value in strings]
    return parts


def _copy_text(value) -> str:
    """Return a value in COPY's text format (None is \\N)."""
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, str):
        return str(value).translate(_ESCAPES)
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, datetime.date):
        return value.isoformat()
    raise TypeError(f"No COPY text for {type(value).__name__}")


def insert_columns(model, columns: dict[str, list], **constants) -> None:
    """Insert rows given column by column (plus columns of one value), with no history (an import's report).

    COPY on PostgreSQL (JSON values as text, the common empty list converted once); elsewhere bulk_create.
    """
    count = len(next(iter(columns.values()), []))
    if not count:
        return
    if connection.vendor != "postgresql":
        names = list(columns)
        rows = zip(*columns.values(), strict=True)
        model.objects.bulk_create(
            (model(**constants, **dict(zip(names, row, strict=True))) for row in rows), batch_size=WRITE_BATCH // 4
        )
        return
    names, values = [], []
    for name, column in [*columns.items(), *((name, [value] * count) for name, value in constants.items())]:
        field = model._meta.get_field(name)
        if isinstance(field, JSONField):
            column = ["[]" if value == [] else json.dumps(value, ensure_ascii=False) for value in column]
        names.append(field.column)
        values.append(column)
    _copy(model._meta.db_table, names, values)


def history_rows(model, objs: list, history_type: str, *, user, reason: str, date) -> list:
    """Return unsaved history rows ("+", "~" or "-") recording the records as they are now."""
    history = model.history.model
    tracked = [field.attname for field in history.tracked_fields]
    user_id = getattr(user, "pk", None)
    return [
        history(
            **{attname: getattr(obj, attname) for attname in tracked},
            history_type=history_type,
            history_date=date,
            history_change_reason=reason,
            history_user_id=user_id,
        )
        for obj in objs
    ]


def record_deletions(model, objs: list, *, user, reason: str, date) -> None:
    """Write a "-" history row for each record about to be deleted (COPY on PostgreSQL)."""
    if not objs:
        return
    if _can_copy():
        _copy_history(model, objs, "-", user=user, reason=reason, date=date)
    else:
        rows = history_rows(model, objs, "-", user=user, reason=reason, date=date)
        model.history.model.objects.bulk_create(rows, batch_size=WRITE_BATCH)


def delete_rows(model, ids: list, column: str | None = None) -> None:
    """Delete rows by id (or by another column) in statements below every database's parameter limit.

    A plain DELETE: the caller has written the history rows and checked that nothing refers to them.
    """
    if not ids:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    column = quote(column or model._meta.pk.column)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"DELETE FROM {table} WHERE {column} = ANY(%s)", [list(ids)])  # noqa: S608 (table and column names from the model's _meta; the ids bound)
            return
        ids = list(ids)
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            cursor.execute(f"DELETE FROM {table} WHERE {column} IN ({', '.join(['%s'] * len(chunk))})", chunk)  # noqa: S608 (table and column names from the model's _meta; the ids bound)
