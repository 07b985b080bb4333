"""The data version: a fingerprint of the data the figures depend on, moved by every committed write.

The data version moves on every committed write to what the figures depend on:

- the newest django-simple-history row of each audited model: every create, update and delete, bulk
  imports included, adds one (one indexed ``MAX`` per history table, all in one query);
- a counter raised right after each transaction that wrote to those tables commits. History ids are
  handed out when rows are inserted, not when they are committed: on PostgreSQL a long import can
  commit after a shorter transaction that took higher ids, and the maximum alone would never move
  again. Writes are seen on the connection (``track_writes``), so every path through Django counts:
  saves, bulk imports, ``QuerySet.update`` and raw SQL alike. (Writes made outside Django, e.g. with
  psql, are seen only through the history tables, if they write to them.)

A stored run can be brought up to date unit by unit (``updatable``) while the parts of the version that
move with units, courses, the programme or indicators (``EVERY_UNIT_MODELS``) stay as they were.
"""

from __future__ import annotations

import datetime
import functools
import logging

from django.apps import apps
from django.db import DatabaseError, connection, connections
from django.db.models import F

from .. import triggers
from ..models import ChangeCounter, DirtyUnit

logger = logging.getLogger(__name__)

# The models whose data the figures depend on; each keeps a django-simple-history table.
AUDITED_MODELS = (
    "personnel.OrgUnit",
    "personnel.Person",
    "personnel.Qualification",
    "personnel.Appointment",
    "training.Course",
    "training.TrainingRecord",
    "targets.Programme",
    "targets.Indicator",
    "personnel.Assignment",
    "personnel.UnitSuccession",
)


def _audited_models() -> list:
    return [apps.get_model(label) for label in AUDITED_MODELS]


@functools.cache
def history_tables() -> tuple[str, ...]:
    """Return the history tables of the audited models."""
    return tuple(model.history.model._meta.db_table for model in _audited_models())


@functools.cache
def watched_tables() -> tuple[str, ...]:
    """Return every table a write to which can change the figures (quoted, as they appear in SQL)."""
    tables = set()
    for model in _audited_models():
        history = model.history.model
        tables.update({model._meta.db_table, history._meta.db_table})
        tables.update(field.remote_field.through._meta.db_table for field in model._meta.local_many_to_many)
        # History of many-to-many fields (a course's types) hangs off the history model.
        tables.update(rel.related_model._meta.db_table for rel in history._meta.related_objects)
    quote = connection.ops.quote_name
    return tuple(sorted(quote(table) for table in tables))


def data_version(using: str = "default") -> str:
    """Return a fingerprint of the data that changes on every committed write to it, in one query."""
    db = connections[using]
    _flush_pending_change(db)
    quote = db.ops.quote_name
    parts = [f"(SELECT {quote('value')} FROM {quote(ChangeCounter._meta.db_table)} WHERE {quote('id')} = 1)"]  # noqa: S608 (table names from the models' _meta, quoted; no value)
    parts += [f"(SELECT MAX({quote('history_id')}) FROM {quote(table)})" for table in history_tables()]  # noqa: S608 (table names from the models' _meta, quoted; no value)
    # The triggers' newest note: moved by every write, even one made outside Django (psql).
    parts.append(f"(SELECT MAX({quote('id')}) FROM {quote(DirtyUnit._meta.db_table)})")  # noqa: S608 (table names from the models' _meta, quoted; no value)
    with db.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts))
        row = cursor.fetchone()
    return ".".join("0" if value is None else str(value) for value in row)


class _RaiseCounter:
    """An on-commit callback raising one database's change counter (recognisable, to register it once)."""

    def __init__(self, alias: str):
        self.alias = alias
        self.__qualname__ = "reports.freshness.mark_changed"

    def __call__(self):
        mark_changed(using=self.alias)


def mark_changed(using: str = "default") -> None:
    """Raise the change counter, so that every stored figure becomes stale."""
    try:
        if not ChangeCounter.objects.using(using).filter(pk=1).update(value=F("value") + 1):
            ChangeCounter.objects.using(using).bulk_create([ChangeCounter(pk=1, value=1)], ignore_conflicts=True)
    except DatabaseError:  # e.g. while migrating, before the table exists
        logger.debug("Could not raise the change counter", exc_info=True)


_WRITE_VERBS = ("INSERT", "UPDATE", "DELETE")


def track_writes(execute, sql, params, many, context):
    """Run a statement; if it writes to a watched table, raise the change counter once the write is committed.

    In a transaction: right after it commits (nothing if it rolls back). Outside one, the statement
    committed by itself: at once, or, when it still has rows to return (INSERT … RETURNING, which SQLite
    finishes only when they are read), before the next statement on the connection.
    """
    db = context["connection"]
    _flush_pending_change(db)
    result = execute(sql, params, many, context)
    if isinstance(sql, str) and sql.lstrip()[:6].upper() in _WRITE_VERBS and any(t in sql for t in watched_tables()):
        if db.in_atomic_block:
            if not any(isinstance(entry[1], _RaiseCounter) for entry in db.run_on_commit):
                db.on_commit(_RaiseCounter(db.alias), robust=True)
        elif context["cursor"].description is None:
            mark_changed(using=db.alias)
        else:
            db._reports_pending_change = True
    return result


def _flush_pending_change(db) -> None:
    if getattr(db, "_reports_pending_change", False) and not db.in_atomic_block and db.get_autocommit():
        db._reports_pending_change = False
        mark_changed(using=db.alias)


def flush_pending_changes(**kwargs) -> None:
    """Raise the counter for writes whose statements ended the request (connected to ``request_finished``)."""
    for db in connections.all(initialized_only=True):
        _flush_pending_change(db)


def install_write_tracking(sender=None, connection=None, **kwargs) -> None:
    """Watch writes on a database connection (connected to ``connection_created``)."""
    if connection is not None and track_writes not in connection.execute_wrappers:
        connection.execute_wrappers.append(track_writes)


# Changes to these move many units' figures at once: a run they changed is evaluated whole again.
EVERY_UNIT_MODELS = (
    "personnel.OrgUnit",
    "personnel.UnitSuccession",
    "training.Course",
    "targets.Programme",
    "targets.Indicator",
)


def _every_unit_part(version: str) -> list[str] | None:
    parts = version.split(".")
    if len(parts) != 2 + len(AUDITED_MODELS):  # the counter, each history table, the triggers' newest note
        return None
    return [parts[1 + AUDITED_MODELS.index(label)] for label in EVERY_UNIT_MODELS]


def updatable(run_version: str, run_as_of: datetime.date, *, version: str, as_of: datetime.date) -> bool:
    """Return whether a run can be brought up to date unit by unit: same date T, and no change to units,
    courses, the programme or indicators seen in the data version since."""
    before = _every_unit_part(run_version)
    return (
        triggers.supported(connection)
        and run_as_of == as_of
        and before is not None
        and before == _every_unit_part(version)
    )
