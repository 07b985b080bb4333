"""Reads of the planning app: what each user may see, and the training needs read from the compliance engine.

The needs list is the engine's own unmet lists (``targets.compliance.unmet``), one query per indicator
(never per person), grouped by the course types that would move each indicator, with each indicator's
gap (how many must still be trained to meet its target).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

from accounts.scoping import sees_whole_city, visible_persons, visible_units
from personnel.models import OrgUnit, Person
from targets import compliance
from targets.models import Indicator, IndicatorKind, Programme
from training.models import CourseType

from .models import Nomination, NominationStatus, Roster, TrainingPlan

# ---------------------------------------------------------------------------------------------
# Scope


def visible_plans(user) -> QuerySet:
    """Return the plans of the units the user may see."""
    return TrainingPlan.objects.filter(unit__in=visible_units(user).values("pk"))


def visible_rosters(user) -> QuerySet:
    """Return the class rosters the user may see: classes run by a unit of their scope or by a unit above it
    (a district's class is open to its wards); city-wide users see all."""
    if sees_whole_city(user):
        return Roster.objects.all()
    if not getattr(user, "is_authenticated", False) or user.unit_id is None:
        return Roster.objects.none()
    return Roster.objects.filter(Q(unit__in=visible_units(user).values("pk")) | Q(unit_id__in=user.unit.ancestor_ids()))


def visible_nominations(user) -> QuerySet:
    """Return the nominations of the persons the user may see, in the rosters they may see."""
    return Nomination.objects.filter(
        person__in=visible_persons(user).values("pk"), roster__in=visible_rosters(user).values("pk")
    )


def roster_counts(rosters: QuerySet) -> QuerySet:
    """Annotate each roster with ``seated`` and ``waiting`` (all units: places are the class's, not a unit's)."""
    return rosters.annotate(
        seated=Count("nominations", filter=Q(nominations__status=NominationStatus.SEATED)),
        waiting=Count("nominations", filter=Q(nominations__status=NominationStatus.WAITING)),
    )


# ---------------------------------------------------------------------------------------------
# Training needs


def need_indicators(programme: Programme, *, indicator: str = "", course_type: str = "") -> list[Indicator]:
    """Return the indicators a course can move: person indicators with course types (filtered by code or type)."""
    _programme, indicators = compliance.load(programme)
    chosen = [i for i in indicators if i.kind != IndicatorKind.APPOINTMENT and i.course_types]
    if indicator:
        chosen = [i for i in chosen if i.code == indicator]
    if course_type:
        chosen = [i for i in chosen if course_type in i.course_types]
    return chosen


@dataclass
class NeedReason:
    indicator: str
    missing: list[str]

    @property
    def text(self) -> str:
        return f"{self.indicator}: {'; '.join(self.missing)}"


@dataclass
class PersonNeed:
    """One person who needs training: which course types would help, and which targets they would move."""

    person: Person
    course_types: list[str] = field(default_factory=list)
    reasons: list[NeedReason] = field(default_factory=list)

    @property
    def indicators(self) -> list[str]:
        return [reason.indicator for reason in self.reasons]

    @property
    def reason_text(self) -> str:
        return " · ".join(reason.text for reason in self.reasons)


@dataclass
class IndicatorNeed:
    indicator: Indicator
    result: compliance.IndicatorResult | None
    unmet: int

    @property
    def gap(self) -> int:
        return self.result.gap if self.result else 0


@dataclass
class CourseTypeNeed:
    course_type: CourseType
    persons: int
    indicators: list[str]


@dataclass
class Needs:
    programme: Programme
    unit: OrgUnit
    year: int
    persons: list[PersonNeed]
    indicators: list[IndicatorNeed]
    course_types: list[CourseTypeNeed]


def training_needs(
    *, programme: Programme, unit: OrgUnit, year: int, indicator: str = "", course_type: str = ""
) -> Needs:
    """Return who in ``unit`` (its whole subtree) needs which course types in ``year``, and each target's gap.

    The persons are exactly the engine's unmet lists of the chosen indicators, one query per indicator.
    """
    indicators = need_indicators(programme, indicator=indicator, course_type=course_type)
    report = compliance.evaluate(programme, unit, year=year).by_code() if indicators else {}
    by_person: dict[int, PersonNeed] = {}
    indicator_needs = []
    types_of: dict[str, set[int]] = defaultdict(set)
    type_indicators: dict[str, list[str]] = defaultdict(list)
    for ind in indicators:
        rows = list(compliance.unmet(programme, ind, unit, year=year))
        missing = compliance.missing_for(programme, ind, rows, year=year)
        types = [t for t in ind.course_types if not course_type or t == course_type]
        for code in types:
            type_indicators[code].append(ind.code)
        for person in rows:
            need = by_person.setdefault(person.pk, PersonNeed(person))
            need.reasons.append(NeedReason(ind.code, missing.get(person.pk, [])))
            for code in types:
                if code not in need.course_types:
                    need.course_types.append(code)
                types_of[code].add(person.pk)
        indicator_needs.append(IndicatorNeed(ind, report.get(ind.code), len(rows)))
    persons = sorted(by_person.values(), key=lambda n: (n.person.sort_key, n.person.code))
    type_rows = [
        CourseTypeNeed(t, len(types_of[t.code]), type_indicators[t.code])
        for t in CourseType.objects.filter(code__in=list(types_of)).order_by("order", "code")
    ]
    return Needs(programme, unit, year, persons, indicator_needs, type_rows)


def nomination_reasons(
    *, programme: Programme, course_types: list[str], person_ids: list[int], year: int
) -> dict[int, tuple[Indicator | None, str]]:
    """Return {person id: (first indicator, why in words)} for persons who miss an indicator that a course of
    these types would move: one unmet query per indicator, restricted to the persons."""
    reasons: dict[int, list[tuple[Indicator, list[str]]]] = defaultdict(list)
    if not person_ids:
        return {}
    for ind in need_indicators(programme):
        if not set(ind.course_types) & set(course_types):
            continue
        rows = list(compliance.unmet(programme, ind, None, year=year).filter(pk__in=person_ids))
        missing = compliance.missing_for(programme, ind, rows, year=year)
        for person in rows:
            reasons[person.pk].append((ind, missing.get(person.pk, [])))
    return {
        pk: (found[0][0], " · ".join(f"{ind.code}: {'; '.join(words)}" for ind, words in found))
        for pk, found in reasons.items()
    }


def year_bounds(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)
