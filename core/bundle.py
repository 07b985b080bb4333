"""Rows of several tables read in one query: each part's rows as JSON objects, joined by UNION ALL.

A page that shows one record with its many small related lists (a person's page) would otherwise pay one
round trip per list. ``Bundle`` sends one statement; ``instance`` turns a part's row back into a
model instance (values through the fields' ``to_python``, as a form or a fixture would read them).
"""

import datetime
import json
from collections.abc import Callable

from django.db import connection, models
from django.db.models import CharField, Value
from django.db.models.functions import JSONObject
from django.utils import timezone

# A key no row has (primary keys are positive): the parts are built once with it, and their SQL kept.
SENTINEL = -987_654_321


class Bundle:
    """Rows of several tables about one key (a person's id), read in one query whose SQL is compiled once.

    ``build(key)`` returns the parts: {part name: (queryset, {JSON key: field name or expression})}. Compiling a
    UNION of a dozen querysets costs the ORM more than running it; its SQL depends on the key only through its
    parameters, so it is compiled once per database vendor with ``SENTINEL`` for the key and reused.
    """

    def __init__(self, build: Callable[[int], dict]):
        self.build = build
        self._compiled: dict[str, tuple[str, tuple, list[int], list[str]]] = {}

    def read(self, key: int) -> dict[str, list[dict]]:
        """Return {part name: [row, ...]}: each row {JSON key: value as JSON holds it}, in no particular order
        (callers sort them; see ``value`` for dates)."""
        sql, params, slots, names = self._compile()
        params = list(params)
        for slot in slots:
            params[slot] = key
        found: dict[str, list[dict]] = {name: [] for name in names}
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            for name, row in cursor.fetchall():
                found[name].append(json.loads(row) if isinstance(row, (str, bytes)) else row)
        return found

    def _compile(self):
        vendor = connection.vendor
        if vendor not in self._compiled:
            parts = self.build(SENTINEL)
            sql, params = union(parts).query.sql_with_params()
            slots = [index for index, param in enumerate(params) if param == SENTINEL]
            self._compiled[vendor] = (sql, tuple(params), slots, list(parts))
        return self._compiled[vendor]


def union(parts: dict[str, tuple[models.QuerySet, dict]]) -> models.QuerySet:
    """Return the parts as one UNION ALL queryset of (part name, JSON row).

    A part's slice is not allowed (SQLite refuses LIMIT inside a UNION): bound it with a subquery instead.
    """
    first, *rest = [
        queryset.order_by()
        .annotate(bundle_part=Value(name, output_field=CharField()), bundle_row=JSONObject(**columns))
        .values_list("bundle_part", "bundle_row")
        for name, (queryset, columns) in parts.items()
    ]
    return first.union(*rest, all=True) if rest else first


def value(field: models.Field, raw):
    """Return a JSON value as the field holds it (an aware datetime when time zones are on)."""
    if raw is None:
        return None
    if isinstance(field, models.DateTimeField):
        parsed = field.to_python(raw)
        if timezone.is_naive(parsed):  # SQLite keeps datetimes as naive UTC text
            parsed = timezone.make_aware(parsed, datetime.UTC)
        return parsed
    if isinstance(field, models.ForeignKey):
        return field.target_field.to_python(raw)
    return field.to_python(raw)


def instance(model, row: dict, prefix: str = "", **extra):
    """Return a ``model`` instance from the keys of ``row`` that start with ``prefix`` (no query)."""
    values = {}
    for field in model._meta.concrete_fields:
        key = prefix + field.attname
        if key in row:
            values[field.attname] = value(field, row[key])
    obj = model(**values, **extra)
    obj._state.adding = False
    obj._state.db = "default"
    return obj


def columns(model, prefix: str = "", path: str = "") -> dict[str, str]:
    """Return {key: field path} of every concrete field of ``model`` (reached by ``path``), keys prefixed."""
    return {prefix + f.attname: path + f.attname for f in model._meta.concrete_fields}
