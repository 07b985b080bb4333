"""Evaluating a programme over a unit's subtree, in either view of ``organisation-history.md``.

Direct counts (the numerator and denominator of each indicator over the persons counted directly in
each unit) come from the counters' two statements; a unit's figures are the sums of its subtree's direct
counts (``roll_up``), never an average of percentages.

View ``today`` evaluates every unit at one date T and places each person in the heir unit of their unit
at T; the units shown are today's tree. View ``then`` evaluates each unit at its own T (the day before
it closed, when it closed during the year): units are grouped by their T, the direct counts are read
once per distinct T (restricted to the subtrees of the units closing that year, a few statements more
for a year of reorganisation) and each unit sums those of its own date.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from personnel.history import ensure_heirs_current
from personnel.models import Appointment, OrgUnit, Person

from ..models import Indicator, IndicatorKind, Programme
from ..years import begun_years
from .counters import AppointmentCounter, PersonCounter
from .dates import TODAY, check_view, evaluation_date, unit_date
from .filters import (
    appointment_criterion_q,
    appointment_population_q,
    counted_assignment,
    criterion_q,
    direct_appointment_counts_by_filters,
    person_population_q,
    placed,
    placement_population_q,
)
from .results import UnitRef, UnitReport, result_for

Counts = dict[int, dict[str, tuple[int, int]]]


def load(programme: Programme | str) -> tuple[Programme, list[Indicator]]:
    """Return the programme and its indicators in catalogue order (cached on the programme object)."""
    if isinstance(programme, str):
        programme = Programme.objects.get(code=programme)
    indicators = getattr(programme, "_cached_indicators", None)
    if indicators is None:
        indicators = list(programme.indicators.order_by("order", "code"))
        programme._cached_indicators = indicators
    return programme, indicators


_load = load  # the name the engine's callers used before it was a package


def _root(unit: OrgUnit | None) -> OrgUnit:
    return unit if unit is not None else OrgUnit.objects.roots().order_by("code").first()


def default_view(unit: OrgUnit | None, today: datetime.date | None = None) -> str:
    """Return the view a unit is shown in by default: ``today`` for a unit open today, ``then`` for a closed one."""
    if unit is None:
        return TODAY
    today = today or timezone.localdate()
    return "then" if unit.closed_on is not None and unit.closed_on <= today else TODAY


def direct_counts(
    programme: Programme,
    indicators: list[Indicator],
    unit: OrgUnit,
    year: int,
    at: datetime.date,
    *,
    units: Iterable[int] | None = None,
    view: str = TODAY,
) -> Counts:
    """Return {unit id: {indicator code: (numerator, denominator)}} of persons counted directly in each unit
    at ``at`` in ``view``. Two queries at most over the unit's whole subtree (or, given ``units``, over those
    units of it only): one over persons, one over appointments."""
    return direct_counts_periods(programme, indicators, unit, [(year, at)], units=units, view=view)[0]


def direct_counts_periods(
    programme: Programme,
    indicators: list[Indicator],
    unit: OrgUnit,
    periods: list[tuple[int, datetime.date]],
    *,
    units: Iterable[int] | None = None,
    view: str = TODAY,
) -> list[Counts]:
    """Return what ``direct_counts`` returns, for each (year, evaluation date) of ``periods``.

    Appointments are counted for every period in one statement (their records are few). Persons too where
    the summary of completions is kept (PostgreSQL): the flags are then computed per person, and five
    periods in one statement took 2.5 s against 6 s for five statements at city scale. Elsewhere persons
    are counted one statement per period: folding the records, five periods multiply the flags computed
    for each of the 2.4 million records by five, and the one statement was twice slower (10 s against 5 s).
    """
    if view == TODAY:
        ensure_heirs_current()
    units = None if units is None else sorted(units)
    per_period: list[Counts] = [defaultdict(dict) for _ in periods]
    person_indicators = [i for i in indicators if i.kind != IndicatorKind.APPOINTMENT]
    appointment_indicators = [i for i in indicators if i.kind == IndicatorKind.APPOINTMENT]
    first_at = periods[0][1]
    found_periods = []
    if person_indicators:
        counter = PersonCounter(person_indicators, *periods[0], periods=periods, view=view)
        if counter.use_completions:  # flags per person, not per record: every period in one pass
            found_periods.append(counter.count_periods(unit, units=units))
        else:
            found_periods.append(
                [
                    PersonCounter(person_indicators, on_year, on, view=view).count(unit, units=units)
                    for on_year, on in periods
                ]
            )
    if appointment_indicators:
        if AppointmentCounter.handles(appointment_indicators):
            counter = AppointmentCounter(appointment_indicators, programme, first_at, periods=periods, view=view)
            found_periods.append(counter.count_periods(unit, units=units))
        else:
            found = [
                direct_appointment_counts_by_filters(programme, appointment_indicators, unit, on, view)
                for _year, on in periods
            ]
            if units is not None:
                found = [{pk: by_code for pk, by_code in f.items() if pk in units} for f in found]
            found_periods.append(found)
    for found in found_periods:
        for counts, by_unit in zip(per_period, found, strict=True):
            for unit_id, by_code in by_unit.items():
                counts[unit_id].update(by_code)
    return per_period


def subtree_units(unit: OrgUnit) -> list[UnitRef]:
    """Return the unit and every unit below it, open or closed, as plain references (one query)."""
    return [
        UnitRef(u["id"], u["code"], u["name"], u["level"], u["parent_id"], u["path"], u["closed_on"], u["opened_on"])
        for u in OrgUnit.objects.subtree(unit).values(
            "id", "code", "name", "level", "parent_id", "path", "closed_on", "opened_on"
        )
    ]


def unit_dates(units: list[UnitRef], year: int, at: datetime.date, view: str) -> dict[int, datetime.date]:
    """Return {unit id: its T} for the units that have figures for ``year`` in ``view``."""
    today = timezone.localdate()
    dates = {}
    for u in units:
        on = unit_date(year, at, opened_on=u.opened_on, closed_on=u.closed_on, view=view, today=today)
        if on is not None:
            dates[u.id] = on
    return dates


def roll_up(units: list[UnitRef], dates: dict[int, datetime.date], direct: dict[datetime.date, Counts]):
    """Return {unit id: {code: [numerator, denominator]}}: each unit's sums of the direct counts, at its own
    date, of the units of its subtree."""
    paths = {u.id: u.path for u in units}
    totals: dict[int, dict[str, list[int]]] = {pk: defaultdict(lambda: [0, 0]) for pk in dates}
    for on, counts in direct.items():
        for unit_id, by_code in counts.items():
            path = paths.get(unit_id)
            if path is None:
                continue
            for ancestor in (int(part) for part in path.strip("/").split("/") if part):
                if dates.get(ancestor) != on:  # above the evaluated unit, or evaluated on another date
                    continue
                cell_of = totals[ancestor]
                for code, (numerator, denominator) in by_code.items():
                    cell = cell_of[code]
                    cell[0] += numerator
                    cell[1] += denominator
    return totals


def evaluate_tree(
    programme: Programme | str,
    unit: OrgUnit | None = None,
    *,
    year: int | None = None,
    as_of: datetime.date | None = None,
    view: str = TODAY,
    periods: list[tuple[int, datetime.date]] | None = None,
) -> dict[int, tuple[dict[int, UnitReport], dict[int, dict[str, tuple[int, int]]]]]:
    """Return {year: ({unit id: report}, {unit id: direct counts at the unit's own date})} for the unit's
    subtree: every unit that has figures in ``view`` (``periods`` evaluates several years at once)."""
    check_view(view)
    programme, indicators = load(programme)
    unit = _root(unit)
    periods = periods or [evaluation_date(programme, year=year, as_of=as_of)]
    units = subtree_units(unit)
    by_id = {u.id: u for u in units}
    plans = []  # (year, default T, {unit: T}, {T: units restricted to, or None for all})
    for on_year, at in periods:
        dates = unit_dates(units, on_year, at, view)
        others = defaultdict(set)
        for pk, on in dates.items():
            if on != at:  # a unit evaluated on its own date: count its subtree on that date too
                prefix = by_id[pk].path
                others[on].update(u.id for u in units if u.path.startswith(prefix))
        plans.append((on_year, at, dates, others))
    main = direct_counts_periods(programme, indicators, unit, [(y, at) for y, at, _d, _o in plans], view=view)
    result = {}
    for (on_year, at, dates, others), counts in zip(plans, main, strict=True):
        direct_by_date = {at: counts}
        for on, restricted in sorted(others.items()):
            direct_by_date[on] = direct_counts(programme, indicators, unit, on_year, on, units=restricted, view=view)
        totals = roll_up(units, dates, direct_by_date)
        reports = {
            pk: UnitReport(
                programme=programme.code,
                unit=by_id[pk],
                year=on_year,
                as_of=on,
                indicators=[result_for(i, *totals[pk][i.code]) for i in indicators],
                view=view,
            )
            for pk, on in dates.items()
        }
        own_direct = {pk: direct_by_date[on].get(pk, {}) for pk, on in dates.items()}
        result[on_year] = (reports, own_direct)
    return result


def evaluate_subtree(
    programme: Programme | str,
    unit: OrgUnit | None = None,
    *,
    year: int | None = None,
    as_of: datetime.date | None = None,
    view: str = TODAY,
) -> dict[int, UnitReport]:
    """Return {unit id: report} for the unit and every unit below it that has figures in ``view``, each over
    its own subtree."""
    programme, _indicators = load(programme)
    period = evaluation_date(programme, year=year, as_of=as_of)
    return evaluate_tree(programme, unit, view=view, periods=[period])[period[0]][0]


def evaluate_subtree_years(
    programme: Programme | str, unit: OrgUnit | None = None, *, years: Iterable[int], view: str = TODAY
) -> dict[int, dict[int, UnitReport]]:
    """Return {year: {unit id: report}} for each year, from one reading of the data for all of them."""
    programme, _indicators = load(programme)
    periods = [evaluation_date(programme, year=year) for year in years]
    return {y: reports for y, (reports, _direct) in evaluate_tree(programme, unit, view=view, periods=periods).items()}


def no_figures(programme: Programme, unit: OrgUnit, year: int, view: str) -> UnitReport:
    """Return an empty report saying why a unit has no figures for a year in a view."""
    if view == TODAY:
        note = _("Đơn vị không thuộc cơ cấu tổ chức hiện nay; xem theo cơ cấu khi đó (view=then).")
    else:
        note = _("Đơn vị không tồn tại trong năm %(year)s.") % {"year": year}
    ref = UnitRef(unit.id, unit.code, unit.name, unit.level, unit.parent_id, unit.path, unit.closed_on, unit.opened_on)
    return UnitReport(programme=programme.code, unit=ref, year=year, as_of=None, view=view, note=note)


def evaluate(
    programme: Programme | str,
    unit: OrgUnit | None = None,
    *,
    year: int | None = None,
    as_of: datetime.date | None = None,
    view: str | None = None,
) -> UnitReport:
    """Return every indicator's figures for a unit (default: the root) over its whole subtree, in ``view``
    (default: ``today`` for a unit open today, ``then`` for a closed one). A unit with no figures in that
    view and year gives a report with no indicators and a ``note``."""
    programme, _indicators = load(programme)
    unit = _root(unit)
    view = view or default_view(unit)
    on_year, _at = evaluation_date(programme, year=year, as_of=as_of)
    reports = evaluate_subtree(programme, unit, year=year, as_of=as_of, view=view)
    return reports.get(unit.id) or no_figures(programme, unit, on_year, view)


def evaluate_children(
    programme: Programme | str,
    unit: OrgUnit | None = None,
    *,
    year: int | None = None,
    as_of: datetime.date | None = None,
    view: str | None = None,
) -> tuple[UnitReport, list[UnitReport]]:
    """Return the unit's report and one report for each of its child units that has figures, from one
    evaluation."""
    programme, _indicators = load(programme)
    unit = _root(unit)
    view = view or default_view(unit)
    on_year, _at = evaluation_date(programme, year=year, as_of=as_of)
    reports = evaluate_subtree(programme, unit, year=year, as_of=as_of, view=view)
    children = sorted(
        (report for report in reports.values() if report.unit.parent_id == unit.id),
        key=lambda report: report.unit.code,
    )
    return reports.get(unit.id) or no_figures(programme, unit, on_year, view), children


def evaluate_years(
    programme: Programme | str,
    unit: OrgUnit | None = None,
    *,
    years: Iterable[int] | None = None,
    view: str | None = None,
) -> dict[int, UnitReport]:
    """Return {year: report} of a unit for each year (default: the programme's years up to this one)."""
    programme, _indicators = load(programme)
    years = list(years) if years is not None else begun_years(programme)
    return {year: evaluate(programme, unit, year=year, view=view) for year in years}


def unit_evaluation_date(
    programme: Programme,
    unit: OrgUnit,
    *,
    year: int | None = None,
    as_of: datetime.date | None = None,
    view: str = TODAY,
) -> tuple[int, datetime.date | None]:
    """Return (Y, T) at which ``unit`` is evaluated in ``view`` (T None: no figures that year)."""
    on_year, at = evaluation_date(programme, year=year, as_of=as_of)
    return on_year, unit_date(on_year, at, opened_on=unit.opened_on, closed_on=unit.closed_on, view=view)


# ---------------------------------------------------------------------------------------------
# Who does not meet an indicator


def _indicator(indicators: list[Indicator], indicator: Indicator | str) -> Indicator:
    return next(i for i in indicators if i.code == indicator) if isinstance(indicator, str) else indicator


def unmet(
    programme: Programme | str,
    indicator: Indicator | str,
    unit: OrgUnit | None = None,
    *,
    year: int | None = None,
    as_of: datetime.date | None = None,
    view: str | None = None,
) -> QuerySet:
    """Return the persons (or, for appointment indicators, the appointments) that do not meet the indicator,
    among those the view counts for the unit."""
    programme, indicators = load(programme)
    indicator = _indicator(indicators, indicator)
    unit = _root(unit)
    view = view or default_view(unit)
    year, at = unit_evaluation_date(programme, unit, year=year, as_of=as_of, view=view)
    if indicator.kind == IndicatorKind.APPOINTMENT:
        if at is None:
            return Appointment.objects.none()
        return (
            counted_assignment(Appointment.objects.all())
            .filter(appointment_population_q(indicator, programme, at, unit, view))
            .exclude(appointment_criterion_q(indicator, at))
            .select_related("person", "person__unit")
            .order_by("person__sort_key", "person__code", "appointed_on")
        )
    if at is None:
        return Person.objects.none()
    criterion = criterion_q(indicator, year, at)
    if view == TODAY:
        ensure_heirs_current()
    rows = placed(unit, at, view).filter(placement_population_q(indicator))
    qs = Person.objects.filter(pk__in=rows.values("person_id")).filter(person_population_q(indicator, at))
    # An indicator with no criterion is met by its whole population: nobody is missing anything.
    qs = qs.exclude(criterion) if criterion else qs.none()
    return qs.select_related("unit").in_vietnamese_order()


def met_population(
    programme: Programme | str,
    indicator: Indicator | str,
    unit: OrgUnit | None = None,
    *,
    year: int | None = None,
    as_of: datetime.date | None = None,
    view: str | None = None,
) -> QuerySet:
    """Return the persons (or appointments) in the indicator's population, met or not."""
    programme, indicators = load(programme)
    indicator = _indicator(indicators, indicator)
    unit = _root(unit)
    view = view or default_view(unit)
    year, at = unit_evaluation_date(programme, unit, year=year, as_of=as_of, view=view)
    if indicator.kind == IndicatorKind.APPOINTMENT:
        if at is None:
            return Appointment.objects.none()
        return counted_assignment(Appointment.objects.all()).filter(
            appointment_population_q(indicator, programme, at, unit, view)
        )
    if at is None:
        return Person.objects.none()
    rows = placed(unit, at, view).filter(placement_population_q(indicator))
    return Person.objects.filter(pk__in=rows.values("person_id")).filter(person_population_q(indicator, at))
