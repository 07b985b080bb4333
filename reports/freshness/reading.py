"""Reading stored figures for a page: ``load_figures`` serves what is stored and brings stale years up to date.

Above ``store`` (what a stored run holds) and ``refreshing`` (how runs are made), so neither imports the other's
reader.
"""

from __future__ import annotations

import datetime
import time

from django.db.models import Q

from personnel.models import OrgUnit
from reports.signals import figures_loaded
from targets import compliance
from targets.models import Programme

from ..models import StoredFigures
from .refreshing import refresh, schedule_refresh
from .store import META_FIELDS, Figures, _from_rows, _StoredRows, root_of, sync_seconds
from .versioning import data_version, updatable


def load_figures(programme: Programme, unit: OrgUnit, *, year: int, trend_years=(), view: str = "today") -> Figures:
    """Return the figures of ``unit`` and its children for ``year``, and the unit's figures in ``trend_years``;
    an approved unit's year shows its frozen figures (``approvals`` answers ``figures_loaded``).

    Queries: the data version and which stored runs hold the figures; the figures themselves and the
    indicators only when first read (a page drawn from cache reads neither); plus, for a year brought up
    to date in the request, that refresh (``refresh``); plus the approvals of the units shown.
    """
    figures = load_computed_figures(programme, unit, year=year, trend_years=trend_years, view=view)
    figures_loaded.send(sender=Figures, figures=figures, view=view)  # approvals: approved years frozen (issue #13)
    return figures


def load_computed_figures(
    programme: Programme, unit: OrgUnit, *, year: int, trend_years=(), view: str = "today"
) -> Figures:
    """Return what ``load_figures`` returns, as computed: approved years keep their live figures."""
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
    stored_rows = _StoredRows(programme, [row for group in runs.values() for row in group], root_id=root_id, view=view)

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
    return figures


def _estimate(row: dict, *, version: str, as_of: datetime.date) -> float:
    """Return how long bringing a stored run up to date should take, from how long it took last time."""
    if updatable(row["version"], row["as_of"], version=version, as_of=as_of):
        return row["update_seconds"]
    return row["duration"]
