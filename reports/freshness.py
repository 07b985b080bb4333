"""Fresh and fast figures: the version of the data they come from, and serving them from storage.

Evaluating the whole city takes seconds at Hanoi's size, so the figures of every unit are computed at
once (one ``evaluate_subtree`` of the root) and stored in ``StoredFigures``, labelled with the *data
version* read just before computing. A page reads the current version (one query) and which stored
runs hold the units it shows (one query); the figures themselves are read only when the page has to be
drawn anew (``reports.views`` caches drawings per run). A run whose label differs from the current
version, or whose evaluation date is not today's T, is *stale* and is recomputed.

The data version moves on every committed write to what the figures depend on:

- the newest django-simple-history row of each audited model: every create, update and delete, bulk
  imports included, adds one (one indexed ``MAX`` per history table, all in one query);
- a counter raised right after each transaction that wrote to those tables commits. History ids are
  handed out when rows are inserted, not when they are committed: on PostgreSQL a long import can
  commit after a shorter transaction that took higher ids, and the maximum alone would never move
  again. Writes are seen on the connection (``track_writes``), so every path through Django counts:
  saves, bulk imports, ``QuerySet.update`` and raw SQL alike. (Writes made outside Django, e.g. with
  psql, are seen only through the history tables, if they write to them.)

Recomputing: a year that has never been computed is computed in the request. A stale year is
recomputed in the request while the time it took last time fits ``REPORTS_SYNC_SECONDS`` (1 s by
default: small databases are always exact at once); otherwise the stale figures are served, the page
says so and when they were computed, and the year is recomputed right after the response is sent.
One refresh at a time per year and tree (a cache lock), so concurrent requests do not pile up.
"""

from __future__ import annotations

import datetime
import functools
import logging
import threading
import time
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection, connections, transaction
from django.db.models import F, Q
from django.utils import timezone

from personnel.models import OrgUnit
from targets import compliance
from targets.models import Indicator, Programme

from .models import ChangeCounter, StoredFigures

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

    def __init__(self, *, year, as_of, version, run, computed_at, current, duration=0.0, reports=None, build=None):
        self.year = year
        self.as_of = as_of
        self.version = version
        self.run = run
        self.computed_at = computed_at
        self.current = current
        self.duration = duration
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
        """Return the evaluation date T of the chosen year."""
        return self.main.as_of

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


META_FIELDS = ("id", "year", "as_of", "version", "run", "computed_at", "duration", "unit_id", "parent_id")


def load_figures(programme: Programme, unit: OrgUnit, *, year: int, trend_years=()) -> Figures:
    """Return the figures of ``unit`` and its children for ``year``, and the unit's figures in ``trend_years``.

    Queries: the data version and which stored runs hold the figures; the figures themselves and the
    indicators only when first read (a page drawn from cache reads neither); plus, for a year recomputed
    in the request, one evaluation and its write.
    """
    root_id = root_of(unit)
    years = [year, *(y for y in trend_years if y != year)]
    version = data_version()
    rows = list(
        StoredFigures.objects.filter(programme=programme, root_id=root_id, year__in=years)
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

    figures = Figures(programme=programme, unit=unit, year=year, main=None, version=version)
    known = [group[0]["duration"] for group in runs.values()]
    spent = 0.0
    for y in years:
        as_of = compliance.evaluation_date(programme, year=y)[1]
        group = runs.get(y)
        stored = _from_rows(stored_rows, group, current_version=version, as_of=as_of) if group else None
        result = stored
        if stored is None or not stored.current:
            estimate = group[0]["duration"] if group else max(known, default=0.0)
            must = stored is None and y == year  # the chosen year must be shown, even on a first visit
            if must or spent + estimate <= sync_seconds():
                computed = refresh(programme, root_id, y, force=must, keep=[unit.pk] if y != year else None)
                if computed is not None:
                    result = computed
                    spent += computed.duration
                    known.append(computed.duration)
            if result is None or not result.current:
                schedule_refresh(programme, root_id, y)
        if y == year:
            figures.main = result
        if y in trend_years:
            figures.trend[y] = result
    return figures


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
    unit = compliance.UnitRef(row.unit_id, row.unit_code, row.unit_name, row.unit_level, row.parent_id, row.unit_path)
    return compliance.UnitReport(
        programme=programme.code, unit=unit, year=row.year, as_of=row.as_of, indicators=results
    )


def _row_figures(report: compliance.UnitReport) -> dict:
    return {
        r.code: [r.numerator, r.denominator, None if r.percent is None else str(r.percent), r.met, r.gap, str(r.target)]
        for r in report.indicators
    }


def _lock_key(programme_id: int, root_id: int, year: int) -> str:
    return f"reports:refresh:{programme_id}:{root_id}:{year}"


def refresh(
    programme: Programme, root_id: int, year: int, *, force: bool = False, keep: list[int] | None = None
) -> YearFigures | None:
    """Evaluate the whole tree under ``root_id`` for ``year``, store it, and return it.

    Return None when another refresh of the same figures is running (unless ``force``). ``keep``
    limits the units whose reports are returned (all by default); every unit is stored.
    """
    key = _lock_key(programme.pk, root_id, year)
    token = uuid.uuid4().hex
    locked = cache.add(key, token, timeout=LOCK_SECONDS)
    if not locked and not force:
        return None
    try:
        computed_at = timezone.now()
        version = data_version()  # read before evaluating: the figures are at least this fresh
        started = time.perf_counter()
        root = OrgUnit.objects.get(pk=root_id)
        reports = compliance.evaluate_subtree(programme, root, year=year)
        duration = time.perf_counter() - started
        as_of = reports[root_id].as_of
        rows = [
            StoredFigures(
                programme=programme,
                root_id=root_id,
                year=year,
                as_of=as_of,
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
            )
            for report in reports.values()
        ]
        with transaction.atomic():
            StoredFigures.objects.bulk_create(rows, batch_size=500)
            # Runs that started before this one go; one that started later (newer data) stays.
            StoredFigures.objects.filter(
                programme=programme, root_id=root_id, year=year, computed_at__lte=computed_at
            ).exclude(run=token).delete()
    finally:
        if locked and cache.get(key) == token:
            cache.delete(key)
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


# ---------------------------------------------------------------------------------------------
# Refreshing after the response


_pending = threading.local()


def schedule_refresh(programme: Programme, root_id: int, year: int) -> None:
    """Recompute a year's figures once the current response has been sent."""
    jobs = getattr(_pending, "jobs", None)
    if jobs is None:
        jobs = _pending.jobs = {}
    jobs[(programme.pk, root_id, year)] = programme


def run_scheduled_refreshes(**kwargs) -> None:
    """Run the refreshes scheduled during the request (connected to ``request_finished``); never raise."""
    flush_pending_changes()
    jobs = getattr(_pending, "jobs", None) or {}
    _pending.jobs = {}
    for (_programme_id, root_id, year), programme in jobs.items():
        try:
            refresh(programme, root_id, year)
        except Exception:
            logger.exception("Refreshing the figures of %s/%s/%s failed", programme.code, root_id, year)


def refresh_all(programme: Programme, *, years=None) -> list[YearFigures]:
    """Recompute and store the figures of every tree for the given years (default: the dashboard's years)."""
    years = list(years) if years is not None else dashboard_years(programme)
    done = []
    for root in OrgUnit.objects.roots().order_by("code"):
        for year in years:
            result = refresh(programme, root.pk, year, force=True, keep=[])
            done.append(result)
    return done


def dashboard_years(programme: Programme, today: datetime.date | None = None) -> list[int]:
    """Return the years a dashboard offers: the programme's years up to this one, and this year."""
    today = today or timezone.localdate()
    years = [y for y in programme.years if y <= today.year]
    if today.year not in years:
        years.append(today.year)
    return years


def trend_years(programme: Programme, today: datetime.date | None = None) -> list[int]:
    """Return the programme's years up to this one (the trend of annual indicators)."""
    today = today or timezone.localdate()
    return [y for y in programme.years if y <= today.year]
