"""Stored figures as pages read them: which runs hold a unit's figures, and the reports drawn from them.

Recomputing in the request: a year that has never been computed is computed in the request. A stale
year is brought up to date in the request while the time it took last time (the last update's, or the
last whole evaluation's when it must be evaluated whole) fits ``REPORTS_SYNC_SECONDS`` (1 s by
default; 0: never); otherwise the stale figures are served, the page says so and when they were
computed, and the year is refreshed right after the response is sent. One refresh at a time per year
and tree (a cache lock), so concurrent requests do not pile up.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings

from personnel.models import OrgUnit
from targets import compliance
from targets import years as target_years
from targets.models import Indicator, Programme

from ..models import StoredFigures
from .versioning import AUDITED_MODELS


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
    """Return the programme's indicators in catalogue order: the engine's own reading (cached on the programme)."""
    return compliance.load(programme)[1]


def sync_seconds() -> float:
    """Return how long a request may spend recomputing stale figures before it serves them stale instead."""
    return float(getattr(settings, "REPORTS_SYNC_SECONDS", 1.0))


META_FIELDS = (
    "id", "year", "as_of", "version", "run", "computed_at", "duration", "update_seconds", "unit_id", "parent_id",
)  # fmt: skip


class _StoredRows:
    """The stored figures of the rows a page may draw, read in one query when first needed.

    The rows were chosen by an earlier query; another process may have replaced their run since (a whole
    evaluation deletes the run it replaces). A year whose rows are gone is read again from the newest run of
    that year (one more query, only then): it is at least as fresh as the run chosen, so the page never shows
    figures older than it says, and never fails for a row that vanished under it.
    """

    def __init__(self, programme: Programme, rows: list[dict], *, root_id: int, view: str):
        self.programme = programme
        self.root_id = root_id
        self.view = view
        self.rows = {row["id"]: (row["year"], row["unit_id"]) for row in rows}
        self._reports: dict[int, compliance.UnitReport] | None = None

    def report(self, row_id: int) -> compliance.UnitReport | None:
        """Return the report stored in a row, or in its successor (all rows are read at the first call); None
        when no run of its year holds the unit any more."""
        if self._reports is None:
            indicators = programme_indicators(self.programme)
            self._reports = {
                row.pk: _report_from_row(self.programme, indicators, row)
                for row in StoredFigures.objects.filter(pk__in=list(self.rows))
            }
            missing: dict[int, dict[int, int]] = {}  # {year: {unit id: row id}}
            for pk, (year, unit_id) in self.rows.items():
                if pk not in self._reports:
                    missing.setdefault(year, {})[unit_id] = pk
            for year, by_unit in missing.items():
                replaced = newest_reports(self.programme, self.root_id, year, view=self.view, unit_ids=list(by_unit))
                self._reports.update({by_unit[unit_id]: report for unit_id, report in replaced.items()})
        return self._reports.get(row_id)


def newest_reports(
    programme: Programme, root_id: int, year: int, *, view: str, unit_ids: list[int] | None = None
) -> dict[int, compliance.UnitReport]:
    """Return {unit id: report} of the given units (default: all) from the newest stored run of a year that holds
    any of them, in one query (one statement sees one run whole: a run is written and deleted in one transaction).
    """
    rows = StoredFigures.objects.filter(programme=programme, root_id=root_id, year=year, view=view)
    if unit_ids is not None:
        rows = rows.filter(unit_id__in=unit_ids)
    rows = list(rows.order_by("-computed_at", "-id"))
    if not rows:
        return {}
    indicators = programme_indicators(programme)
    run = rows[0].run
    return {row.unit_id: _report_from_row(programme, indicators, row) for row in rows if row.run == run}


def _from_rows(stored_rows: _StoredRows, rows: list[dict], *, current_version, as_of) -> YearFigures:
    first = rows[0]

    def build() -> dict[int, compliance.UnitReport]:
        reports = {row["unit_id"]: stored_rows.report(row["id"]) for row in rows}
        return {unit_id: report for unit_id, report in reports.items() if report is not None}

    return YearFigures(
        year=first["year"],
        as_of=first["as_of"],
        version=first["version"],
        run=first["run"],
        computed_at=first["computed_at"],
        current=first["version"] == current_version and first["as_of"] == as_of,
        duration=first["duration"],
        build=build,
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


def dashboard_years(programme: Programme, today: datetime.date | None = None) -> list[int]:
    """Return the years a dashboard offers: the programme's years up to this one, and this year."""
    return target_years.selectable_years(programme, today)


def trend_years(programme: Programme, today: datetime.date | None = None) -> list[int]:
    """Return the programme's years up to this one (the trend of annual indicators)."""
    return target_years.begun_years(programme, today)
