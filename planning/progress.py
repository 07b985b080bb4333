"""Planned against done, per unit and year, rolled up the tree: planned places against persons trained by
course type, planned against actual cost, and which targets the year's training moved (the engine's figures
now against those at the start of the year)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Sum

from personnel.models import OrgUnit
from targets import compliance
from targets.models import Programme
from training.models import CourseType, TrainingRecord

from .models import PlannedClass, PlanStatus, Roster


@dataclass
class TypeRow:
    course_type: CourseType
    planned: int = 0
    trained: int = 0


@dataclass
class UnitRow:
    unit: OrgUnit
    planned: int = 0
    trained: int = 0
    planned_cost: Decimal = Decimal(0)
    actual_cost: Decimal = Decimal(0)


@dataclass
class MovedRow:
    code: str
    name: str
    start: compliance.IndicatorResult
    now: compliance.IndicatorResult

    @property
    def moved(self) -> int:
        return self.now.numerator - self.start.numerator


@dataclass
class Progress:
    unit: OrgUnit
    year: int
    types: list[TypeRow] = field(default_factory=list)
    total: UnitRow | None = None
    children: list[UnitRow] = field(default_factory=list)
    moved: list[MovedRow] = field(default_factory=list)


def _child_of(path: str, unit: OrgUnit, children: dict[str, OrgUnit]) -> OrgUnit | None:
    """Return the child of ``unit`` whose subtree holds ``path`` (None: the unit itself)."""
    rest = path[len(unit.path) :].strip("/").split("/")
    if not rest or not rest[0]:
        return None
    return children.get(f"{unit.path}{rest[0]}/")


def plan_progress(*, programme: Programme, unit: OrgUnit, year: int) -> Progress:
    """Return planned against done for ``unit``'s subtree in ``year`` (approved plans), and per child unit."""
    children = {child.path: child for child in OrgUnit.objects.filter(parent=unit).order_by("code")}
    rows = {None: UnitRow(unit)} | {child.pk: UnitRow(child) for child in children.values()}
    types: dict[str, TypeRow] = {t.code: TypeRow(t) for t in CourseType.objects.order_by("order", "code")}

    planned = (
        PlannedClass.objects.filter(
            plan__status=PlanStatus.APPROVED, plan__year=year, plan__unit__path__startswith=unit.path
        )
        .values("plan__unit__path", "course_type_id")
        .annotate(places=Sum("places"), cost=Sum("estimated_cost"))
    )
    for row in planned:
        child = _child_of(row["plan__unit__path"], unit, children)
        types[row["course_type_id"]].planned += row["places"]
        for key in {None, child.pk if child else None}:
            rows[key].planned += row["places"]
            rows[key].planned_cost += row["cost"] or 0

    costs = (
        Roster.objects.filter(unit__path__startswith=unit.path, course__start_date__year=year)
        .values("unit__path")
        .annotate(cost=Sum("actual_cost"))
    )
    for row in costs:
        child = _child_of(row["unit__path"], unit, children)
        for key in {None, child.pk if child else None}:
            rows[key].actual_cost += row["cost"] or 0

    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    trained = (
        TrainingRecord.objects.completed_between(start, end)
        .filter(person__unit__path__startswith=unit.path)
        .values("course__types", "person__unit__path")
        .annotate(persons=Count("person", distinct=True))
    )
    persons_by_unit = (
        TrainingRecord.objects.completed_between(start, end)
        .filter(person__unit__path__startswith=unit.path)
        .values("person__unit__path")
        .annotate(persons=Count("person", distinct=True))
    )
    for row in trained:
        if row["course__types"] in types:
            types[row["course__types"]].trained += row["persons"]
    for row in persons_by_unit:
        child = _child_of(row["person__unit__path"], unit, children)
        for key in {None, child.pk if child else None}:
            rows[key].trained += row["persons"]

    now = compliance.evaluate(programme, unit, year=year)
    at_start = compliance.evaluate(programme, unit, year=year, as_of=start)
    start_by_code = at_start.by_code()
    moved = [
        MovedRow(result.code, result.name, start_by_code[result.code], result)
        for result in now.indicators
        if result.code in start_by_code
    ]
    return Progress(
        unit=unit,
        year=year,
        types=[row for row in types.values() if row.planned or row.trained],
        total=rows[None],
        children=[rows[child.pk] for child in children.values()],
        moved=moved,
    )
