"""Approved figures stay put: the dashboard, its exports and the print view show an approved unit's frozen
figures for an approved year, marked with who approved them and when.

``overlay`` receives ``reports.signals.figures_loaded``, sent at the end of ``reports.freshness.load_figures``:
one query for the approvals of the unit (every year shown) and of its children (the chosen year); the stored
runs it patches are copied, and their ``run`` label names the approvals too, so a drawing cached for the live
figures is never shown for frozen ones.
"""

from __future__ import annotations

import copy

from django.db.models import Q

from targets import compliance

from .models import LOCKING, YearApproval
from .selectors import approved_info, frozen_report


def overlay_loaded(sender, *, figures, view: str, **kwargs) -> None:
    """Receive ``reports.signals.figures_loaded``: overlay the frozen figures of approved years."""
    overlay(figures, view=view)


def overlay(figures, *, view: str):
    """Replace the live figures of approved units and years in ``figures`` by their frozen copy (in place)."""
    unit = figures.unit
    years = {figures.year, *figures.trend}
    figures.approvals = {}
    figures.approval = None
    rows = list(
        YearApproval.objects.filter(programme=figures.programme, year__in=years, status__in=LOCKING)
        .filter(Q(unit_id=unit.pk) | Q(unit__parent_id=unit.pk, year=figures.year))
        .select_related("approved_by", "accepted_by")
    )
    if not rows:
        return figures
    _programme, indicators = compliance.load(figures.programme)
    by_year: dict[int, dict[int, YearApproval]] = {}
    labels: dict[int, list[str]] = {}
    for approval in rows:
        approval.programme = figures.programme
        figures.approvals[(approval.year, approval.unit_id)] = approved_info(approval)
        labels.setdefault(approval.year, []).append(f"{approval.pk}:{approval.updated_at.timestamp()}")
        by_year.setdefault(approval.year, {})
        if view in (approval.figures or {}):
            by_year[approval.year][approval.unit_id] = approval
    figures.approval = figures.approvals.get((figures.year, unit.pk))
    patched: dict[int, object] = {}

    def patch(year_figures, year):
        if year_figures is None or year not in by_year:
            return year_figures
        if id(year_figures) in patched:
            return patched[id(year_figures)]
        approvals = by_year[year]
        new = copy.copy(year_figures)
        new.run = f"{year_figures.run}~approved:{','.join(labels[year])}"  # a drawing is cached per run label

        def build(source=year_figures, approvals=approvals):
            reports = dict(source.reports)
            for unit_id, approval in approvals.items():
                if unit_id in reports:
                    reports[unit_id] = frozen_report(approval, view, indicators, reports[unit_id].unit)
            return reports

        new._reports, new._build = None, build
        patched[id(year_figures)] = new
        return new

    figures.main = patch(figures.main, figures.year)
    figures.trend = {year: patch(found, year) for year, found in figures.trend.items()}
    return figures
