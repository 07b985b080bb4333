"""Bringing stored figures up to date: unit by unit after small changes, else the whole tree.

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
"""

from __future__ import annotations

import datetime
import logging
import threading
import time
import uuid
from collections import defaultdict

from django.core.cache import cache
from django.db import OperationalError, connection, transaction
from django.utils import timezone

from personnel.models import Assignment, OrgUnit
from targets import compliance
from targets.models import Programme

from .. import triggers
from ..models import DirtyUnit, PendingUnit, StoredFigures, TrackedYear
from .store import (
    YearFigures,
    _report_from_row,
    _result_cells,
    _row_figures,
    dashboard_years,
    newest_reports,
    programme_indicators,
)
from .versioning import data_version, flush_pending_changes, updatable

logger = logging.getLogger(__name__)

LOCK_SECONDS = 15 * 60  # a refresh that dies leaves its lock for at most this long

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


def _delete_returning(model, where: str, params: list, columns: list[str]) -> list[tuple]:
    """Delete rows of ``model`` and return the given columns of exactly the rows deleted."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(column) for column in columns)
    with connection.cursor() as cursor:
        if connection.features.can_return_rows_from_bulk_insert:  # PostgreSQL, SQLite ≥ 3.35: one statement
            cursor.execute(f"DELETE FROM {table} WHERE {where} RETURNING {names}", params)  # noqa: S608 (table and column names from the model's _meta, quoted; the where's values bound)
            return cursor.fetchall()
        cursor.execute(f"SELECT {quote('id')}, {names} FROM {table} WHERE {where}", params)  # noqa: S608 (as above)
        rows = cursor.fetchall()
        for start in range(0, len(rows), 500):
            ids = [row[0] for row in rows[start : start + 500]]
            cursor.execute(f"DELETE FROM {table} WHERE {quote('id')} IN ({', '.join(['%s'] * len(ids))})", ids)  # noqa: S608 (the table's quoted name; the ids bound)
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
        f"{quote('tracked_id')} IN (SELECT {quote('id')} FROM {quote(TrackedYear._meta.db_table)} "  # noqa: S608 (quoted names from _meta; the four values bound below)
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


def _row_date(row: StoredFigures) -> datetime.date:
    """Return the date T a stored row's unit was evaluated at."""
    return row.unit_as_of or row.as_of


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
        reports = {row.unit_id: _report_from_row(programme, indicators, row) for row in rows}
        if not reports and keep != []:  # a newer run replaced this one meanwhile: it is at least as fresh
            reports = newest_reports(programme, root_id, year, view=view, unit_ids=keep)
        return reports

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
    if root_id not in stored and not StoredFigures.objects.filter(run=base_run).exists():
        raise _Overtaken  # a whole evaluation deleted the run between the two reads (its own transaction)
    # The root as the run stored it: units have not changed since (or the tree would be evaluated whole).
    root_row = stored[root_id]
    root = OrgUnit(id=root_id, parent_id=root_row.parent_id, path=root_row.unit_path, level=root_row.unit_level)
    by_date: dict[datetime.date, list[int]] = defaultdict(list)
    for unit_id, row in rows.items():
        by_date[_row_date(row)].append(unit_id)
    counts = {}
    for on, unit_ids in by_date.items():
        counts.update(
            compliance.direct_counts(programme, list(indicators.values()), root, year, on, units=unit_ids, view=view)
        )
    # The changes of the direct counts, at each unit's own date, summed up the tree as the engine sums counts.
    changes: dict[datetime.date, dict[int, dict[str, tuple[int, int]]]] = defaultdict(dict)
    written = {}
    for unit_id, row in rows.items():
        new, old = _direct_cells(counts.get(unit_id, {})), row.direct
        if new == old:
            continue
        row.direct = new
        written[unit_id] = row
        changes[_row_date(row)][unit_id] = {
            code: (
                new.get(code, [0, 0])[0] - old.get(code, [0, 0])[0],
                new.get(code, [0, 0])[1] - old.get(code, [0, 0])[1],
            )
            for code in set(new) | set(old)
        }
    units = [
        compliance.UnitRef(id=row.unit_id, code=row.unit_code, name=row.unit_name, level=row.unit_level,
                           parent_id=row.parent_id, path=row.unit_path)
        for row in stored.values()
    ]  # fmt: skip
    dates = {unit_id: _row_date(row) for unit_id, row in stored.items()}  # the units of the tree, each at its date
    for unit_id, by_code in compliance.roll_up(units, dates, changes).items():
        if not by_code:  # no unit below it changed
            continue
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


def _lock_key(programme_id: int, root_id: int, year: int, view: str) -> str:
    return f"reports:refresh:{programme_id}:{root_id}:{year}:{view}"


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
