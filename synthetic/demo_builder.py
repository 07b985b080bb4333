"""The demo's builder, first half: its units and courses, and the helpers that draw and write (``seed_demo``).

Everything is written with ``bulk_create`` (history-tracked models with ``bulk_create_with_history``, change
reason ``seed_demo``); the number of queries does not depend on the number of persons, except for the
batches the database's parameter limit imposes on large inserts. ``synthetic.demo_people`` adds the people.
"""

from __future__ import annotations

import datetime
import random
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from personnel.choices import UnitLevel
from personnel.models import Appointment, OrgUnit, Person, Qualification, UnitSuccession
from personnel.services import rebuild_unit_paths
from training.choices import TrainingResult as R
from training.models import Course, TrainingRecord

from . import careers, hanoi
from .demo_catalogue import (
    CITY_CODE,
    CITY_NAME,
    COURSE_SPECS,
    DEPARTMENTS,
    FIRST_YEAR,
    HISTORY_REASON,
    LAST_YEAR,
    Role,
    district_code,
    hanoi_units,
    new_ward_code,
    ward_code,
)  # fmt: skip


@dataclass
class SeedSummary:
    """How many rows of each kind a seeding wrote."""

    units: int = 0
    courses: int = 0
    persons: int = 0
    assignments: int = 0
    qualifications: int = 0
    appointments: int = 0
    records: int = 0
    users: int = 0


@dataclass
class DraftPerson:
    """A person being generated, with what the rest of the generation needs to know."""

    obj: Person
    role: Role
    zone: str  # city, department, district, commune
    factor: float  # diligence of the unit
    stints: list[careers.Stint] = field(default_factory=list)  # assignments, oldest first
    courses: set[int] = field(default_factory=set)


def historical_course_types():
    """Return the history model of the courses' types (simple-history's m2m history), or None."""

    manager = getattr(Course.history.model, "types", None)
    return getattr(manager, "model", None)


class Builder:
    """The demo's units and courses, and the helpers that draw and write rows (``DemoBuilder`` adds the people)."""

    def __init__(self, *, people: int, seed: int, today: datetime.date):
        self.rng = random.Random(seed)
        self.people = people
        self.today = today
        self.stamp = timezone.now()
        self.summary = SeedSummary()
        self.citizen_ids: set[str] = set()
        self.courses_by: dict[tuple[str, int], list] = defaultdict(list)  # (spec key, start year) -> courses
        self.certificates: Counter = Counter()
        self.records: list = []
        self.qualifications: list[Qualification] = []
        self.appointments: list[Appointment] = []

    # -- helpers ---------------------------------------------------------------------------------

    def _weighted(self, weights: dict):
        """Return one key of ``weights``, drawn in proportion to its weight."""
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def _date_in(self, start: datetime.date, end: datetime.date) -> datetime.date:
        """Return a random date from ``start`` to ``end`` (``start`` when the range is empty)."""
        if end <= start:
            return start
        return start + datetime.timedelta(days=self.rng.randrange((end - start).days + 1))

    def _insert(self, objs: list, model) -> list:
        """Bulk-insert the objects with their first history rows (change reason ``seed_demo``)."""
        if not objs:
            return objs
        return bulk_create_with_history(objs, model, default_change_reason=HISTORY_REASON, default_date=self.stamp)

    # -- units -----------------------------------------------------------------------------------

    def build_units(self) -> tuple[OrgUnit, list, list, list]:
        """Create (or reuse, by code) the city, the departments before and after their merger, the districts
        and wards until 30 June 2025, the commune-level units from 1 July 2025, and the successions; return
        the city and the (description, unit) pairs of the departments, districts and wards people are drawn
        into (those of before the reorganisations). Sets ``self.closings`` for the careers."""
        districts, wards = hanoi_units()
        existing = {unit.code: unit for unit in OrgUnit.objects.all()}
        created: list[OrgUnit] = []
        dated: list[OrgUnit] = []

        def get_or_build(code, name, level, parent, opened_on=None, closed_on=None) -> OrgUnit:
            unit = existing.get(code)
            if unit is None:
                unit = OrgUnit(code=code, name=name, level=level, parent=parent)
                created.append(unit)
                existing[code] = unit
            if (unit.opened_on, unit.closed_on) != (opened_on, closed_on):
                unit.opened_on, unit.closed_on = opened_on, closed_on
                if unit.pk is not None:
                    dated.append(unit)
            return unit

        reform, merger_day = hanoi.COMMUNE_REFORM, hanoi.DEPARTMENT_REFORM
        merged = {code: merger for merger in hanoi.DEPARTMENT_MERGERS for code in merger.merged}
        root = get_or_build(CITY_CODE, CITY_NAME, UnitLevel.CITY, None)
        self._insert([u for u in created if u.pk is None], OrgUnit)
        layer = len(created)
        department_units = [
            (
                dept,
                get_or_build(
                    dept.code, dept.name, UnitLevel.CITY, root, None, merger_day if dept.code in merged else None
                ),
            )
            for dept in DEPARTMENTS
        ]
        merger_units = {
            merger.code: get_or_build(merger.code, merger.name, UnitLevel.CITY, root, merger_day)
            for merger in hanoi.DEPARTMENT_MERGERS
        }
        district_units = [
            (d, get_or_build(district_code(d.code), f"UBND {d.name}", UnitLevel.DISTRICT, root, None, reform))
            for d in districts
        ]
        new_units = {
            ward.code: get_or_build(new_ward_code(ward.code), f"UBND {ward.name}", UnitLevel.COMMUNE, root, reform)
            for ward in hanoi.new_wards()
        }
        self._insert(created[layer:], OrgUnit)
        layer = len(created)
        by_district = {d.code: unit for d, unit in district_units}
        ward_units = [
            (
                w,
                get_or_build(
                    ward_code(w.code), f"UBND {w.name}", UnitLevel.COMMUNE, by_district[w.district], None, reform
                ),
            )
            for w in wards
        ]
        self._insert(created[layer:], OrgUnit)
        OrgUnit.objects.bulk_update(dated, ["opened_on", "closed_on"])
        rebuild_unit_paths()
        self.summary.units = len(created)

        self._close_units(merged, department_units, merger_units, district_units, ward_units, new_units)
        self._group_same_kind(root, department_units, district_units, ward_units)
        return root, department_units, district_units, ward_units

    def _close_units(self, merged, department_units, merger_units, district_units, ward_units, new_units) -> None:
        """Write the successions, and set where each closing unit's people go (the primary successor mostly)."""
        reform, merger_day = hanoi.COMMUNE_REFORM, hanoi.DEPARTMENT_REFORM
        successions: list[tuple[OrgUnit, list[OrgUnit]]] = []
        self.closings: dict[OrgUnit, careers.Closing] = {}

        def close(unit: OrgUnit, successors: list[OrgUnit], on: datetime.date, primary_share: float) -> None:
            successions.append((unit, successors))
            weights = careers.successor_weights(len(successors), primary_share)
            self.closings[unit] = careers.Closing(on, tuple(successors), weights)

        for dept, unit in department_units:
            if dept.code in merged:
                close(unit, [merger_units[merged[dept.code].code]], merger_day, 1.0)
        district_successors = hanoi.district_successors()
        for district, unit in district_units:
            close(unit, [new_units[s.code] for s in district_successors[district.code]], reform, 0.5)
        ward_successors = hanoi.ward_successors()
        for ward, unit in ward_units:
            close(unit, [new_units[s.code] for s in ward_successors[ward.code]], reform, 0.75)
        known = set(UnitSuccession.objects.values_list("predecessor_id", "successor_id"))
        links = [
            UnitSuccession(predecessor=unit, successor=successor, is_primary=order == 0, order=order)
            for unit, successors in successions
            for order, successor in enumerate(successors)
            if (unit.pk, successor.pk) not in known
        ]
        self._insert(links, UnitSuccession)

    def _group_same_kind(self, root, department_units, district_units, ward_units) -> None:
        """Set the units an earlier transfer can come from: a unit of the same kind (a ward from another ward
        of its district)."""
        self.same_kind: dict[OrgUnit, list[OrgUnit]] = {}
        departments = [unit for _dept, unit in department_units]
        for unit in [root, *departments]:
            self.same_kind[unit] = departments
        for _district, unit in district_units:
            self.same_kind[unit] = [u for _d, u in district_units]
        wards_of: dict[str, list[OrgUnit]] = defaultdict(list)
        for ward, unit in ward_units:
            wards_of[ward.district].append(unit)
        for ward, unit in ward_units:
            self.same_kind[unit] = wards_of[ward.district]

    # -- courses ---------------------------------------------------------------------------------

    def build_courses(self) -> None:
        """Create (or reuse, by code) the courses of every type, several a year from 2019 to 2026."""

        existing = {course.code: course for course in Course.objects.all()}
        created, placed = [], []
        for year in range(FIRST_YEAR, LAST_YEAR + 1):
            for spec in COURSE_SPECS:
                for number, month in enumerate(spec.months, start=1):
                    code = f"K{year}-{spec.key}-{number:02d}"
                    course = existing.get(code)
                    if course is None:
                        start = datetime.date(year, month, self.rng.randint(3, 24))
                        course = Course(
                            code=code,
                            title=spec.title.format(year=year) + (f" (đợt {number})" if len(spec.months) > 1 else ""),
                            form=spec.form,
                            provider=spec.provider,
                            start_date=start,
                            end_date=start + datetime.timedelta(days=spec.days - 1),
                            hours=spec.hours,
                            grants_kind=spec.grants[0] if spec.grants else None,
                            grants_level=spec.grants[1] if spec.grants else None,
                        )
                        created.append(course)
                    placed.append((spec, year, course))
        self._insert(created, Course)
        through = Course.types.through
        new_ids = {course.pk for course in created}
        links = [
            through(course_id=course.pk, coursetype_id=code)
            for spec, _year, course in placed
            if course.pk in new_ids
            for code in spec.types
        ]
        through.objects.bulk_create(links)
        self._record_type_history(links)
        for spec, year, course in placed:
            self.courses_by[(spec.key, year)].append(course)
        self.summary.courses = len(created)

    def _record_type_history(self, links: list) -> None:
        """Write the history of the courses' types, so the audit trail shows them from the start."""

        if not links:
            return
        historical_links = historical_course_types()
        if historical_links is None:
            return
        history_ids = dict(
            Course.history.filter(history_date=self.stamp, history_change_reason=HISTORY_REASON).values_list(
                "id", "history_id"
            )
        )
        historical_links.objects.bulk_create(
            [
                historical_links(
                    id=link.pk,
                    course_id=link.course_id,
                    coursetype_id=link.coursetype_id,
                    history_id=history_ids[link.course_id],
                )
                for link in links
                if link.course_id in history_ids
            ]
        )

    def pick_course(self, person: DraftPerson, keys: Iterable[str], year: int, *, before=None, after=None):
        """Return a course of the given spec keys starting in ``year`` that fits the person's employment."""
        start, end = person.obj.start_date, person.obj.end_date
        options = [
            course
            for key in keys
            for course in self.courses_by.get((key, year), [])
            if (start is None or course.start_date >= start)
            and (end is None or course.end_date < end)
            and (before is None or course.end_date < before)
            and (after is None or course.start_date > after)
            and course.pk not in person.courses
        ]
        return self.rng.choice(options) if options else None

    def ending_in(self, keys: Iterable[str], year: int, person: DraftPerson):
        """Return a course of the given spec keys that ends in ``year`` and fits the person, or None."""
        options = []
        for key in keys:
            for start_year in range(year - 4, year + 1):
                for course in self.courses_by.get((key, start_year), []):
                    if course.end_date.year == year and course.pk not in person.courses:
                        start, end = person.obj.start_date, person.obj.end_date
                        if (start is None or course.start_date >= start) and (end is None or course.end_date < end):
                            options.append(course)
        return self.rng.choice(options) if options else None

    # -- records ---------------------------------------------------------------------------------

    def enrol(self, person: DraftPerson, course, *, result: str | None = None) -> str | None:
        """Record the person's participation in a course; return the result (None when not recorded)."""

        if course is None or course.pk in person.courses:
            return None
        if course.start_date > self.today:
            return None
        if result is None:
            result = self.rng.choices([R.COMPLETED, R.FAILED, R.DROPPED], weights=[93, 3.5, 3.5])[0]
        completed_on = None
        if course.end_date > self.today:  # still running: no result yet
            result = R.ONGOING
        elif result == R.COMPLETED and self.rng.random() < 0.75:
            completed_on = course.end_date  # the rest leave it empty: the course's end date counts
        certificate = ""
        if result == R.COMPLETED:
            self.certificates[course.pk] += 1
            certificate = f"{course.code}/{self.certificates[course.pk]:04d}"
        person.courses.add(course.pk)
        self.records.append(
            TrainingRecord(
                person_id=person.obj.pk,
                course_id=course.pk,
                result=result,
                completed_on=completed_on,
                certificate_number=certificate,
            )
        )
        return result

    def qualify(self, person: DraftPerson, kind: str, level: int, on: datetime.date | None, prefix: str) -> None:
        """Add a dated qualification."""
        number = f"{prefix}{self.rng.randrange(10**6):06d}" if self.rng.random() < 0.8 else ""
        self.qualifications.append(
            Qualification(person_id=person.obj.pk, kind=kind, level=level, obtained_on=on, document_number=number)
        )
