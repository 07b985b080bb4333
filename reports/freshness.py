"""Fresh and fast figures: the version of the data they come from, and serving them from storage.

Evaluating the whole city takes seconds at Hanoi's size, so the figures of every unit are computed at
once (one evaluation of the root) and stored in ``StoredFigures``, labelled with the *data version* read
just before computing. A page reads the current version (one query) and which stored runs hold the
units it shows (one query); the figures themselves are read only when the page has to be drawn anew
(``reports.views`` caches drawings per run). A run whose label differs from the current version, or
whose evaluation date is not today's T, is *stale* and is brought up to date.

The data version moves on every committed write to what the figures depend on:

- the newest django-simple-history row of each audited model: every create, update and delete, bulk
  imports included, adds one (one indexed ``MAX`` per history table, all in one query);
- a counter raised right after each transaction that wrote to those tables commits. History ids are
  handed out when rows are inserted, not when they are committed: on PostgreSQL a long import can
  commit after a shorter transaction that took higher ids, and the maximum alone would never move
  again. Writes are seen on the connection (``track_writes``), so every path through Django counts:
  saves, bulk imports, ``QuerySet.update`` and raw SQL alike. (Writes made outside Django, e.g. with
  psql, are seen only through the history tables, if they write to them.)

Bringing a run up to date (``refresh``), unit by unit:

- A unit's figures are the sums, over its subtree, of the *direct* counts of each unit (numerator and
  denominator of each indicator over the persons sitting directly in it), as ``evaluate_subtree`` sums
  them. Every run stores each unit's direct counts (``StoredFigures.direct``) beside its figures.
- Database triggers (``reports.triggers``) write a ``DirtyUnit`` row in the same transaction as every
  write to persons, qualifications, appointments and training records, naming the units it touches (a
  person moved: both units), whichever way the write comes (forms, services, admin, API, ``COPY``
  imports, raw SQL). The row commits with the change or vanishes with it, so, unlike an id or a time
  stamp, it cannot be passed over by a transaction that commits late. A write to units, courses or
  their types, the programme or indicators writes a row naming no unit: "every unit".
- ``collect_changes`` hands those rows on, in one transaction (delete … returning them, then insert),
  to every ``TrackedYear`` (a programme's year of one tree whose figures are stored) as ``PendingUnit``
  rows; each tracked year takes its own when it is refreshed (a year nobody opens keeps gathering them
  until then, or until ``refresh_reports`` evaluates it). A year is tracked, and committed, before
  its first evaluation starts, so a change is either handed to it or was committed before it was
  evaluated.
- A stale run whose T is today's T and whose version shows no new history of units, courses, the
  programme or indicators is *updated*, in one transaction: take (delete … returning) the year's
  pending units (none may be "every unit"; more than ``MAX_UNITS_UPDATED`` units, or units holding more
  than ``MAX_PERSONS_UPDATED`` persons, cost as much as a whole evaluation); count the direct figures
  of those units again (the engine's own statements, restricted to them); add the differences to the
  stored figures of each unit and of every unit above it; write those rows; and move the whole run to a
  new token, version and time in one ``UPDATE … WHERE run = <the old token>``. If no row matched,
  another refresh replaced the run meanwhile: everything rolls back and the pending units stay.
  Pending units of other trees are taken and dropped (their units hold no row of this tree).
- Otherwise (a new T, a change that touches every unit, no run yet, or ``whole``) the whole tree is
  evaluated, as before: in one transaction its pending units are taken (the evaluation covers them),
  then the version is read, the tree evaluated and stored, and older runs deleted. The command
  ``refresh_reports`` always evaluates whole.

Why nothing is missed: a run labelled with version V reflects every change committed before V was
read, or that change's pending row still waits for it. An update reads V before it takes its pending
units; a whole evaluation takes them before it reads V and evaluates. Pending rows are deleted only by
the transaction that stores a run covering them. Of two refreshes overlapping, the one storing the
newer run (later ``computed_at``: an update takes its time before taking its pending units, a whole
evaluation after) covers what the other took; an update whose run was replaced meanwhile stores
nothing (the token check), and one overtaken by a newer whole run is rolled back by the same check.

Recomputing in the request: a year that has never been computed is computed in the request. A stale
year is brought up to date in the request while the time it took last time (the last update's, or the
last whole evaluation's when it must be evaluated whole) fits ``REPORTS_SYNC_SECONDS`` (1 s by
default; 0: never); otherwise the stale figures are served, the page says so and when they were
computed, and the year is refreshed right after the response is sent. One refresh at a time per year
and tree (a cache lock), so concurrent requests do not pile up.
"""

from __future__ import annotations

import datetime
import functools
import logging
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, OperationalError, connection, connections, transaction
from django.db.models import F, Q
from django.utils import timezone

from personnel.models import Assignment, OrgUnit
from reports.signals import figures_loaded
from targets import compliance
from targets import years as target_years
from targets.models import Indicator, Programme

from . import triggers
from .models import ChangeCounter, DirtyUnit, PendingUnit, StoredFigures, TrackedYear

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
LOCK_SECONDS = 15 * 60  # a refresh that dies leaves its lock for at most this long


# ---------------------------------------------------------------------------------------------
# Data version


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
    parts = [f"(SELECT {quote('value')} FROM {quote(ChangeCounter._meta.db_table)} WHERE {quote('id')} = 1)"]
    parts += [f"(SELECT MAX({quote('history_id')}) FROM {quote(table)})" for table in history_tables()]
    # The triggers' newest note: moved by every write, even one made outside Django (psql).
    parts.append(f"(SELECT MAX({quote('id')}) FROM {quote(DirtyUnit._meta.db_table)})")
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


# ---------------------------------------------------------------------------------------------
# Stored figures


class YearFigures:
    """The figures of one year for the units a page needs, and where they come from."""

    def __init__(
        self, *, year, as_of, version, run, computed_at, current, duration=0.0, reports=None, build=None, updated=False
    ):
        self.year = year
        self.as_of = as_of
        self.version = version
        self.run = run
        self.computed_at = computed_at
        self.current = current
        self.duration = duration
        self.updated = updated  # brought up to date unit by unit (``duration`` is then that update's)
        self._reports = reports
        self._build = build  # makes the reports from stored rows when first needed (a cached page needs none)

    @property
    def reports(self) -> dict[int, compliance.UnitReport]:
        """Return {unit id: report} of the units loaded."""
        if self._reports is None:
            self._reports = self._build()
        return self._reports


@dataclass
class Figures:
    """The figures of a unit (and its children) for one year, with the trend years of the unit."""

    programme: Programme
    unit: OrgUnit
    year: int
    main: YearFigures | None
    version: str = ""
    trend: dict[int, YearFigures | None] = field(default_factory=dict)
    view: str = "today"

    @property
    def indicators(self) -> list[Indicator]:
        """Return the programme's indicators in catalogue order."""
        return programme_indicators(self.programme)

    @property
    def report(self) -> compliance.UnitReport:
        """Return the unit's report for the chosen year."""
        return self.main.reports[self.unit.pk]

    @property
    def children(self) -> list[compliance.UnitReport]:
        """Return the reports of the unit's child units, by code."""
        reports = [r for r in self.main.reports.values() if r.unit.parent_id == self.unit.pk]
        return sorted(reports, key=lambda report: report.unit.code)

    @property
    def as_of(self) -> datetime.date:
        """Return the evaluation date T of the unit in the chosen year (in view ``then``, the day before a unit
        closed during the year)."""
        unit = self.unit
        own = compliance.unit_date(
            self.year, self.main.as_of, opened_on=unit.opened_on, closed_on=unit.closed_on, view=self.view
        )
        return own or self.main.as_of

    @property
    def used(self) -> list[YearFigures]:
        """Return the stored or computed figures this page draws from, each year once."""
        return [self.main, *(f for f in self.trend.values() if f is not None and f is not self.main)]

    @property
    def computed_at(self) -> datetime.datetime:
        """Return when the figures of the chosen year were computed."""
        return self.main.computed_at

    @property
    def current(self) -> bool:
        """Return whether every figure shown reflects the data as it is now."""
        return all(f.current for f in self.used) and all(f is not None for f in self.trend.values())

    @property
    def units_version(self) -> str:
        """Return the part of the data version that moves when units change (for caches of unit lists)."""
        return self.version.split(".")[1 + AUDITED_MODELS.index("personnel.OrgUnit")]

    @property
    def token(self) -> str:
        """Return a key naming exactly the stored runs shown (for caches of what is drawn from them)."""
        runs = [self.main.run] + [f"{y}:{f.run if f else '-'}" for y, f in sorted(self.trend.items())]
        return "|".join(runs)

    def trend_of(self, code: str) -> list[tuple[int, compliance.IndicatorResult | None]]:
        """Return the unit's result of an indicator in each trend year (None when not computed yet)."""
        points = []
        for year, figures in sorted(self.trend.items()):
            result = None
            if figures is not None and self.unit.pk in figures.reports:
                result = figures.reports[self.unit.pk].by_code().get(code)
            points.append((year, result))
        return points


def root_of(unit: OrgUnit) -> int:
    """Return the id of the root of the unit's tree."""
    return unit.ancestor_ids()[0]


def programme_indicators(programme: Programme) -> list[Indicator]:
    """Return the programme's indicators in catalogue order (cached on the programme, as the engine does)."""
    indicators = getattr(programme, "_cached_indicators", None)
    if indicators is None:
        indicators = list(programme.indicators.order_by("order", "code"))
        programme._cached_indicators = indicators
    return indicators


def sync_seconds() -> float:
    """Return how long a request may spend recomputing stale figures before it serves them stale instead."""
    return float(getattr(settings, "REPORTS_SYNC_SECONDS", 1.0))


META_FIELDS = (
    "id", "year", "as_of", "version", "run", "computed_at", "duration", "update_seconds", "unit_id", "parent_id",
)  # fmt: skip


def load_figures(programme: Programme, unit: OrgUnit, *, year: int, trend_years=(), view: str = "today") -> Figures:
    """Return the figures of ``unit`` and its children for ``year``, and the unit's figures in ``trend_years``.

    Queries: the data version and which stored runs hold the figures; the figures themselves and the
    indicators only when first read (a page drawn from cache reads neither); plus, for a year brought up
    to date in the request, that refresh (``refresh``).
    """
    root_id = root_of(unit)
    years = [year, *(y for y in trend_years if y != year)]
    version = data_version()
    rows = list(
        StoredFigures.objects.filter(programme=programme, root_id=root_id, year__in=years, view=view)
        .filter(Q(unit_id=unit.pk) | Q(year=year, parent_id=unit.pk))
        .order_by("year", "-computed_at", "-id")
        .values(*META_FIELDS)
    )
    runs: dict[int, list[dict]] = {}
    for row in rows:  # the newest run of each year, if it holds the unit itself
        chosen = runs.get(row["year"])
        if chosen is None or chosen[0]["run"] == row["run"]:
            runs.setdefault(row["year"], []).append(row)
    runs = {y: group for y, group in runs.items() if any(r["unit_id"] == unit.pk for r in group)}
    stored_rows = _StoredRows(programme, [row["id"] for group in runs.values() for row in group])

    figures = Figures(programme=programme, unit=unit, year=year, main=None, version=version, view=view)
    known = [group[0]["duration"] for group in runs.values()]
    spent = 0.0
    children = None
    for y in years:
        as_of = compliance.evaluation_date(programme, year=y)[1]
        group = runs.get(y)
        stored = _from_rows(stored_rows, group, current_version=version, as_of=as_of) if group else None
        result = stored
        if stored is None or not stored.current:
            estimate = _estimate(group[0], version=version, as_of=as_of) if group else max(known, default=0.0)
            must = stored is None and y == year  # the chosen year must be shown, even on a first visit
            if must or spent + estimate < sync_seconds():  # 0: never in the request (but a first visit)
                if y == year and children is None:
                    children = list(OrgUnit.objects.filter(parent_id=unit.pk).values_list("pk", flat=True))
                keep = [unit.pk, *children] if y == year else [unit.pk]
                budget = None if must else sync_seconds() - spent
                started = time.perf_counter()
                computed = refresh(programme, root_id, y, force=must, keep=keep, budget=budget, view=view)
                spent += time.perf_counter() - started
                if computed is not None:
                    result = computed
                    if not computed.updated:
                        known.append(computed.duration)
            if result is None or not result.current:
                schedule_refresh(programme, root_id, y, view=view)
        if y == year:
            figures.main = result
        if y in trend_years:
            figures.trend[y] = result
    figures_loaded.send(sender=Figures, figures=figures, view=view)  # approvals: approved years frozen (issue #13)
    return figures


def _estimate(row: dict, *, version: str, as_of: datetime.date) -> float:
    """Return how long bringing a stored run up to date should take, from how long it took last time."""
    if updatable(row["version"], row["as_of"], version=version, as_of=as_of):
        return row["update_seconds"]
    return row["duration"]


class _StoredRows:
    """The stored figures of the rows a page may draw, read in one query when first needed."""

    def __init__(self, programme: Programme, ids: list[int]):
        self.programme = programme
        self.ids = ids
        self._reports: dict[int, compliance.UnitReport] | None = None

    def report(self, row_id: int) -> compliance.UnitReport:
        """Return the report stored in a row (all rows are read at the first call)."""
        if self._reports is None:
            indicators = programme_indicators(self.programme)
            self._reports = {
                row.pk: _report_from_row(self.programme, indicators, row)
                for row in StoredFigures.objects.filter(pk__in=self.ids)
            }
        return self._reports[row_id]


def _from_rows(stored_rows: _StoredRows, rows: list[dict], *, current_version, as_of) -> YearFigures:
    first = rows[0]
    return YearFigures(
        year=first["year"],
        as_of=first["as_of"],
        version=first["version"],
        run=first["run"],
        computed_at=first["computed_at"],
        current=first["version"] == current_version and first["as_of"] == as_of,
        duration=first["duration"],
        build=lambda: {row["unit_id"]: stored_rows.report(row["id"]) for row in rows},
    )


def _report_from_row(programme, indicators, row: StoredFigures) -> compliance.UnitReport:
    results = []
    for indicator in indicators:
        stored = row.figures.get(indicator.code)
        if stored is None:  # an indicator added after these figures were computed
            continue
        numerator, denominator, percent, met, gap, target = stored
        results.append(
            compliance.IndicatorResult(
                code=indicator.code,
                name=indicator.name,
                group=indicator.group,
                kind=indicator.kind,
                target=Decimal(target),
                numerator=numerator,
                denominator=denominator,
                percent=None if percent is None else Decimal(percent),
                met=met,
                gap=gap,
            )
        )
    unit = compliance.UnitRef(
        row.unit_id, row.unit_code, row.unit_name, row.unit_level, row.parent_id, row.unit_path, row.unit_closed_on
    )
    return compliance.UnitReport(
        programme=programme.code,
        unit=unit,
        year=row.year,
        as_of=row.unit_as_of or row.as_of,
        indicators=results,
        view=row.view,
    )


def _result_cells(r: compliance.IndicatorResult) -> list:
    return [r.numerator, r.denominator, None if r.percent is None else str(r.percent), r.met, r.gap, str(r.target)]


def _row_figures(report: compliance.UnitReport) -> dict:
    return {r.code: _result_cells(r) for r in report.indicators}


def _lock_key(programme_id: int, root_id: int, year: int, view: str) -> str:
    return f"reports:refresh:{programme_id}:{root_id}:{year}:{view}"


# ---------------------------------------------------------------------------------------------
# Bringing stored figures up to date

# Changes to these move many units' figures at once: a run they changed is evaluated whole again.
EVERY_UNIT_MODELS = (
    "personnel.OrgUnit",
    "personnel.UnitSuccession",
    "training.Course",
    "targets.Programme",
    "targets.Indicator",
)
# Recounting units costs about their persons' share of a whole evaluation, and more per person (their
# records are found one person at a time, not read in one pass): above this many changed units, or this
# many persons in them (a fifth of Hanoi; the largest single unit holds about 26,000), the whole tree is
# evaluated instead. Measured at city scale (``python -m bench``).
MAX_UNITS_UPDATED = 200
MAX_PERSONS_UPDATED = 50_000


class _WholeTree(Exception):
    """The changes noted call for evaluating the whole tree."""


class _Overtaken(Exception):
    """Another refresh replaced the run being updated."""


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


def _delete_returning(model, where: str, params: list, columns: list[str]) -> list[tuple]:
    """Delete rows of ``model`` and return the given columns of exactly the rows deleted."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(column) for column in columns)
    with connection.cursor() as cursor:
        if connection.features.can_return_rows_from_bulk_insert:  # PostgreSQL, SQLite ≥ 3.35: one statement
            cursor.execute(f"DELETE FROM {table} WHERE {where} RETURNING {names}", params)
            return cursor.fetchall()
        cursor.execute(f"SELECT {quote('id')}, {names} FROM {table} WHERE {where}", params)
        rows = cursor.fetchall()
        for start in range(0, len(rows), 500):
            ids = [row[0] for row in rows[start : start + 500]]
            cursor.execute(f"DELETE FROM {table} WHERE {quote('id')} IN ({', '.join(['%s'] * len(ids))})", ids)
        return [row[1:] for row in rows]


def collect_changes() -> int:
    """Hand the changes the triggers noted on to every tracked year, in one transaction; return how many.

    The noted rows are deleted (and read) first, the tracked years read after: a year tracked after that
    is evaluated after it too, so it covers the changes it was not handed. The newest note is kept, marked
    collected, so that the data version (which reads its id) does not move when notes are collected.
    """
    with transaction.atomic():
        newest = DirtyUnit.objects.filter(collected=False).order_by("-pk").values_list("pk", flat=True).first()
        if newest is None:
            return 0
        quote = connection.ops.quote_name
        older = f"{quote('id')} < %s AND {quote('collected')} = %s"
        noted = _delete_returning(DirtyUnit, older, [newest, False], ["unit_id", "person_id"])
        DirtyUnit.objects.filter(pk__lt=newest, collected=True).delete()  # the newest note of an earlier round
        noted += list(DirtyUnit.objects.filter(pk=newest).values_list("unit_id", "person_id"))
        DirtyUnit.objects.filter(pk=newest).update(collected=True)
        every_unit = any(unit_id is None and person_id is None for unit_id, person_id in noted)
        unit_ids = {unit_id for unit_id, _person_id in noted if unit_id is not None}
        person_ids = sorted({person_id for _unit_id, person_id in noted if person_id is not None})
        if not every_unit:
            # Persons named: every unit of their assignments, and those units' heirs (both views).
            for start in range(0, len(person_ids), 5000):
                chunk = person_ids[start : start + 5000]
                for unit_id, heir_id in Assignment.objects.filter(person_id__in=chunk).values_list(
                    "unit_id", "heir_unit_id"
                ):
                    unit_ids.add(unit_id)
                    if heir_id is not None:
                        unit_ids.add(heir_id)
        tracked = list(TrackedYear.objects.values_list("pk", flat=True))
        pending = [None] if every_unit else sorted(unit_ids)
        PendingUnit.objects.bulk_create(
            [PendingUnit(tracked_id=pk, unit_id=unit_id) for pk in tracked for unit_id in pending], batch_size=1000
        )
    return len(noted)


def _take_pending(programme_id: int, root_id: int, year: int, view: str) -> set[int | None]:
    """Delete the year's pending units and return them (None: every unit)."""
    quote = connection.ops.quote_name
    where = (
        f"{quote('tracked_id')} IN (SELECT {quote('id')} FROM {quote(TrackedYear._meta.db_table)} "
        f"WHERE {quote('programme_id')} = %s AND {quote('root_id')} = %s AND {quote('year')} = %s"
        f" AND {quote('view')} = %s)"
    )
    params = [programme_id, root_id, year, view]
    return {row[0] for row in _delete_returning(PendingUnit, where, params, ["unit_id"])}


def _newest_run(programme: Programme, root_id: int, year: int, view: str) -> dict | None:
    return (
        StoredFigures.objects.filter(programme=programme, root_id=root_id, year=year, view=view)
        .order_by("-computed_at", "-id")
        .values("run", "version", "as_of", "duration", "update_seconds")
        .first()
    )


def refresh(
    programme: Programme,
    root_id: int,
    year: int,
    *,
    force: bool = False,
    keep: list[int] | None = None,
    whole: bool = False,
    budget: float | None = None,
    view: str = "today",
) -> YearFigures | None:
    """Bring the stored figures of the tree under ``root_id`` for ``year`` up to date, and return them.

    Unit by unit when only persons' data changed since the newest stored run (see the module docstring);
    otherwise, or when ``whole``, by evaluating the whole tree. Return None when another refresh of the
    same figures is running (unless ``force``), when the whole tree would have to be evaluated and that
    took longer than ``budget`` seconds last time, or when a concurrent refresh replaced the run being
    updated. ``keep`` limits the units whose reports are returned (all by default).
    """
    key = _lock_key(programme.pk, root_id, year, view)
    token = uuid.uuid4().hex
    locked = cache.add(key, token, timeout=LOCK_SECONDS)
    if not locked and not force:
        return None
    try:
        as_of = compliance.evaluation_date(programme, year=year)[1]
        base = None if whole else _newest_run(programme, root_id, year, view)
        if base is not None and base["as_of"] == as_of and triggers.supported(connection):
            started = time.perf_counter()
            computed_at = timezone.now()  # before the pending units are taken (see the module docstring)
            version = data_version()  # …and so is the version: the figures are at least this fresh
            if updatable(base["version"], base["as_of"], version=version, as_of=as_of):
                try:
                    return _update(
                        programme, root_id, year, base["run"], as_of=as_of, view=view,
                        token=token, version=version, computed_at=computed_at, started=started, keep=keep,
                    )  # fmt: skip
                except _WholeTree:
                    pass
                except _Overtaken:
                    return None
        if budget is not None and base is not None and base["duration"] > budget:
            return None
        return _recompute(programme, root_id, year, token=token, keep=keep, view=view)
    finally:
        if locked and cache.get(key) == token:
            cache.delete(key)


def _recompute(
    programme: Programme, root_id: int, year: int, *, token: str, keep: list[int] | None, view: str
) -> YearFigures:
    """Evaluate the whole tree and store it as a new run."""
    # Tracked (and committed) before it is evaluated: from now on every change is handed to this year too.
    TrackedYear.objects.get_or_create(programme=programme, root_id=root_id, year=year, view=view)
    collect_changes()
    with transaction.atomic():
        _take_pending(programme.pk, root_id, year, view)  # the evaluation below covers them
        computed_at = timezone.now()
        version = data_version()  # read before evaluating: the figures are at least this fresh
        started = time.perf_counter()
        root = OrgUnit.objects.get(pk=root_id)
        year, as_of = compliance.evaluation_date(programme, year=year)
        reports, direct = compliance.evaluate_tree(programme, root, view=view, periods=[(year, as_of)])[year]
        duration = time.perf_counter() - started
        rows = [
            StoredFigures(
                programme=programme,
                root_id=root_id,
                year=year,
                view=view,
                as_of=as_of,
                unit_as_of=report.as_of,
                unit_closed_on=report.unit.closed_on,
                version=version,
                run=token,
                computed_at=computed_at,
                duration=duration,
                unit_id=report.unit.id,
                parent_id=report.unit.parent_id,
                unit_code=report.unit.code,
                unit_name=report.unit.name,
                unit_level=report.unit.level,
                unit_path=report.unit.path,
                figures=_row_figures(report),
                direct=_direct_cells(direct.get(report.unit.id, {})),
            )
            for report in reports.values()
        ]
        StoredFigures.objects.bulk_create(rows, batch_size=500)
        # Runs that started before this one go; one that started later (newer data) stays.
        StoredFigures.objects.filter(
            programme=programme, root_id=root_id, year=year, view=view, computed_at__lte=computed_at
        ).exclude(run=token).delete()
    if keep is not None:
        reports = {unit_id: reports[unit_id] for unit_id in keep if unit_id in reports}
    return YearFigures(
        year=year,
        as_of=as_of,
        version=version,
        run=token,
        computed_at=computed_at,
        current=True,
        reports=reports,
        duration=duration,
    )


def _path_ids(path: str) -> list[int]:
    return [int(part) for part in path.strip("/").split("/") if part]


def _direct_cells(by_code: dict[str, tuple[int, int]]) -> dict[str, list[int]]:
    """Return a unit's direct counts as stored: [numerator, denominator] per code, empty populations left out."""
    return {code: [numerator, denominator] for code, (numerator, denominator) in by_code.items() if denominator}


def _update(
    programme: Programme,
    root_id: int,
    year: int,
    base_run: str,
    *,
    as_of,
    view,
    token,
    version,
    computed_at,
    started,
    keep,
) -> YearFigures:
    """Recompute the direct counts of the units changed since ``base_run``, add the differences to their
    ancestors' figures, and store the result as a new run (one transaction); raise ``_WholeTree`` when
    the changes call for evaluating the whole tree, ``_Overtaken`` when another refresh replaced the run."""
    collect_changes()
    try:
        with transaction.atomic():
            changed = _take_pending(programme.pk, root_id, year, view)
            if None in changed:
                raise _WholeTree
            rows = {}
            if changed:  # of this tree only: units of other trees are not in its runs
                rows = {row.unit_id: row for row in StoredFigures.objects.filter(run=base_run, unit_id__in=changed)}
            if len(rows) > MAX_UNITS_UPDATED:
                raise _WholeTree
            if len(rows) > 1 and Assignment.objects.filter(unit_id__in=rows).count() > MAX_PERSONS_UPDATED:
                raise _WholeTree
            written = _apply(programme, root_id, year, base_run, rows, view=view) if rows else []
            moved = StoredFigures.objects.filter(run=base_run).update(
                run=token, version=version, computed_at=computed_at, update_seconds=time.perf_counter() - started
            )
            if not moved:  # rolls back, so the pending units taken stay for the run that replaced this one
                raise _Overtaken
            StoredFigures.objects.bulk_update(written, ["figures", "direct"], batch_size=500)
            StoredFigures.objects.filter(
                programme=programme, root_id=root_id, year=year, view=view, computed_at__lte=computed_at
            ).exclude(run=token).delete()
    except OperationalError:  # e.g. a deadlock with a concurrent refresh: it stores the figures instead
        logger.warning("Updating the figures of %s/%s/%s gave way", programme.code, root_id, year, exc_info=True)
        raise _Overtaken from None
    duration = time.perf_counter() - started

    def build():
        rows = StoredFigures.objects.filter(run=token)
        if keep is not None:
            rows = rows.filter(unit_id__in=keep)
        indicators = programme_indicators(programme)
        return {row.unit_id: _report_from_row(programme, indicators, row) for row in rows}

    return YearFigures(
        year=year,
        as_of=as_of,
        version=version,
        run=token,
        computed_at=computed_at,
        current=True,
        duration=duration,
        build=build,
        updated=True,
    )


def _apply(
    programme: Programme, root_id: int, year: int, base_run: str, rows: dict[int, StoredFigures], *, view: str
) -> list[StoredFigures]:
    """Recount the direct figures of the units of ``rows`` (each at its own date) and carry the differences
    up to every ancestor evaluated on the same date; return the rows changed (unsaved)."""
    indicators = {indicator.code: indicator for indicator in programme_indicators(programme)}
    ancestor_ids = {pk for row in rows.values() for pk in _path_ids(row.unit_path)} - set(rows)
    stored = dict(rows)
    stored.update({row.unit_id: row for row in StoredFigures.objects.filter(run=base_run, unit_id__in=ancestor_ids)})
    # The root as the run stored it: units have not changed since (or the tree would be evaluated whole).
    root_row = stored[root_id]
    root = OrgUnit(id=root_id, parent_id=root_row.parent_id, path=root_row.unit_path, level=root_row.unit_level)
    by_date: dict[datetime.date, list[int]] = defaultdict(list)
    for unit_id, row in rows.items():
        by_date[row.unit_as_of or row.as_of].append(unit_id)
    counts = {}
    for on, unit_ids in by_date.items():
        counts.update(
            compliance.direct_counts(programme, list(indicators.values()), root, year, on, units=unit_ids, view=view)
        )
    differences: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    written = {}
    for unit_id, row in rows.items():
        new, old = _direct_cells(counts.get(unit_id, {})), row.direct
        if new == old:
            continue
        row.direct = new
        written[unit_id] = row
        on = row.unit_as_of or row.as_of
        for code in set(new) | set(old):
            numerator = new.get(code, [0, 0])[0] - old.get(code, [0, 0])[0]
            denominator = new.get(code, [0, 0])[1] - old.get(code, [0, 0])[1]
            for ancestor in _path_ids(row.unit_path):
                above = stored.get(ancestor)
                if above is not None and (above.unit_as_of or above.as_of) == on:  # in the tree, same date
                    cell = differences[ancestor][code]
                    cell[0] += numerator
                    cell[1] += denominator
    for unit_id, by_code in differences.items():
        row = stored[unit_id]
        figures = dict(row.figures)
        for code, (numerator, denominator) in by_code.items():
            before = figures.get(code, [0, 0])
            result = compliance.result_for(indicators[code], before[0] + numerator, before[1] + denominator)
            figures[code] = _result_cells(result)
        if figures != row.figures:
            row.figures = figures
            written[unit_id] = row
    return list(written.values())


# ---------------------------------------------------------------------------------------------
# Refreshing after the response


_pending = threading.local()


def schedule_refresh(programme: Programme, root_id: int, year: int, *, view: str = "today") -> None:
    """Recompute a year's figures once the current response has been sent."""
    jobs = getattr(_pending, "jobs", None)
    if jobs is None:
        jobs = _pending.jobs = {}
    jobs[(programme.pk, root_id, year, view)] = programme


def run_scheduled_refreshes(**kwargs) -> None:
    """Run the refreshes scheduled during the request (connected to ``request_finished``); never raise."""
    flush_pending_changes()
    jobs = getattr(_pending, "jobs", None) or {}
    _pending.jobs = {}
    for (_programme_id, root_id, year, view), programme in jobs.items():
        try:
            refresh(programme, root_id, year, view=view)
        except Exception:
            logger.exception("Refreshing the figures of %s/%s/%s failed", programme.code, root_id, year)


def refresh_all(programme: Programme, *, years=None, views=("today", "then")) -> list[YearFigures]:
    """Evaluate whole and store the figures of every tree for the given years (default: the dashboard's years)
    in the given views."""
    years = list(years) if years is not None else dashboard_years(programme)
    done = []
    for root in OrgUnit.objects.roots().order_by("code"):
        for year in years:
            for view in views:
                done.append(refresh(programme, root.pk, year, force=True, keep=[], whole=True, view=view))
    return done


def dashboard_years(programme: Programme, today: datetime.date | None = None) -> list[int]:
    """Return the years a dashboard offers: the programme's years up to this one, and this year."""
    return target_years.selectable_years(programme, today)


def trend_years(programme: Programme, today: datetime.date | None = None) -> list[int]:
    """Return the programme's years up to this one (the trend of annual indicators)."""
    return target_years.begun_years(programme, today)
