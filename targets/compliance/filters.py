"""An indicator's population and criterion as ORM filters.

They serve the lists of who misses a target (``unmet``) and are the twins of the counters' SQL
(``counters``): ``direct_counts_by_filters`` and ``direct_appointment_counts_by_filters`` count with
them, and tests hold both ways equal.

Where a person is counted comes from their assignments (organisation-history.md): the one covering T
gives the unit, category, leadership level and unit level; in view ``today`` the unit is the
assignment's heir unit. An appointment is counted under the assignment covering its date, else under the
person's assignment with the latest start.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from personnel.job_positions import catalogue, requirement_window
from personnel.models import Appointment, Assignment, OrgUnit, Person
from training.levels import holds_level
from training.models import TrainingRecord

from ..models import CourseMatch, Indicator, IndicatorKind, Programme
from .dates import THEN, appointment_window, birth_cutoff, course_window


def person_population_q(indicator: Indicator, at: datetime.date, prefix: str = "") -> Q:
    """Return the population filters that read the person (flags, deputy term, age); ``prefix`` leads to it."""
    q = Q()
    if indicator.requires_btv_managed:
        q &= Q(**{f"{prefix}btv_managed": True})
    if indicator.requires_btv_succession:
        q &= Q(**{f"{prefix}btv_succession": True})
    if indicator.deputy_term:
        q &= Q(**{f"{prefix}deputy_term": indicator.deputy_term})
    if indicator.max_age is not None:
        q &= Q(**{f"{prefix}birth_date__gt": birth_cutoff(at, indicator.max_age)})
    return q


def placement_population_q(indicator: Indicator, prefix: str = "") -> Q:
    """Return the population filters that read where the person is placed (an assignment: category,
    leadership level, unit level); ``prefix`` leads to the assignment."""
    q = Q()
    if indicator.categories:
        q &= Q(**{f"{prefix}category__in": list(indicator.categories)})
    if indicator.min_leadership_level is not None:
        q &= Q(**{f"{prefix}leadership_level__gte": indicator.min_leadership_level})
    if indicator.unit_level:
        q &= Q(**{f"{prefix}unit__level": indicator.unit_level})
    if indicator.kind == IndicatorKind.JOB_POSITION:
        q &= Q(**{f"{prefix}job_position__isnull": False})
    return q


def population_q(indicator: Indicator, at: datetime.date, prefix: str = "") -> Q:
    """Return the indicator's population filters on a person's own row (their current unit and category).

    For checks about one person now (e.g. which training an appointment requires); figures read the
    assignments instead (``placed``).
    """
    return person_population_q(indicator, at, prefix) & placement_population_q(indicator, prefix)


def view_unit_field(view: str) -> str:
    """Return the assignment field naming the unit a person is counted in, in a view."""
    return "unit" if view == THEN else "placed_unit"


def with_placed_unit(assignments: QuerySet) -> QuerySet:
    """Annotate ``placed_unit_id``: the heir unit (view ``today``), the assignment's own unit when it has none."""
    return assignments.annotate(placed_unit_id=Coalesce("heir_unit_id", "unit_id"))


def placed(unit: OrgUnit, at: datetime.date, view: str) -> QuerySet:
    """Return the assignments covering ``at`` that place their person in ``unit``'s subtree in ``view``."""
    rows = Assignment.objects.covering(at)
    if view == THEN:
        return rows.filter(unit__path__startswith=unit.path)
    heirs = OrgUnit.objects.filter(path__startswith=unit.path).values("pk")
    return with_placed_unit(rows).filter(placed_unit_id__in=heirs)


def _has_courses(types: list[str], match: str, records: QuerySet, person_ref: str) -> Q:
    """Return a filter: the person completed courses of ``types`` among ``records`` (any one, or all)."""
    groups = [types] if match == CourseMatch.ANY else [[code] for code in types]
    q = Q()
    for group in groups:
        q &= Q(**{f"{person_ref}__in": records.of_types(group).values("person_id")})
    return q


def criterion_q(indicator: Indicator, year: int, at: datetime.date, prefix: str = "") -> Q:
    """Return the indicator's criterion as a filter on a person (``prefix`` leads to it): status, annual and
    window kinds."""
    q = Q()
    for kind, level in indicator.qualification_thresholds.items():
        q &= holds_level(kind, level, at, prefix=prefix)
    if indicator.requires_field_suited:
        q &= Q(**{f"{prefix}field_suited": True})
    if indicator.course_types:
        start, end = course_window(indicator, year, at)
        records = TrainingRecord.objects.completed_between(start, end)
        person_ref = f"{prefix}pk" if prefix else "pk"
        q &= _has_courses(list(indicator.course_types), indicator.course_match, records, person_ref)
    if indicator.kind == IndicatorKind.JOB_POSITION:
        q &= job_position_criterion_q(at, prefix)
    return q


def job_position_criterion_q(at: datetime.date, prefix: str = "", positions=None) -> Q:
    """Return a filter on a person (``prefix`` leads to it): their assignment at ``at`` names a job position
    and they meet all it requires at ``at`` (each course type within its period, each level held)."""
    person_ref = f"{prefix}pk" if prefix else "pk"
    alternatives = Q(**{f"{person_ref}__in": []})
    for position, courses in positions if positions is not None else catalogue():
        holding = Assignment.objects.covering(at).filter(job_position_id=position.pk).values("person_id")
        q = Q(**{f"{person_ref}__in": holding})
        for kind, level in position.qualification_thresholds.items():
            q &= holds_level(kind, level, at, prefix=prefix)
        for required in courses:
            start, end = requirement_window(required.every_years, at)
            records = TrainingRecord.objects.completed_between(start, end).of_types([required.course_type_id])
            q &= Q(**{f"{person_ref}__in": records.values("person_id")})
        alternatives |= q
    return alternatives


def counted_assignment(appointments: QuerySet) -> QuerySet:
    """Annotate ``counted_assignment``: the assignment an appointment is counted under (the one covering its
    date, else the person's assignment with the latest start)."""
    own = Assignment.objects.filter(person_id=OuterRef("person_id"))
    covering = own.filter(Q(start_date__isnull=True) | Q(start_date__lte=OuterRef("appointed_on"))).filter(
        Q(end_date__isnull=True) | Q(end_date__gt=OuterRef("appointed_on"))
    )
    latest = own.order_by(F("start_date").desc(nulls_last=True), "-pk")
    return appointments.annotate(
        counted_assignment=Coalesce(Subquery(covering.values("pk")[:1]), Subquery(latest.values("pk")[:1]))
    )


def appointment_population_q(
    indicator: Indicator, programme: Programme, at: datetime.date, unit: OrgUnit | None = None, view: str = "today"
) -> Q:
    """Return the filter on Appointment (annotated by ``counted_assignment``) of an appointment indicator's
    population under ``unit`` in ``view`` (anywhere when ``unit`` is None)."""
    start, end = appointment_window(programme, at)
    assignments = Assignment.objects.filter(pk=OuterRef("counted_assignment")).filter(placement_population_q(indicator))
    if unit is None:
        pass
    elif view == THEN:
        assignments = assignments.filter(unit__path__startswith=unit.path)
    else:
        heirs = OrgUnit.objects.filter(path__startswith=unit.path).values("pk")
        assignments = with_placed_unit(assignments).filter(placed_unit_id__in=heirs)
    return (
        Q(kind__in=list(indicator.appointment_requirements), appointed_on__gte=start, appointed_on__lte=end)
        & person_population_q(indicator, at, prefix="person__")
        & Q(Exists(assignments))
    )


def appointment_criterion_q(indicator: Indicator, at: datetime.date) -> Q:
    """Return the filter on Appointment: the course the appointment requires was completed by its date."""
    q = Q(pk__in=[])
    for kind, types in indicator.appointment_requirements.items():
        groups = [types] if indicator.course_match == CourseMatch.ANY else [[code] for code in types]
        met = Q(kind=kind)
        for group in groups:
            met &= Exists(
                TrainingRecord.objects.completed()
                .with_counted_date()
                .of_types(group)
                .filter(person_id=OuterRef("person_id"), counted_on__lte=OuterRef("appointed_on"))
            )
        q |= met
    for kind, level in indicator.qualification_thresholds.items():
        q &= holds_level(kind, level, at, prefix="person__")
    return q


def _count(q: Q) -> Count:
    return Count("pk", filter=q) if q else Count("pk")


def direct_counts_by_filters(
    indicators: list[Indicator], unit: OrgUnit, year: int, at: datetime.date, view: str = "today"
) -> dict[int, dict[str, tuple[int, int]]]:
    """Return the person indicators' direct counts computed with the ORM filters that the lists of unmet
    persons use; ``PersonCounter`` must always agree with it."""
    aggregates = {}
    for index, indicator in enumerate(indicators):
        population = placement_population_q(indicator) & person_population_q(indicator, at, prefix="person__")
        aggregates[f"d{index}"] = _count(population)
        aggregates[f"n{index}"] = _count(population & criterion_q(indicator, year, at, prefix="person__"))
    rows = placed(unit, at, view)
    if view == THEN:
        rows = rows.annotate(placed_unit_id=F("unit_id"))
    rows = rows.order_by().values("placed_unit_id").annotate(**aggregates)
    counts: dict[int, dict[str, tuple[int, int]]] = defaultdict(dict)
    for row in rows:
        for index, indicator in enumerate(indicators):
            counts[row["placed_unit_id"]][indicator.code] = (row[f"n{index}"], row[f"d{index}"])
    return counts


def direct_appointment_counts_by_filters(
    programme: Programme, indicators: list[Indicator], unit: OrgUnit, at: datetime.date, view: str = "today"
) -> dict[int, dict[str, tuple[int, int]]]:
    """Return the appointment indicators' direct counts computed with the ORM filters that list unmet
    appointments; ``AppointmentCounter`` must always agree with it."""
    aggregates = {}
    for index, indicator in enumerate(indicators):
        population = appointment_population_q(indicator, programme, at, unit, view)
        aggregates[f"d{index}"] = _count(population)
        aggregates[f"n{index}"] = _count(population & appointment_criterion_q(indicator, at))
    unit_of = Assignment.objects.filter(pk=OuterRef("counted_assignment"))
    unit_of = unit_of.values("unit_id") if view == THEN else with_placed_unit(unit_of).values("placed_unit_id")
    rows = (
        counted_assignment(Appointment.objects.all())
        .annotate(counted_unit=Subquery(unit_of[:1]))
        .order_by()
        .values("counted_unit")
        .annotate(**aggregates)
    )
    counts: dict[int, dict[str, tuple[int, int]]] = defaultdict(dict)
    for row in rows:
        if row["counted_unit"] is None:
            continue
        for index, indicator in enumerate(indicators):
            counts[row["counted_unit"]][indicator.code] = (row[f"n{index}"], row[f"d{index}"])
    return {unit_id: by_code for unit_id, by_code in counts.items() if any(d for _, d in by_code.values())}


def persons_placed(unit: OrgUnit, at: datetime.date, view: str) -> QuerySet:
    """Return the persons employed at ``at`` whom ``view`` places in ``unit``'s subtree."""
    return Person.objects.filter(pk__in=placed(unit, at, view).values("person_id"))
