"""The compliance engine: how far a unit stands from each target of a programme.

Everything that shows or exports figures calls this module; it holds the evaluation rules of the
programme spec, section 4, and nothing else does. Inputs are plain (a programme, a unit, a year or a
date) and so are the outputs (dataclasses). Work is done over sets in the database: the persons of a
whole subtree are counted per unit in one query (one more for appointment indicators), and a parent's
figures are the sums of its subtree's counts, never an average of percentages. The number of queries
does not depend on the number of persons, units or records.
"""

from __future__ import annotations

import datetime
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core.names import localized_names
from personnel.models import Appointment, OrgUnit, Person
from personnel.qualifications import holds_level, level_label, levels_at
from training.choices import TrainingResult
from training.models import CourseType, TrainingRecord

from .models import CourseMatch, Indicator, IndicatorKind, Programme

# ---------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class IndicatorResult:
    """One indicator's figures for one unit at one date."""

    code: str
    name: str
    group: str
    kind: str
    target: Decimal
    numerator: int
    denominator: int
    percent: Decimal | None
    met: bool | None
    gap: int

    def as_json(self) -> dict:
        """Return the indicator as in the compliance JSON (data-exchange, section 7)."""
        return {
            "code": self.code,
            "name": self.name,
            "kind": self.kind,
            "target": float(self.target),
            "numerator": self.numerator,
            "denominator": self.denominator,
            "percent": None if self.percent is None else float(self.percent),
            "met": self.met,
            "gap": self.gap,
        }


@dataclass(frozen=True)
class UnitRef:
    id: int
    code: str
    name: str
    level: str
    parent_id: int | None
    path: str


@dataclass(frozen=True)
class UnitReport:
    """Every indicator of a programme for one unit (over its whole subtree) at one date."""

    programme: str
    unit: UnitRef
    year: int | None
    as_of: datetime.date
    indicators: list[IndicatorResult] = field(default_factory=list)

    def as_json(self) -> dict:
        """Return the compliance JSON of data-exchange, section 7."""
        return {
            "programme": self.programme,
            "unit": {"code": self.unit.code, "name": self.unit.name},
            "year": self.year,
            "as_of": self.as_of.isoformat(),
            "indicators": [result.as_json() for result in self.indicators],
        }

    def by_code(self) -> dict[str, IndicatorResult]:
        """Return the results keyed by indicator code."""
        return {result.code: result for result in self.indicators}


@dataclass(frozen=True)
class PersonIndicatorStatus:
    """Whether one indicator applies to a person, whether it is met, and what is missing."""

    code: str
    name: str
    kind: str
    applies: bool
    met: bool | None
    missing: list[str]
    appointments: list[dict] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Arithmetic of section 4


def percent(numerator: int, denominator: int) -> Decimal | None:
    """Return 100 × numerator / denominator rounded half up to one decimal, or None for an empty population."""
    if not denominator:
        return None
    return (Decimal(100 * numerator) / Decimal(denominator)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def is_met(numerator: int, denominator: int, target: Decimal) -> bool | None:
    """Return whether 100 × numerator ≥ target × denominator, exactly; None for an empty population."""
    if not denominator:
        return None
    return 100 * numerator >= Fraction(target) * denominator


def gap(numerator: int, denominator: int, target: Decimal) -> int:
    """Return how many more people must meet the criterion: max(0, ⌈target × denominator / 100⌉ − numerator)."""
    return max(0, math.ceil(Fraction(target) * denominator / 100) - numerator)


def result_for(indicator: Indicator, numerator: int, denominator: int) -> IndicatorResult:
    """Return the result of an indicator for given counts."""
    return IndicatorResult(
        code=indicator.code,
        name=indicator.name,
        group=indicator.group,
        kind=indicator.kind,
        target=indicator.target,
        numerator=numerator,
        denominator=denominator,
        percent=percent(numerator, denominator),
        met=is_met(numerator, denominator, indicator.target),
        gap=gap(numerator, denominator, indicator.target),
    )


# ---------------------------------------------------------------------------------------------
# Dates


def evaluation_date(
    programme: Programme,
    *,
    year: int | None = None,
    as_of: datetime.date | None = None,
    today: datetime.date | None = None,
) -> tuple[int, datetime.date]:
    """Return (year Y, date T) of an evaluation.

    T is ``as_of`` when given; else 31 December of ``year``, never later than today; with neither,
    the programme's end date, or today if earlier. Y is T's year unless ``year`` is given.
    """
    today = today or timezone.localdate()
    if as_of is not None:
        return (year or as_of.year), as_of
    if year is not None:
        return year, min(datetime.date(year, 12, 31), today)
    at = min(programme.end_date, today)
    return at.year, at


def birth_cutoff(at: datetime.date, age: int) -> datetime.date:
    """Return the latest birth date of a person who is ``age`` or older at ``at``."""
    year = at.year - age
    try:
        return at.replace(year=year)
    except ValueError:  # 29 February in a year that has none: that person turns ``age`` on 1 March
        return datetime.date(year, 2, 28)


# ---------------------------------------------------------------------------------------------
# Filters built from an indicator's definition


def population_q(indicator: Indicator, at: datetime.date, prefix: str = "") -> Q:
    """Return the indicator's population filters on a person (``prefix`` leads from the row to the person)."""
    q = Q()
    if indicator.categories:
        q &= Q(**{f"{prefix}category__in": list(indicator.categories)})
    if indicator.requires_btv_managed:
        q &= Q(**{f"{prefix}btv_managed": True})
    if indicator.requires_btv_succession:
        q &= Q(**{f"{prefix}btv_succession": True})
    if indicator.deputy_term:
        q &= Q(**{f"{prefix}deputy_term": indicator.deputy_term})
    if indicator.min_leadership_level is not None:
        q &= Q(**{f"{prefix}leadership_level__gte": indicator.min_leadership_level})
    if indicator.unit_level:
        q &= Q(**{f"{prefix}unit__level": indicator.unit_level})
    if indicator.max_age is not None:
        q &= Q(**{f"{prefix}birth_date__gt": birth_cutoff(at, indicator.max_age)})
    return q


def course_window(indicator: Indicator, year: int, at: datetime.date) -> tuple[datetime.date | None, datetime.date]:
    """Return the first and last dates on which a completed course counts for a person indicator."""
    if indicator.kind == IndicatorKind.ANNUAL:
        return datetime.date(year, 1, 1), at
    if indicator.kind == IndicatorKind.WINDOW:
        return indicator.window_start, min(indicator.window_end, at)
    return None, at


def _has_courses(types: list[str], match: str, records: QuerySet, person_ref: str) -> Q:
    """Return a filter: the person completed courses of ``types`` among ``records`` (any one, or all)."""
    groups = [types] if match == CourseMatch.ANY else [[code] for code in types]
    q = Q()
    for group in groups:
        q &= Q(**{f"{person_ref}__in": records.of_types(group).values("person_id")})
    return q


def criterion_q(indicator: Indicator, year: int, at: datetime.date) -> Q:
    """Return the indicator's criterion as a filter on Person (status, annual and window kinds)."""
    q = Q()
    for kind, level in indicator.qualification_thresholds.items():
        q &= holds_level(kind, level, at)
    if indicator.requires_field_suited:
        q &= Q(field_suited=True)
    if indicator.course_types:
        start, end = course_window(indicator, year, at)
        records = TrainingRecord.objects.completed_between(start, end)
        q &= _has_courses(list(indicator.course_types), indicator.course_match, records, "pk")
    return q


def appointment_window(programme: Programme, at: datetime.date) -> tuple[datetime.date, datetime.date]:
    """Return the dates between which appointments are counted: the programme's start up to T."""
    return programme.start_date, min(at, programme.end_date)


def appointment_population_q(indicator: Indicator, programme: Programme, at: datetime.date) -> Q:
    """Return the filter on Appointment of an appointment indicator's population."""
    start, end = appointment_window(programme, at)
    return Q(
        kind__in=list(indicator.appointment_requirements), appointed_on__gte=start, appointed_on__lte=end
    ) & population_q(indicator, at, prefix="person__")


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


# ---------------------------------------------------------------------------------------------
# Evaluation


def _load(programme: Programme | str) -> tuple[Programme, list[Indicator]]:
    if isinstance(programme, str):
        programme = Programme.objects.get(code=programme)
    indicators = getattr(programme, "_cached_indicators", None)
    if indicators is None:
        indicators = list(programme.indicators.order_by("order", "code"))
        programme._cached_indicators = indicators
    return programme, indicators


def _root(unit: OrgUnit | None) -> OrgUnit:
    return unit if unit is not None else OrgUnit.objects.roots().order_by("code").first()


def direct_counts(
    programme: Programme,
    indicators: list[Indicator],
    unit: OrgUnit,
    year: int,
    at: datetime.date,
    *,
    units: Iterable[int] | None = None,
) -> dict[int, dict[str, tuple[int, int]]]:
    """Return {unit id: {indicator code: (numerator, denominator)}} of persons sitting directly in each unit.

    Two queries at most over the unit's whole subtree (or, given ``units``, over those units of it only):
    one over persons, one over appointments.
    """
    return direct_counts_periods(programme, indicators, unit, [(year, at)], units=units)[0]


def direct_counts_periods(
    programme: Programme,
    indicators: list[Indicator],
    unit: OrgUnit,
    periods: list[tuple[int, datetime.date]],
    *,
    units: Iterable[int] | None = None,
) -> list[dict[int, dict[str, tuple[int, int]]]]:
    """Return what ``direct_counts`` returns, for each (year, evaluation date) of ``periods``.

    Appointments are counted for every period in one statement (their records are few). Persons are
    counted one statement per period: ``PersonCounter`` can fold several periods in one pass, but at city
    scale five periods multiply the flags computed for each of the 2.4 million records by five and
    PostgreSQL then picks a plan twice slower than five separate statements (measured 10 s against 5 s).
    """
    units = None if units is None else sorted(units)
    per_period: list[dict[int, dict[str, tuple[int, int]]]] = [defaultdict(dict) for _ in periods]
    person_indicators = [i for i in indicators if i.kind != IndicatorKind.APPOINTMENT]
    appointment_indicators = [i for i in indicators if i.kind == IndicatorKind.APPOINTMENT]
    first_at = periods[0][1]
    found_periods = []
    if person_indicators:
        found_periods.append(
            [PersonCounter(person_indicators, on_year, on).count(unit, units=units) for on_year, on in periods]
        )
    if appointment_indicators:
        if AppointmentCounter.handles(appointment_indicators):
            counter = AppointmentCounter(appointment_indicators, programme, first_at, periods=periods)
            found_periods.append(counter.count_periods(unit, units=units))
        else:
            found = [
                direct_appointment_counts_by_filters(programme, appointment_indicators, unit, on)
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


def direct_counts_by_filters(
    indicators: list[Indicator], unit: OrgUnit, year: int, at: datetime.date
) -> dict[int, dict[str, tuple[int, int]]]:
    """Return the person indicators' direct counts computed with the ORM filters (``population_q``,
    ``criterion_q``) that the lists of unmet persons use; ``PersonCounter`` must always agree with it."""
    aggregates = {}
    for index, indicator in enumerate(indicators):
        population = population_q(indicator, at)
        aggregates[f"d{index}"] = _count(population)
        aggregates[f"n{index}"] = _count(population & criterion_q(indicator, year, at))
    rows = Person.objects.in_unit(unit).employed_at(at).order_by().values("unit_id").annotate(**aggregates)
    counts: dict[int, dict[str, tuple[int, int]]] = defaultdict(dict)
    for row in rows:
        for index, indicator in enumerate(indicators):
            counts[row["unit_id"]][indicator.code] = (row[f"n{index}"], row[f"d{index}"])
    return counts


WORK_MEM = "128MB"


class PersonCounter:
    """Count every person indicator for every unit of a subtree in one SQL statement.

    The ORM form (one ``IN (subquery)`` per criterion) reads the 2.5 million training records once per
    course criterion; this statement reads them once in all: each record is matched against every
    course criterion in a single pass and folded into one row of flags per person, qualifications into
    one row of levels per person, and persons are then counted per unit. The SQL is portable
    (PostgreSQL and SQLite) and built from the indicators' data, with every value passed as a parameter.
    It states the same rules as ``population_q`` and ``criterion_q``; a test holds the two equal.
    """

    parallel = True  # whether PostgreSQL may spread the statement over parallel workers

    def __init__(
        self,
        indicators: list[Indicator],
        year: int,
        at: datetime.date,
        *,
        periods: list[tuple[int, datetime.date]] | None = None,
    ):
        self.indicators = indicators
        # Several (year, evaluation date) periods are counted in one pass over the records; ``year`` and
        # ``at`` are those of the period whose measures are being built.
        self.periods = list(periods) if periods else [(year, at)]
        self.period = 0
        self.year, self.at = self.periods[0]
        # Named parameters, so a fragment may be used twice and built in any order.
        self.params: dict[str, object] = {}
        # Distinct course conditions: (type codes, first date, last date) -> flag column.
        self.course_flags: dict[tuple[tuple[str, ...], datetime.date | None, datetime.date], str] = {}
        self.type_groups: dict[tuple[str, ...], str] = {}
        self.level_kinds: list[str] = sorted(
            {kind for indicator in indicators for kind in indicator.qualification_thresholds}
        )

    def _param(self, value) -> str:
        name = f"v{len(self.params)}"
        self.params[name] = value
        return f"%({name})s"

    def _course_flag(self, types: list[str], start: datetime.date | None, end: datetime.date) -> str:
        group = tuple(sorted(set(types)))
        self.type_groups.setdefault(group, f"t{len(self.type_groups)}")
        key = (group, start, end)
        return self.course_flags.setdefault(key, f"f{len(self.course_flags)}")

    def _population(self, indicator: Indicator) -> str:
        parts = ["1 = 1"]
        if indicator.categories:
            parts.append(f"p.category IN ({', '.join(self._param(c) for c in indicator.categories)})")
        if indicator.requires_btv_managed:
            parts.append("p.btv_managed = " + self._param(True))
        if indicator.requires_btv_succession:
            parts.append("p.btv_succession = " + self._param(True))
        if indicator.deputy_term:
            parts.append("p.deputy_term = " + self._param(indicator.deputy_term))
        if indicator.min_leadership_level is not None:
            parts.append("p.leadership_level >= " + self._param(indicator.min_leadership_level))
        if indicator.unit_level:
            parts.append("p.unit_level = " + self._param(indicator.unit_level))
        if indicator.max_age is not None:
            parts.append("p.birth_date > " + self._param(birth_cutoff(self.at, indicator.max_age)))
        return " AND ".join(parts)

    def _criterion(self, indicator: Indicator) -> str:
        from personnel.qualifications import DECLARED_FIELD

        parts = ["1 = 1"]
        for kind, level in indicator.qualification_thresholds.items():
            index = self.level_kinds.index(kind)
            minimum = self._param(level)
            parts.append(
                f"(p.{DECLARED_FIELD[kind]} >= {minimum} OR COALESCE(lq.l{index}_{self.period}, -1) >= {minimum}"
                f" OR COALESCE(rc.g{index}_{self.period}, -1) >= {minimum})"
            )
        if indicator.requires_field_suited:
            parts.append("p.field_suited = " + self._param(True))
        if indicator.course_types:
            start, end = course_window(indicator, self.year, self.at)
            groups = (
                [list(indicator.course_types)]
                if indicator.course_match == CourseMatch.ANY
                else [[code] for code in indicator.course_types]
            )
            for group in groups:
                parts.append(f"COALESCE(rc.{self._course_flag(group, start, end)}, 0) = 1")
        return " AND ".join(parts)

    def sql(
        self, unit: OrgUnit | None, person_ids: list[int] | None = None, units: list[int] | None = None
    ) -> tuple[str, dict]:
        """Return the statement and its (named) parameters: counts per unit of the unit's subtree (only
        of ``units`` when given), or per person of ``person_ids`` when given."""
        from personnel.qualifications import DECLARED_FIELD

        # The final SELECT is built first: it decides which flags and levels the CTEs must provide.
        measures = []
        several = len(self.periods) > 1
        for period, (year, at) in enumerate(self.periods):
            self.period, self.year, self.at = period, year, at
            for index, indicator in enumerate(self.indicators):
                population = self._population(indicator)
                if several:  # one period is employed already in ``p``; several, each on its own date
                    on = self._param(at)
                    population += (
                        f" AND (p.start_date IS NULL OR p.start_date <= {on})"
                        f" AND (p.end_date IS NULL OR p.end_date > {on})"
                    )
                criterion = self._criterion(indicator)
                measures.append(f"SUM(CASE WHEN {population} THEN 1 ELSE 0 END) AS d{period}_{index}")
                measures.append(
                    f"SUM(CASE WHEN ({population}) AND ({criterion}) THEN 1 ELSE 0 END) AS n{period}_{index}"
                )

        person, unit_table = Person._meta.db_table, OrgUnit._meta.db_table
        record = TrainingRecord._meta.db_table
        course = TrainingRecord._meta.get_field("course").related_model
        course_table = course._meta.db_table
        course_types = course._meta.get_field("types").remote_field.through._meta.db_table
        qualification = Person._meta.get_field("qualifications").related_model._meta.db_table
        dates = [at for _year, at in self.periods]
        first, last = self._param(min(dates)), self._param(max(dates))
        at = last  # what is read (records, qualifications) is what counts on the last date
        if person_ids is not None:
            where = f"per.id IN ({', '.join(self._param(pk) for pk in person_ids) or 'NULL'})"
        else:
            where = f"u.path LIKE {self._param(unit.path + '%')}"
            if units is not None:
                where += f" AND per.unit_id IN ({', '.join(self._param(pk) for pk in units) or 'NULL'})"
        columns = ", ".join(f"per.{c}" for c in sorted(set(DECLARED_FIELD.values())))
        ctes = [
            f"""p AS (
    SELECT per.id, per.unit_id, per.category, per.btv_managed, per.btv_succession, per.deputy_term,
           per.leadership_level, per.birth_date, per.field_suited, {columns}, u.level AS unit_level,
           per.start_date, per.end_date
    FROM {person} per JOIN {unit_table} u ON u.id = per.unit_id
    WHERE {where}
      AND (per.start_date IS NULL OR per.start_date <= {last}) AND (per.end_date IS NULL OR per.end_date > {first})
)"""
        ]
        # Below the root, records and qualifications are read for the subtree's persons only; for the
        # whole city, reading them all is cheaper than matching each against the persons.
        whole_city = person_ids is None and units is None and unit.parent_id is None
        only_subtree = "" if whole_city else "AND {alias}.person_id IN (SELECT id FROM p)"
        joins = []
        kinds = [self._param(kind) for kind in self.level_kinds]
        if self.course_flags or self.level_kinds:
            # One row per course: its end date, the level it grants, and which type groups it carries.
            type_columns = "".join(
                f", MAX(CASE WHEN ct.coursetype_id IN ({', '.join(self._param(code) for code in group)}) "
                f"THEN 1 ELSE 0 END) AS {name}"
                for group, name in self.type_groups.items()
            )
            # For a few persons, only their courses (the whole catalogue costs more than their records).
            own_courses = (
                f"WHERE c.id IN (SELECT course_id FROM {record} WHERE person_id IN (SELECT id FROM p))"
                if person_ids is not None
                else ""
            )
            ctes.append(
                f"""c AS (
    SELECT c.id, c.end_date, c.grants_kind, c.grants_level{type_columns}
    FROM {course_table} c LEFT JOIN {course_types} ct ON ct.course_id = c.id {own_courses}
    GROUP BY c.id, c.end_date, c.grants_kind, c.grants_level
)"""
            )
            day = "COALESCE(r.completed_on, c.end_date)"
            conditions = {}
            for (group, start, end), name in self.course_flags.items():
                condition = f"c.{self.type_groups[group]} = 1 AND {day} <= {self._param(end)}"
                if start is not None:
                    condition += f" AND {day} >= {self._param(start)}"
                conditions[name] = condition
            if self.level_kinds:
                conditions_any = [*conditions.values(), f"c.grants_kind IN ({', '.join(kinds)})"]
            else:
                conditions_any = list(conditions.values())
            selected = [f"MAX(CASE WHEN {c} THEN 1 ELSE 0 END) AS {n}" for n, c in conditions.items()]
            selected += [
                f"MAX(CASE WHEN c.grants_kind = {kinds[index]}"
                + (f" AND {day} <= {self._param(on)}" if several else "")
                + f" THEN c.grants_level END) AS g{index}_{period}"
                for period, (_year, on) in enumerate(self.periods)
                for index in range(len(self.level_kinds))
            ]
            ctes.append(
                f"""rc AS (
    SELECT r.person_id, {", ".join(selected)}
    FROM {record} r JOIN c ON c.id = r.course_id
    WHERE r.result = {self._param(TrainingResult.COMPLETED)} AND {day} <= {at}
      AND ({" OR ".join(f"({c})" for c in conditions_any)}) {only_subtree.format(alias="r")}
    GROUP BY r.person_id
)"""
            )
            joins.append("LEFT JOIN rc ON rc.person_id = p.id")
        if self.level_kinds:
            level_columns = ", ".join(
                f"MAX(CASE WHEN q.kind = {kinds[index]}"
                + (f" AND (q.obtained_on IS NULL OR q.obtained_on <= {self._param(on)})" if several else "")
                + f" THEN q.level END) AS l{index}_{period}"
                for period, (_year, on) in enumerate(self.periods)
                for index in range(len(self.level_kinds))
            )
            ctes.append(
                f"""lq AS (
    SELECT q.person_id, {level_columns} FROM {qualification} q
    WHERE (q.obtained_on IS NULL OR q.obtained_on <= {at}) AND q.kind IN ({", ".join(kinds)})
      {only_subtree.format(alias="q")}
    GROUP BY q.person_id
)"""
            )
            joins.append("LEFT JOIN lq ON lq.person_id = p.id")
        group = "unit_id" if person_ids is None else "id"
        statement = (
            "WITH " + ",\n".join(ctes) + f"\nSELECT p.{group}, " + ", ".join(measures) + "\nFROM p "
            + " ".join(joins) + f"\nGROUP BY p.{group}"
        )  # fmt: skip
        return statement, self.params

    def count(self, unit: OrgUnit, *, units: list[int] | None = None) -> dict[int, dict[str, tuple[int, int]]]:
        """Return {unit id: {indicator code: (numerator, denominator)}} for persons directly in each unit
        of the subtree (only in ``units`` when given), for the first period."""
        return self.count_periods(unit, units=units)[0]

    def count_periods(
        self, unit: OrgUnit, *, units: list[int] | None = None
    ) -> list[dict[int, dict[str, tuple[int, int]]]]:
        """Return, for each period, what ``count`` returns for one."""
        return self._run(*self.sql(unit, units=units))

    def count_persons(self, person_ids) -> dict[int, dict[str, tuple[int, int]]]:
        """Return {person id: {indicator code: (1 if met, 1 if it applies)}} for the given persons."""
        return self._run(*self.sql(None, list(person_ids)))[0]

    def _run(self, statement: str, params: dict) -> dict[int, dict[str, tuple[int, int]]]:
        if connection.vendor == "postgresql":
            # The per-person folds are hash aggregates over hundreds of thousands of rows: give them
            # memory; and skip JIT compilation, which cost more than half of the statement's time at
            # city scale. Both hold for this statement only (sent with it: one round trip, one
            # implicit transaction).
            settings = f"SET LOCAL work_mem = '{WORK_MEM}';\nSET LOCAL jit = off;\n"
            if not self.parallel:
                settings += "SET LOCAL max_parallel_workers_per_gather = 0;\n"
            statement = settings + statement
        per_period: list[dict[int, dict[str, tuple[int, int]]]] = [defaultdict(dict) for _ in self.periods]
        width = 2 * len(self.indicators)
        with connection.cursor() as cursor:
            cursor.execute(statement, params)
            for row in cursor.fetchall():
                key, values = row[0], row[1:]
                for period, counts in enumerate(per_period):
                    offset = period * width
                    for index, indicator in enumerate(self.indicators):
                        pair = (int(values[offset + 2 * index + 1]), int(values[offset + 2 * index]))
                        counts[key][indicator.code] = pair
        return per_period


class AppointmentCounter(PersonCounter):
    """Count every appointment indicator for every unit of a subtree in one SQL statement.

    Each person's earliest completion of each required course type is read in one pass over their
    training records and compared with each appointment's date. It states the same rules as
    ``appointment_population_q`` and ``appointment_criterion_q``; a test holds the two equal.
    """

    # Its few hundred thousand rows are read faster by one process than by three on two cores: each parallel
    # worker would fold every record of the required courses again (measured 0.4 s alone, 0.5-1.5 s parallel).
    parallel = False

    def __init__(
        self,
        indicators: list[Indicator],
        programme: Programme,
        at: datetime.date,
        *,
        periods: list[tuple[int, datetime.date]] | None = None,
    ):
        super().__init__(indicators, at.year, at, periods=periods)
        self.programme = programme

    @staticmethod
    def handles(indicators: list[Indicator]) -> bool:
        """Return whether the statement covers these indicators (qualification thresholds on an
        appointment indicator are left to the ORM form)."""
        return not any(indicator.qualification_thresholds for indicator in indicators)

    def _type_group(self, types) -> str:
        group = tuple(sorted(set(types)))
        return self.type_groups.setdefault(group, f"t{len(self.type_groups)}")

    def _appointment_criterion(self, indicator: Indicator) -> str:
        alternatives = []
        for kind, types in indicator.appointment_requirements.items():
            groups = [types] if indicator.course_match == CourseMatch.ANY else [[code] for code in types]
            parts = [f"p.appointment_kind = {self._param(kind)}"]
            parts += [f"fr.e{self._type_group(group)[1:]} <= p.appointed_on" for group in groups]
            alternatives.append("(" + " AND ".join(parts) + ")")
        return " OR ".join(alternatives) or "1 = 0"

    def sql(self, unit: OrgUnit, person_ids=None, units: list[int] | None = None) -> tuple[str, dict]:
        """Return the statement and its (named) parameters (only persons of ``units`` when given)."""
        measures = []
        several = len(self.periods) > 1
        windows = []
        for period, (year, at) in enumerate(self.periods):
            self.period, self.year, self.at = period, year, at
            window = appointment_window(self.programme, at)
            windows.append(window)
            for index, indicator in enumerate(self.indicators):
                kinds = ", ".join(self._param(kind) for kind in indicator.appointment_requirements) or "NULL"
                population = f"{self._population(indicator)} AND p.appointment_kind IN ({kinds})"
                if several:  # one window is applied in ``p``; several, each period its own
                    population += (
                        f" AND p.appointed_on >= {self._param(window[0])}"
                        f" AND p.appointed_on <= {self._param(window[1])}"
                    )
                criterion = self._appointment_criterion(indicator)
                measures.append(f"SUM(CASE WHEN {population} THEN 1 ELSE 0 END) AS d{period}_{index}")
                measures.append(
                    f"SUM(CASE WHEN ({population}) AND ({criterion}) THEN 1 ELSE 0 END) AS n{period}_{index}"
                )
        start, end = min(w[0] for w in windows), max(w[1] for w in windows)
        appointment, person = Appointment._meta.db_table, Person._meta.db_table
        unit_table, record = OrgUnit._meta.db_table, TrainingRecord._meta.db_table
        course = TrainingRecord._meta.get_field("course").related_model
        course_types = course._meta.get_field("types").remote_field.through._meta.db_table
        only_units = only_their_records = ""
        if units is not None:  # a few units: their persons' records only, found through the person index
            only_units = f" AND per.unit_id IN ({', '.join(self._param(pk) for pk in units) or 'NULL'})"
            only_their_records = " AND r.person_id IN (SELECT id FROM p)"
        ctes = [
            f"""p AS (
    SELECT ap.kind AS appointment_kind, ap.appointed_on, per.id, per.unit_id, per.category, per.btv_managed,
           per.btv_succession, per.deputy_term, per.leadership_level, per.birth_date, u.level AS unit_level
    FROM {appointment} ap JOIN {person} per ON per.id = ap.person_id JOIN {unit_table} u ON u.id = per.unit_id
    WHERE u.path LIKE {self._param(unit.path + "%")}{only_units}
      AND ap.appointed_on >= {self._param(start)} AND ap.appointed_on <= {self._param(end)}
)"""
        ]
        joins = []
        if self.type_groups:
            type_columns = ", ".join(
                f"MAX(CASE WHEN ct.coursetype_id IN ({', '.join(self._param(code) for code in group)}) "
                f"THEN 1 ELSE 0 END) AS {name}"
                for group, name in self.type_groups.items()
            )
            earliest = ", ".join(
                f"MIN(CASE WHEN c.{name} = 1 THEN COALESCE(r.completed_on, c.end_date) END) AS e{name[1:]}"
                for name in self.type_groups.values()
            )
            every_type = ", ".join(self._param(code) for group in self.type_groups for code in group)
            # Only the courses of a required type, and their records found through the course index:
            # a few percent of all records. (Matching records to the appointed persons first made
            # PostgreSQL walk every record of every appointed person, three times slower.)
            ctes.append(
                f"""c AS (
    SELECT c.id, c.end_date, {type_columns}
    FROM {course._meta.db_table} c JOIN {course_types} ct ON ct.course_id = c.id
    GROUP BY c.id, c.end_date
    HAVING MAX(CASE WHEN ct.coursetype_id IN ({every_type}) THEN 1 ELSE 0 END) = 1
),
fr AS (
    SELECT r.person_id, {earliest}
    FROM c JOIN {record} r ON r.course_id = c.id
    WHERE r.result = {self._param(TrainingResult.COMPLETED)}{only_their_records}
    GROUP BY r.person_id
)"""
            )
            joins.append("LEFT JOIN fr ON fr.person_id = p.id")
        statement = (
            "WITH " + ",\n".join(ctes) + "\nSELECT p.unit_id, " + ", ".join(measures) + "\nFROM p "
            + " ".join(joins) + "\nGROUP BY p.unit_id"
        )  # fmt: skip
        return statement, self.params


def direct_appointment_counts_by_filters(
    programme: Programme, indicators: list[Indicator], unit: OrgUnit, at: datetime.date
) -> dict[int, dict[str, tuple[int, int]]]:
    """Return the appointment indicators' direct counts computed with the ORM filters that list unmet
    appointments; ``AppointmentCounter`` must always agree with it."""
    aggregates = {}
    for index, indicator in enumerate(indicators):
        population = appointment_population_q(indicator, programme, at)
        aggregates[f"d{index}"] = _count(population)
        aggregates[f"n{index}"] = _count(population & appointment_criterion_q(indicator, at))
    rows = Appointment.objects.in_unit(unit).order_by().values("person__unit_id").annotate(**aggregates)
    counts: dict[int, dict[str, tuple[int, int]]] = defaultdict(dict)
    for row in rows:
        for index, indicator in enumerate(indicators):
            counts[row["person__unit_id"]][indicator.code] = (row[f"n{index}"], row[f"d{index}"])
    return {unit_id: by_code for unit_id, by_code in counts.items() if any(d for _, d in by_code.values())}


def evaluate_subtree(
    programme: Programme | str,
    unit: OrgUnit | None = None,
    *,
    year: int | None = None,
    as_of: datetime.date | None = None,
) -> dict[int, UnitReport]:
    """Return {unit id: report} for the unit and every unit below it, each over its own subtree."""
    programme, _indicators = _load(programme)
    period = evaluation_date(programme, year=year, as_of=as_of)
    return _evaluate_periods(programme, unit, [period])[period[0]]


def evaluate_subtree_years(
    programme: Programme | str, unit: OrgUnit | None = None, *, years: Iterable[int]
) -> dict[int, dict[int, UnitReport]]:
    """Return {year: {unit id: report}} for each year, from one reading of the data for all of them."""
    programme, _indicators = _load(programme)
    return _evaluate_periods(programme, unit, [evaluation_date(programme, year=year) for year in years])


def _evaluate_periods(
    programme: Programme, unit: OrgUnit | None, periods: list[tuple[int, datetime.date]]
) -> dict[int, dict[int, UnitReport]]:
    programme, indicators = _load(programme)
    unit = _root(unit)
    units = [
        UnitRef(u["id"], u["code"], u["name"], u["level"], u["parent_id"], u["path"])
        for u in OrgUnit.objects.subtree(unit).values("id", "code", "name", "level", "parent_id", "path")
    ]
    paths = {u.id: u.path for u in units}
    reports = {}
    for (year, at), direct in zip(periods, direct_counts_periods(programme, indicators, unit, periods), strict=True):
        totals: dict[int, dict[str, list[int]]] = {u.id: defaultdict(lambda: [0, 0]) for u in units}
        for unit_id, by_code in direct.items():
            ancestors = [int(part) for part in paths[unit_id].strip("/").split("/") if part]
            for ancestor in ancestors:
                if ancestor not in paths:  # above the evaluated unit
                    continue
                for code, (numerator, denominator) in by_code.items():
                    cell = totals[ancestor][code]
                    cell[0] += numerator
                    cell[1] += denominator
        reports[year] = {
            u.id: UnitReport(
                programme=programme.code,
                unit=u,
                year=year,
                as_of=at,
                indicators=[result_for(i, *totals[u.id][i.code]) for i in indicators],
            )
            for u in units
        }
    return reports


def evaluate(
    programme: Programme | str,
    unit: OrgUnit | None = None,
    *,
    year: int | None = None,
    as_of: datetime.date | None = None,
) -> UnitReport:
    """Return every indicator's figures for a unit (default: the root) over its whole subtree."""
    unit = _root(unit)
    return evaluate_subtree(programme, unit, year=year, as_of=as_of)[unit.id]


def evaluate_children(
    programme: Programme | str,
    unit: OrgUnit | None = None,
    *,
    year: int | None = None,
    as_of: datetime.date | None = None,
) -> tuple[UnitReport, list[UnitReport]]:
    """Return the unit's report and one report for each of its child units, from one evaluation."""
    unit = _root(unit)
    reports = evaluate_subtree(programme, unit, year=year, as_of=as_of)
    children = sorted(
        (report for report in reports.values() if report.unit.parent_id == unit.id),
        key=lambda report: report.unit.code,
    )
    return reports[unit.id], children


def evaluate_years(
    programme: Programme | str, unit: OrgUnit | None = None, *, years: Iterable[int] | None = None
) -> dict[int, UnitReport]:
    """Return {year: report} of a unit for each year (default: the programme's years up to this one)."""
    programme, _indicators = _load(programme)
    this_year = timezone.localdate().year
    years = list(years) if years is not None else [y for y in programme.years if y <= this_year]
    return {year: evaluate(programme, unit, year=year) for year in years}


# ---------------------------------------------------------------------------------------------
# Who does not meet an indicator


def unmet(
    programme: Programme | str,
    indicator: Indicator | str,
    unit: OrgUnit | None = None,
    *,
    year: int | None = None,
    as_of: datetime.date | None = None,
) -> QuerySet:
    """Return the persons (or, for appointment indicators, the appointments) that do not meet the indicator."""
    programme, indicators = _load(programme)
    if isinstance(indicator, str):
        indicator = next(i for i in indicators if i.code == indicator)
    unit = _root(unit)
    year, at = evaluation_date(programme, year=year, as_of=as_of)
    if indicator.kind == IndicatorKind.APPOINTMENT:
        return (
            Appointment.objects.in_unit(unit)
            .filter(appointment_population_q(indicator, programme, at))
            .exclude(appointment_criterion_q(indicator, at))
            .select_related("person", "person__unit")
            .order_by("person__sort_key", "person__code", "appointed_on")
        )
    criterion = criterion_q(indicator, year, at)
    qs = Person.objects.in_unit(unit).employed_at(at).filter(population_q(indicator, at))
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
) -> QuerySet:
    """Return the persons (or appointments) in the indicator's population, met or not."""
    programme, indicators = _load(programme)
    if isinstance(indicator, str):
        indicator = next(i for i in indicators if i.code == indicator)
    unit = _root(unit)
    year, at = evaluation_date(programme, year=year, as_of=as_of)
    if indicator.kind == IndicatorKind.APPOINTMENT:
        return Appointment.objects.in_unit(unit).filter(appointment_population_q(indicator, programme, at))
    return Person.objects.in_unit(unit).employed_at(at).filter(population_q(indicator, at))


# ---------------------------------------------------------------------------------------------
# One person


def missing_text(
    indicator: Indicator, year: int, levels: dict[str, int] | None = None, type_names: dict[str, str] | None = None
) -> list[str]:
    """Return, in words, what a person must still have to meet the indicator."""
    from personnel.choices import QualificationKind

    texts = []
    for kind, level in indicator.qualification_thresholds.items():
        if levels is not None and levels.get(kind, 0) >= level:
            continue
        texts.append(
            _("chưa đạt %(kind)s %(level)s")
            % {"kind": QualificationKind(kind).label.lower(), "level": level_label(kind, level)}
        )
    if indicator.requires_field_suited:
        texts.append(_("chuyên môn chưa phù hợp vị trí việc làm (hoặc chưa khai)"))
    if indicator.course_types or indicator.appointment_requirements:
        names = type_names if type_names is not None else _course_type_names()
        types = list(indicator.course_types) or sorted(
            {t for group in indicator.appointment_requirements.values() for t in group}
        )
        joiner = _(" hoặc ") if indicator.course_match == CourseMatch.ANY else _(" và ")
        what = joiner.join(_lower_first(names.get(code, code)) for code in types)
        if indicator.kind == IndicatorKind.ANNUAL:
            texts.append(_("chưa có khóa %(what)s năm %(year)s") % {"what": what, "year": year})
        elif indicator.kind == IndicatorKind.WINDOW:
            texts.append(
                _("chưa có khóa %(what)s trong giai đoạn %(start)s – %(end)s")
                % {
                    "what": what,
                    "start": f"{indicator.window_start:%d/%m/%Y}",
                    "end": f"{indicator.window_end:%d/%m/%Y}",
                }
            )
        elif indicator.kind == IndicatorKind.APPOINTMENT:
            texts.append(_("chưa có khóa %(what)s trước ngày bổ nhiệm") % {"what": what})
        else:
            texts.append(_("chưa có khóa %(what)s") % {"what": what})
    return texts


def _lower_first(text: str) -> str:
    """Return text with its first letter in lower case, keeping abbreviations ("QLNN") as they are."""
    return text[:1].lower() + text[1:]


def _course_type_names() -> dict[str, str]:
    return localized_names(CourseType.objects.values_list("code", "name", "name_en"))


def person_status(
    programme: Programme | str,
    person: Person,
    *,
    year: int | None = None,
    as_of: datetime.date | None = None,
) -> list[PersonIndicatorStatus]:
    """Return, for each indicator of the programme, whether it applies to the person and whether it is met."""
    programme, indicators = _load(programme)
    year, at = evaluation_date(programme, year=year, as_of=as_of)
    person_indicators = [i for i in indicators if i.kind != IndicatorKind.APPOINTMENT]
    figures = PersonCounter(person_indicators, year, at).count_persons([person.pk]).get(person.pk, {})
    appointment_rows = defaultdict(list)
    appointment_indicators = [i for i in indicators if i.kind == IndicatorKind.APPOINTMENT]
    if appointment_indicators:
        annotations = {}
        for index, indicator in enumerate(appointment_indicators):
            population = appointment_population_q(indicator, programme, at)
            annotations[f"d{index}"] = _count(population)
            annotations[f"n{index}"] = _count(population & appointment_criterion_q(indicator, at))
        for appointment in (
            Appointment.objects.filter(person=person).order_by("appointed_on", "pk").annotate(**annotations)
        ):
            for index, indicator in enumerate(appointment_indicators):
                if getattr(appointment, f"d{index}"):
                    appointment_rows[indicator.code].append(
                        {
                            "id": appointment.pk,
                            "kind": appointment.kind,
                            "title": appointment.title,
                            "appointed_on": appointment.appointed_on,
                            "met": bool(getattr(appointment, f"n{index}")),
                        }
                    )
    # What is missing is worded only for unmet indicators: the levels and the course-type names are read
    # (once) only if one of them needs them.
    levels: dict[str, int] | None = None
    type_names: dict[str, str] | None = None
    statuses = []
    for indicator in indicators:
        if indicator.kind == IndicatorKind.APPOINTMENT:
            rows = appointment_rows.get(indicator.code, [])
            applies = bool(rows)
            met = all(r["met"] for r in rows) if applies else None
        else:
            numerator, denominator = figures.get(indicator.code, (0, 0))
            applies = bool(denominator)
            met = bool(numerator) if applies else None
            rows = []
        missing = []
        if applies and not met:
            if levels is None and indicator.qualification_thresholds:
                levels = levels_at([person.pk], at).get(person.pk, {})
            if type_names is None and (indicator.course_types or indicator.appointment_requirements):
                type_names = _course_type_names()
            missing = missing_text(indicator, year, levels or {}, type_names or {})
        statuses.append(
            PersonIndicatorStatus(
                code=indicator.code,
                name=indicator.name,
                kind=indicator.kind,
                applies=applies,
                met=met,
                missing=missing,
                appointments=rows,
            )
        )
    return statuses


def unmet_counts_by_person(
    programme: Programme | str, person_ids: Iterable[int], *, year: int | None = None
) -> dict[int, int]:
    """Return {person id: number of applicable person indicators not met}, in one query."""
    programme, indicators = _load(programme)
    year, at = evaluation_date(programme, year=year)
    person_ids = list(person_ids)
    person_indicators = [i for i in indicators if i.kind != IndicatorKind.APPOINTMENT]
    result = dict.fromkeys(person_ids, 0)
    if not person_ids:
        return result
    for pk, figures in PersonCounter(person_indicators, year, at).count_persons(person_ids).items():
        result[pk] = sum(denominator - numerator for numerator, denominator in figures.values())
    return result


def as_plain(report: UnitReport) -> dict:
    """Return a report as nested plain dicts (for caching and templates)."""
    return asdict(report)


def missing_for(
    programme: Programme | str,
    indicator: Indicator | str,
    rows: Iterable,
    *,
    year: int | None = None,
    as_of: datetime.date | None = None,
) -> dict[int, list[str]]:
    """Return {row id: what is missing, in words} for rows of ``unmet`` (persons, or appointments).

    Like ``missing_text``, but leaves out what a row already meets that can be told without reading its
    courses: the qualification levels the person holds at T, a field already suited to the post, and,
    for an appointment, the courses another kind of appointment requires. Levels take three queries (none
    when the indicator sets no level); each distinct wording one more at most (course-type names).
    """
    import copy

    programme, indicators = _load(programme)
    if isinstance(indicator, str):
        indicator = next(i for i in indicators if i.code == indicator)
    year, at = evaluation_date(programme, year=year, as_of=as_of)
    rows = list(rows)
    by_appointment = indicator.kind == IndicatorKind.APPOINTMENT
    thresholds = indicator.qualification_thresholds
    persons = {row.pk: (row.person if by_appointment else row) for row in rows}
    levels = levels_at({person.pk for person in persons.values()}, at) if thresholds and rows else {}
    wordings: dict[tuple, list[str]] = {}
    missing = {}
    for row in rows:
        person = persons[row.pk]
        held = levels.get(person.pk, {})
        met_kinds = frozenset(kind for kind, level in thresholds.items() if held.get(kind, 0) >= level)
        field_suited = bool(indicator.requires_field_suited and person.field_suited)
        kind = row.kind if by_appointment else None
        key = (met_kinds, field_suited, kind)
        if key not in wordings:
            variant = indicator
            if field_suited or kind:
                variant = copy.copy(indicator)
                if field_suited:
                    variant.requires_field_suited = False
                if kind:
                    variant.appointment_requirements = {kind: indicator.appointment_requirements.get(kind, [])}
            wordings[key] = missing_text(variant, year, {k: thresholds[k] for k in met_kinds})
        missing[row.pk] = wordings[key]
    return missing
