"""The engine's two SQL statements: every person indicator of every unit of a subtree in one, every
appointment indicator in one more. Portable (PostgreSQL and SQLite), built from the indicators' data,
every value a bound parameter. ``filters`` states the same rules with the ORM; tests hold them equal.

Persons are read through their assignments (organisation-history.md): the assignment covering T gives
the unit, category, leadership level and unit level; view ``today`` counts the person in the
assignment's heir unit (``heir_unit_id``, the unit itself when empty).
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db import connection

from personnel.job_positions import catalogue, requirement_window
from personnel.models import Appointment, Assignment, OrgUnit, Person
from personnel.qualifications import DECLARED_FIELD
from training.choices import TrainingResult
from training.models import TrainingRecord

from ..models import CourseMatch, Indicator, IndicatorKind, Programme
from . import completions
from .dates import THEN, TODAY, appointment_window, birth_cutoff, course_window

WORK_MEM = "128MB"


class PersonCounter:
    """Count every person indicator for every unit of a subtree in one SQL statement.

    The ORM form (one ``IN (subquery)`` per criterion) reads the 2.5 million training records once per
    course criterion; this statement reads them once in all: each record is matched against every
    course criterion in a single pass and folded into one row of flags per person, qualifications into
    one row of levels per person, and persons are then counted per unit. Where PostgreSQL keeps the
    summary of completions (``completions``), the records and qualifications are not read at all: each
    course or level test is one overlap with the person's summary row, and several periods cost one
    pass. The SQL is portable (PostgreSQL and SQLite) and built from the indicators' data, with every value
    passed as a parameter. It states the same rules as ``population_q`` and ``criterion_q``; a test holds the two equal.
    """

    parallel = True  # whether PostgreSQL may spread the statement over parallel workers
    reads_every_record = False  # set by ``sql``: the statement folds every training record of the city
    # Whether to read each person's completions from their summary row (PostgreSQL, where triggers keep it)
    # rather than folding their training records; ``None``: wherever the summary is kept.
    use_completions: bool | None = None

    def __init__(
        self,
        indicators: list[Indicator],
        year: int,
        at: datetime.date,
        *,
        periods: list[tuple[int, datetime.date]] | None = None,
        view: str = TODAY,
    ):
        self.indicators = indicators
        self.view = view
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
        # Distinct level conditions read from the summary of completions: (kind, level, T) -> flag column.
        self.level_flags: dict[tuple[str, int, datetime.date], str] = {}
        if self.use_completions is None:
            self.use_completions = completions.kept()
        # The job-position catalogue, read once when an indicator needs it.
        self.positions = catalogue() if any(i.kind == IndicatorKind.JOB_POSITION for i in indicators) else []
        self.level_kinds: list[str] = sorted(
            {kind for indicator in indicators for kind in indicator.qualification_thresholds}
            | {kind for position, _courses in self.positions for kind in position.qualification_thresholds}
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
        if indicator.kind == IndicatorKind.JOB_POSITION:
            parts.append("p.job_position_id IS NOT NULL")
        return " AND ".join(parts)

    def _level(self, kind: str, level: int) -> str:
        index = self.level_kinds.index(kind)
        minimum = self._param(level)
        if self.use_completions:
            # Held at T by a qualification, or granted by a course completed by T: one test of the summary.
            if level < 0:  # every level is 0 or more
                return "1 = 1"
            flag = self.level_flags.setdefault((kind, level, self.at), f"h{len(self.level_flags)}")
            return f"(p.{DECLARED_FIELD[kind]} >= {minimum} OR COALESCE(rc.{flag}, 0) = 1)"
        held = f"COALESCE(lq.l{index}_{self.period}, -1) >= {minimum}"
        granted = f"COALESCE(rc.g{index}_{self.period}, -1) >= {minimum}"
        return f"(p.{DECLARED_FIELD[kind]} >= {minimum} OR {held} OR {granted})"

    def _job_position(self) -> str:
        """Return the condition: the person's position at T is one whose every requirement they meet."""
        alternatives = []
        for position, courses in self.positions:
            parts = [f"p.job_position_id = {self._param(position.pk)}"]
            parts += [self._level(kind, level) for kind, level in position.qualification_thresholds.items()]
            for required in courses:
                start, end = requirement_window(required.every_years, self.at)
                parts.append(f"COALESCE(rc.{self._course_flag([required.course_type_id], start, end)}, 0) = 1")
            alternatives.append("(" + " AND ".join(parts) + ")")
        return "(" + (" OR ".join(alternatives) or "1 = 0") + ")"

    def _criterion(self, indicator: Indicator) -> str:
        parts = ["1 = 1"]
        for kind, level in indicator.qualification_thresholds.items():
            parts.append(self._level(kind, level))
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
        if indicator.kind == IndicatorKind.JOB_POSITION:
            parts.append(self._job_position())
        return " AND ".join(parts)

    def _measures(self) -> list[str]:
        """Return the final SELECT's counts: each indicator's denominator and numerator in each period."""
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
                # Counted with FILTER: a row outside the population costs one test, not an aggregate step.
                measures.append(f"COUNT(*) FILTER (WHERE {population}) AS d{period}_{index}")
                measures.append(f"COUNT(*) FILTER (WHERE ({population}) AND ({criterion})) AS n{period}_{index}")
        return measures

    def sql(
        self, unit: OrgUnit | None, person_ids: list[int] | None = None, units: list[int] | None = None
    ) -> tuple[str, dict]:
        """Return the statement and its (named) parameters: counts per unit of the unit's subtree (only
        of ``units`` when given), or per person of ``person_ids`` when given."""
        # The final SELECT is built first: it decides which flags and levels the CTEs must provide.
        measures = self._measures()
        several = len(self.periods) > 1
        person, unit_table = Person._meta.db_table, OrgUnit._meta.db_table
        assignment = Assignment._meta.db_table
        record = TrainingRecord._meta.db_table
        course = TrainingRecord._meta.get_field("course").related_model
        course_table = course._meta.db_table
        course_types = course._meta.get_field("types").remote_field.through._meta.db_table
        qualification = Person._meta.get_field("qualifications").related_model._meta.db_table
        dates = [at for _year, at in self.periods]
        first, last = self._param(min(dates)), self._param(max(dates))
        at = last  # what is read (records, qualifications) is what counts on the last date
        placed, placed_join = _placement(self.view)
        if person_ids is not None:
            where = f"per.id IN ({', '.join(self._param(pk) for pk in person_ids) or 'NULL'})"
            placed_join = ""
        else:
            where = f"pu.path LIKE {self._param(unit.path + '%')}"
            if units is not None:
                where += f" AND {placed} IN ({', '.join(self._param(pk) for pk in units) or 'NULL'})"
        columns = ", ".join(f"per.{c}" for c in sorted(set(DECLARED_FIELD.values())))
        ctes = [
            f"""p AS (
    SELECT per.id, {placed} AS unit_id, a.category, per.btv_managed, per.btv_succession, per.deputy_term,
           a.leadership_level, per.birth_date, per.field_suited, {columns}, u.level AS unit_level,
           a.start_date, a.end_date, a.job_position_id
    FROM {assignment} a JOIN {person} per ON per.id = a.person_id JOIN {unit_table} u ON u.id = a.unit_id
         {placed_join.format(unit_table=unit_table)}
    WHERE {where}
      AND (a.start_date IS NULL OR a.start_date <= {last}) AND (a.end_date IS NULL OR a.end_date > {first})
)"""
        ]
        # Below the root, records and qualifications are read for the subtree's persons only; for the
        # whole city, reading them all is cheaper than matching each against the persons.
        whole_city = person_ids is None and units is None and unit.parent_id is None
        self.reads_every_record = whole_city
        only_subtree = "" if whole_city else "AND {alias}.person_id IN (SELECT id FROM p)"
        joins = []
        kinds = [self._param(kind) for kind in self.level_kinds]
        if self.use_completions and (self.course_flags or self.level_flags):
            self.reads_every_record = False
            # Each flag is tested where it is used, after the population's own conditions: a person is
            # tested only for the indicators that apply to them (at city scale, a third of the tests).
            for name, test in self._completion_tests().items():
                measures = [m.replace(f"COALESCE(rc.{name}, 0) = 1", test) for m in measures]
            joins.append(f"LEFT JOIN {completions.TABLE} rc ON rc.person_id = p.id")
        elif self.course_flags or self.level_kinds:
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
        if self.level_kinds and not self.use_completions:
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

    def _completion_tests(self) -> dict[str, str]:
        """Return {flag column: its test on the summary of completions (``completions``)}: one overlap of the
        person's completions with the window's ranges of a few keys (built once per statement from the keys'
        numbers)."""
        wanted = [
            ([completions.type_key(code) for code in group], start, end, name)
            for (group, start, end), name in self.course_flags.items()
        ]
        wanted += [
            ([completions.grant_key(kind, level), completions.qualification_key(kind, level)], None, on, name)
            for (kind, level, on), name in self.level_flags.items()
        ]
        tests = {}
        for keys, start, end, name in wanted:
            if start is not None and start > end:
                tests[name] = "1 = 0"
                continue
            low = 0 if start is None else completions.offset(start)
            ranges = (
                f"SELECT range_agg(int8range(k.id * {completions.BLOCK} + {self._param(low)}, "
                f"k.id * {completions.BLOCK} + {self._param(completions.offset(end))}, '[]')) "
                f"FROM {completions.KEYS} k WHERE k.key IN ({', '.join(self._param(key) for key in keys)})"
            )
            tests[name] = f"COALESCE(rc.completed && ({ranges}), false)"
        return tests

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

    def settings(self) -> str:
        """Return the ``SET LOCAL`` lines sent before the statement on PostgreSQL (empty elsewhere)."""
        if connection.vendor != "postgresql":
            return ""
        # The per-person folds are hash aggregates over hundreds of thousands of rows: give them
        # memory; and skip JIT compilation, which cost more than half of the statement's time at
        # city scale. Both hold for this statement only (sent with it: one round trip, one
        # implicit transaction).
        settings = f"SET LOCAL work_mem = '{WORK_MEM}';\nSET LOCAL jit = off;\n"
        if not self.parallel:
            settings += "SET LOCAL max_parallel_workers_per_gather = 0;\n"
        if self.reads_every_record and not self.use_completions:
            # Every record is read: in one sequential pass shared by the parallel workers. Offered the
            # covering index of completed records, PostgreSQL looked them up course by course in each
            # worker, folding every person's records once per worker (three times the work at city scale).
            settings += "SET LOCAL enable_indexonlyscan = off;\n"
        return settings

    def _run(self, statement: str, params: dict) -> dict[int, dict[str, tuple[int, int]]]:
        statement = self.settings() + statement
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
        view: str = TODAY,
    ):
        super().__init__(indicators, at.year, at, periods=periods, view=view)
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
        assignment = Assignment._meta.db_table
        course = TrainingRecord._meta.get_field("course").related_model
        course_types = course._meta.get_field("types").remote_field.through._meta.db_table
        placed, placed_join = _placement(self.view)
        only_units = only_their_records = ""
        if units is not None:  # a few units: their persons' records only, found through the person index
            only_units = f" AND {placed} IN ({', '.join(self._param(pk) for pk in units) or 'NULL'})"
            only_their_records = " AND r.person_id IN (SELECT id FROM p)"
        # The assignment an appointment is counted under: the one covering its date, else the latest start.
        # Found once per appointment of the window, before any join: joined on directly, PostgreSQL ran the
        # lookups twice per appointment and hashed every assignment to match them (~0.3 s at city scale).
        # On PostgreSQL the lookups return the assignment's whole row, read in ``p`` without joining the
        # assignments again (that join hashed all of them: ~0.2 s of 0.7 s at city scale).
        whole_row = connection.vendor == "postgresql"
        found = "c1" if whole_row else "c1.id"
        latest = "c2" if whole_row else "c2.id"
        counted = f"""COALESCE(
        (SELECT {found} FROM {assignment} c1 WHERE c1.person_id = ap.person_id
           AND (c1.start_date IS NULL OR c1.start_date <= ap.appointed_on)
           AND (c1.end_date IS NULL OR c1.end_date > ap.appointed_on) ORDER BY c1.id LIMIT 1),
        (SELECT {latest} FROM {assignment} c2 WHERE c2.person_id = ap.person_id
           ORDER BY CASE WHEN c2.start_date IS NULL THEN 1 ELSE 0 END, c2.start_date DESC, c2.id DESC LIMIT 1))"""
        if whole_row:
            counted_join = (
                "CROSS JOIN LATERAL (SELECT (ap.counted).unit_id AS unit_id, (ap.counted).heir_unit_id AS heir_unit_id,"
                " (ap.counted).category AS category, (ap.counted).leadership_level AS leadership_level) a"
            )
        else:
            counted_join = f"JOIN {assignment} a ON a.id = ap.counted"
        materialized = " MATERIALIZED" if connection.vendor == "postgresql" else ""
        # Below the root, only the appointments of persons ever placed in the subtree (or ``units``): the
        # assignment an appointment is counted under is one of theirs.
        narrow = ""
        if units is not None or unit.parent_id is not None:
            narrow = f"""
      AND ap.person_id IN (SELECT a.person_id FROM {assignment} a {placed_join.format(unit_table=unit_table)}
                           WHERE pu.path LIKE {self._param(unit.path + "%")}{only_units})"""
        ctes = [
            f"""ca AS{materialized} (
    SELECT ap.person_id, ap.kind, ap.appointed_on, {counted} AS counted
    FROM {appointment} ap
    WHERE ap.appointed_on >= {self._param(start)} AND ap.appointed_on <= {self._param(end)}{narrow}
),
p AS (
    SELECT ap.kind AS appointment_kind, ap.appointed_on, per.id, {placed} AS unit_id, a.category,
           per.btv_managed, per.btv_succession, per.deputy_term, a.leadership_level, per.birth_date,
           u.level AS unit_level
    FROM ca ap JOIN {person} per ON per.id = ap.person_id
         {counted_join}
         JOIN {unit_table} u ON u.id = a.unit_id {placed_join.format(unit_table=unit_table)}
    WHERE pu.path LIKE {self._param(unit.path + "%")}{only_units}
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


def _placement(view: str) -> tuple[str, str]:
    """Return (the SQL naming the unit a person is counted in, the join that reads that unit as ``pu``)."""
    if view == THEN:
        return "a.unit_id", "JOIN {unit_table} pu ON pu.id = a.unit_id"
    return "COALESCE(a.heir_unit_id, a.unit_id)", "JOIN {unit_table} pu ON pu.id = COALESCE(a.heir_unit_id, a.unit_id)"
