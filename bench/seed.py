"""Synthetic Hanoi-sized data for the benchmark (drawn by ``synthetic.city_rows``), and how to load it fast.

Scale 1.0 is the city: 250,000 persons in 708 units over time — Hanoi's real organisation from
``synthetic.hanoi`` (shared with the demo): the city; 20 departments, 5 of them merged into new ones on
1 March 2025; the 30 districts and their 526 communes and wards, all closed on 1 July 2025; the 126 communes
and wards opened that day under the city, each closed unit naming its successors — about 2.5 million
training records over 2019–2026 on 4,000 courses, about 100,000 dated qualifications and 60,000
appointments of 2021–2025. Everything is drawn from ``random.Random(seed)``, so the same seed and scale give
the same data (up to "today": a course that has not ended yet has no completed records).

Every person has an assignment history (``synthetic.careers``), about 530,000 assignments in all: about a
third came from another department or district (a commune worker: another commune of the district) at an
earlier date; everyone in a district, commune or ward on 1 July 2025 moves that day to one of its
successors (mostly the primary one), and everyone in a merged department to the merged one on 1 March
2025; non-professional commune workers end on 1 August 2025. The heir units of view ``today`` are written
with the assignments, as ``personnel.history.refresh_heirs`` computes them.

What makes the data realistic enough to time the product honestly:

- categories fit the unit level (communes hold commune cadres and civil servants and non-specialised
  workers; departments and districts hold civil servants and, mostly, public employees of their schools
  and hospitals); leadership levels; Standing-Board cadres (~0.2 %), succession-planned cadres (~0.5 %),
  People's Council deputies (~3 %); birth dates 1965–2000; people who joined during the programme and
  people who left (retirement, transfers);
- declared levels by category and post, dated upgrades (qualifications, courses granting a level);
- about ten training records a person, on courses of the types each category is expected to take, more
  or less diligently by unit and by year, so compliance figures differ between units and years;
- appointments mostly preceded by the course they require.

Derived columns are computed with the product's own functions (``core.text.name_sort_key``, ``fold``,
``split_name``) on a few thousand distinct names that persons reuse; unit paths and depths follow
``personnel.services``. History tables stay empty for seeded rows: the benchmark loads data as a
migration from another system would, not as edits.

Loading: on PostgreSQL, ``COPY`` of text generated in chunks while the previous chunk is being copied; in
``fast`` mode (the benchmark's own database) the loaded tables are truncated, their unique and foreign-key
constraints and secondary indexes dropped and rebuilt after the copy (``COPY … FREEZE``, so no vacuum is
needed), sequences moved past the loaded ids, and the tables analysed. On other databases (SQLite in the
test suite) the same rows are inserted with ``executemany``.
"""

from __future__ import annotations

import datetime
import io
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils import timezone

from synthetic.city import DEFAULT_SEED, NULL, Plan, plan_for
from synthetic.city_rows import Generator, name_pool

__all__ = ["DEFAULT_SEED", "Generator", "Plan", "SeedResult", "name_pool", "plan_for", "seed"]


@dataclass
class SeedResult:
    plan: Plan
    counts: dict[str, int]
    seconds: dict[str, float]
    root_code: str = "HN"
    sample_names: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Tables: which columns the generated lines fill, and the constant values of any other column


@dataclass
class TableSpec:
    key: str
    model: type
    fields: list[str]  # model field names, in the order of the generated values
    db_table: str = ""
    columns: list[str] = field(default_factory=list)
    suffix: list[tuple[str, object]] = field(default_factory=list)  # (column, constant) appended to each row
    booleans: set[int] = field(default_factory=set)  # positions of boolean columns

    def resolve(self) -> TableSpec:
        """Fill the table name and columns from the model, with a constant for every column not generated."""
        meta = self.model._meta
        self.db_table = meta.db_table
        by_name = {f.name: f for f in meta.concrete_fields}
        self.columns = [by_name[name].column for name in self.fields]
        for f in meta.concrete_fields:
            if f.name in self.fields or (f.primary_key and f.get_internal_type() in ("AutoField", "BigAutoField")):
                continue
            if f.has_default():
                value = f.get_default()
            elif f.null:
                value = None
            else:
                raise RuntimeError(f"bench.seed does not fill the required column {self.db_table}.{f.column}")
            self.suffix.append((f.column, value))
        all_fields = [by_name[name] for name in self.fields] + [
            meta.get_field(_field_of(meta, c)) for c, _ in self.suffix
        ]
        self.booleans = {i for i, f in enumerate(all_fields) if f.get_internal_type() == "BooleanField"}
        return self

    @property
    def all_columns(self) -> list[str]:
        return self.columns + [column for column, _ in self.suffix]

    def copy_suffix(self) -> str:
        """Return the text appended to every generated line for the constant columns."""
        return "".join("\t" + _copy_text(value) for _, value in self.suffix)


def _field_of(meta, column: str) -> str:
    return next(f.name for f in meta.concrete_fields if f.column == column)


def _copy_text(value) -> str:
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, dict | list):
        import json

        return json.dumps(value).replace("\\", "\\\\")
    return str(value)


def table_specs() -> dict[str, TableSpec]:
    """Return the tables the seeder fills, in load order."""
    from personnel.models import Appointment, Assignment, OrgUnit, Person, Qualification, UnitSuccession
    from training.models import Course, TrainingRecord

    specs = [
        TableSpec("unit", OrgUnit, ["id", "code", "name", "parent", "level", "opened_on", "closed_on", "path",
                                    "depth"]),
        # Ids of successions and assignments come from the database, in load order.
        TableSpec("succession", UnitSuccession, ["predecessor", "successor", "is_primary", "order"]),
        TableSpec("course", Course, ["id", "code", "title", "form", "provider", "start_date", "end_date", "hours",
                                     "grants_kind", "grants_level"]),
        TableSpec("course_type", Course.types.through, ["id", "course", "coursetype"]),
        TableSpec("person", Person, [
            "id", "code", "full_name", "family_name", "middle_name", "given_name", "sort_key", "search_text",
            "birth_date", "gender", "citizen_id", "unit", "category", "position_title", "leadership_level",
            "btv_managed", "btv_succession", "deputy_term", "education_level", "field_suited", "political_level",
            "state_management_level", "language_level", "start_date", "end_date", "updated_at",
        ]),
        TableSpec("assignment", Assignment, ["person", "unit", "category", "leadership_level", "position_title",
                                             "start_date", "end_date", "heir_unit"]),
        # Ids of these come from the database, in load order.
        TableSpec("qualification", Qualification, ["person", "kind", "level", "obtained_on", "document_number"]),
        TableSpec("appointment", Appointment, ["person", "kind", "title", "appointed_on"]),
        TableSpec("record", TrainingRecord, ["person", "course", "result", "completed_on", "certificate_number"]),
    ]  # fmt: skip
    return {spec.key: spec.resolve() for spec in specs}


# ---------------------------------------------------------------------------------------------
# Loading


class _Writer:
    """Write lines into tables: COPY on PostgreSQL, else INSERT (``executemany``)."""

    def __init__(self, specs: dict[str, TableSpec], cursor, vendor: str, freeze: bool = False):
        self.specs = specs
        self.cursor = cursor
        self.copy = vendor == "postgresql" and hasattr(cursor, "copy_expert")
        self.freeze = freeze
        self.counts: dict[str, int] = dict.fromkeys(specs, 0)

    def write(self, key: str, lines: list[str]) -> None:
        """Write generated lines (without the constant columns) into the table ``key``."""
        if not lines:
            return
        if self.copy:
            self.write_text(key, copy_text(self.specs[key], lines), len(lines))
            return
        spec = self.specs[key]
        self.counts[key] += len(lines)
        constants = [value for _, value in spec.suffix]
        rows = []
        for line in lines:
            values: list = [None if v == NULL else v for v in line.split("\t")] + constants
            for i in spec.booleans:
                if values[i] in ("t", "f"):
                    values[i] = values[i] == "t"
            rows.append(values)
        columns = ", ".join(f'"{c}"' for c in spec.all_columns)
        marks = ", ".join(["%s"] * len(spec.all_columns))
        sql = f'INSERT INTO "{spec.db_table}" ({columns}) VALUES ({marks})'  # noqa: S608 (table and column names from the benchmark's own table specs; values bound)
        for start in range(0, len(rows), 5000):
            self.cursor.executemany(sql, rows[start : start + 5000])

    def write_text(self, key: str, text: str, count: int) -> None:
        """COPY complete COPY text (every column, one row a line) into the table ``key``."""
        if not count:
            return
        spec = self.specs[key]
        self.counts[key] += count
        options = " WITH (FREEZE)" if self.freeze else ""
        columns = ", ".join(f'"{c}"' for c in spec.all_columns)
        sql = f'COPY "{spec.db_table}" ({columns}) FROM STDIN{options}'
        self.cursor.copy_expert(sql, io.StringIO(text), size=1 << 20)


def copy_text(spec: TableSpec, lines: list[str]) -> str:
    """Return generated lines as COPY text, each completed with the table's constant columns."""
    suffix = spec.copy_suffix()
    if not suffix:
        return "\n".join(lines) + "\n"
    return "".join(f"{line}{suffix}\n" for line in lines)


# Set in the parent before the worker processes fork: they inherit it and receive only chunk numbers.
_SHARED: tuple[Generator, dict[str, TableSpec]] | None = None


def _chunk_texts(index: int) -> list[tuple[str, str, int]]:
    """Return (table key, COPY text, rows) of one chunk; runs in a worker process."""
    generator, specs = _SHARED
    return [(key, copy_text(specs[key], lines), len(lines)) for key, lines in generator.chunk(index).items()]


def _write_chunks(generator: Generator, specs: dict[str, TableSpec], writer: _Writer, workers: int) -> None:
    """Generate every chunk of persons and write it; with ``workers`` > 1, generate in that many processes.

    Chunks are written in order whatever process made them, so the loaded data does not depend on it.
    """
    global _SHARED
    if workers <= 1:
        for index in range(generator.chunks):
            for key, lines in generator.chunk(index).items():
                writer.write(key, lines)
        return
    import multiprocessing

    _SHARED = (generator, specs)
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for texts in pool.imap(_chunk_texts, range(generator.chunks)):
                for key, text, count in texts:
                    writer.write_text(key, text, count)
    finally:
        _SHARED = None


def seed(
    *,
    scale: float,
    seed: int = DEFAULT_SEED,
    connection=None,
    dsn: str | None = None,
    progress: Callable[[str], None] | None = None,
    workers: int | None = None,
) -> SeedResult:
    """Generate and load the data of ``scale`` into empty tables; return counts and timings.

    With ``dsn`` (a PostgreSQL database of the benchmark's own), load fast on a separate connection:
    truncate, drop secondary indexes and constraints, ``COPY … FREEZE`` chunks made by ``workers``
    processes (default: one per CPU), rebuild, analyse. Otherwise write through the Django ``connection``
    inside its current transaction (the test suite): COPY on PostgreSQL, ``executemany`` elsewhere.
    """
    say = progress or (lambda message: None)
    plan = plan_for(scale)
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    generator = Generator(plan, seed, today=timezone.localdate())
    seconds["prepare"] = time.perf_counter() - started
    specs = table_specs()
    say(f"{plan.persons:,} persons, {plan.units} units, {len(generator.course_start) - 1:,} courses")

    if dsn:
        workers = workers or _default_workers()
        counts = _load_fast(dsn, specs, generator, workers, seconds, say)
    else:
        from django.db import connection as default_connection

        connection = connection or default_connection
        _require_empty(specs)
        with connection.cursor() as cursor:
            raw = getattr(cursor, "cursor", cursor)
            use_raw = connection.vendor == "postgresql" and hasattr(raw, "copy_expert")
            writer = _Writer(specs, raw if use_raw else cursor, connection.vendor)
            copy_started = time.perf_counter()
            writer.write("unit", generator.unit_rows)
            writer.write("succession", generator.succession_rows)
            writer.write("course", generator.course_rows)
            writer.write("course_type", generator.course_type_rows)
            _write_chunks(generator, specs, writer, workers=1)
            seconds["copy"] = time.perf_counter() - copy_started
            if connection.vendor == "postgresql":
                _move_sequences(cursor, specs)
        from personnel.models import OrganisationState

        # The heir units were written with the assignments (as ``personnel.history.refresh_heirs`` computes them).
        OrganisationState.objects.update_or_create(pk=1, defaults={"heirs_as_of": generator.today})
        counts = writer.counts
    seconds["total"] = time.perf_counter() - started
    return SeedResult(plan=plan, counts=counts, seconds=seconds, sample_names=generator.sample_names())


def _default_workers() -> int:
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(4, os.cpu_count() or 1))


def _require_empty(specs: dict[str, TableSpec]) -> None:
    for spec in specs.values():
        if spec.model._default_manager.exists():
            raise RuntimeError(f"bench.seed loads into empty tables; {spec.db_table} has rows")


def _move_sequences(cursor, specs: dict[str, TableSpec]) -> None:
    """Move each loaded table's id sequence past the loaded ids, so the product's own inserts do not collide."""
    for spec in specs.values():
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence(%s, 'id'), "  # noqa: S608 (table and column names from the benchmark's own table specs; values bound)
            f'COALESCE((SELECT max(id) FROM "{spec.db_table}"), 0) + 1, false)',
            [spec.db_table],
        )


def _load_fast(dsn: str, specs, generator: Generator, workers: int, seconds: dict, say) -> dict[str, int]:
    """Load into the benchmark database on its own connection, with indexes rebuilt after the copy."""
    import psycopg2
    from django.db import connections

    tables = [spec.db_table for spec in specs.values()]
    connections.close_all()  # no open connection for the worker processes to inherit
    connection = psycopg2.connect(dsn)
    try:
        cursor = connection.cursor()
        cursor.execute("SET TIME ZONE 'UTC'")
        cursor.execute("SET maintenance_work_mem = '512MB'")
        cursor.execute("SET synchronous_commit = off")
        _quiet_triggers(cursor)
        saved = _drop_secondary(cursor, tables)
        cursor.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in tables))
        writer = _Writer(specs, cursor, "postgresql", freeze=True)
        started = time.perf_counter()
        writer.write("unit", generator.unit_rows)
        writer.write("succession", generator.succession_rows)
        writer.write("course", generator.course_rows)
        writer.write("course_type", generator.course_type_rows)
        _write_chunks(generator, specs, writer, workers=workers)
        seconds["copy"] = time.perf_counter() - started
        say(f"generated in {workers} processes and copied {sum(writer.counts.values()):,} rows in "
            f"{seconds['copy']:.1f} s; rebuilding indexes")  # fmt: skip
        _move_sequences(cursor, specs)
        _mark_heirs_computed(cursor, generator.today)
        cursor.execute('INSERT INTO "reports_dirtyunit" (created) VALUES (now())')  # every unit: see _quiet_triggers
        connection.commit()
        started = time.perf_counter()
        connection.autocommit = True
        indexes, foreign_keys = saved
        timings = _run_parallel(dsn, indexes, connections=min(2, workers))
        timings += _run_parallel(dsn, foreign_keys, connections=1)  # each locks the table it points at
        seconds["indexes"] = time.perf_counter() - started
        for spent, statement in sorted(timings, reverse=True)[:5]:
            say(f"  {spent:5.1f} s  {statement[:110]}")
        started = time.perf_counter()
        connection.autocommit = True
        # The load skipped the triggers that keep the summary of completions: recompute it whole.
        from targets.compliance import completions

        completions.rebuild(cursor)
        seconds["completions"] = time.perf_counter() - started
        started = time.perf_counter()
        for table in [*tables, completions.TABLE]:
            cursor.execute(f'ANALYZE "{table}"')
        seconds["analyze"] = time.perf_counter() - started
        return writer.counts
    finally:
        connection.close()


def _mark_heirs_computed(cursor, today: datetime.date) -> None:
    """Record that the heir units are current (they were written with the assignments)."""
    from personnel.models import OrganisationState

    table = OrganisationState._meta.db_table
    cursor.execute(
        f'INSERT INTO "{table}" (id, heirs_as_of) VALUES (1, %s) ON CONFLICT (id) DO UPDATE SET heirs_as_of = %s',  # noqa: S608 (table and column names from the benchmark's own table specs; values bound)
        [today, today],
    )


def _quiet_triggers(cursor) -> None:
    """Skip the triggers that note changed units for the stored figures (``reports.triggers``) while loading.

    Each ``COPY`` of records would look up its persons' units; the load notes "every unit" once instead.
    Only a superuser may; otherwise the triggers run (slower, same result).
    """
    import psycopg2

    cursor.execute("SAVEPOINT quiet_triggers")
    try:
        cursor.execute("SET session_replication_role = replica")
    except psycopg2.Error:  # not a superuser
        cursor.execute("ROLLBACK TO SAVEPOINT quiet_triggers")
    else:
        cursor.execute("RELEASE SAVEPOINT quiet_triggers")


def _run_parallel(dsn: str, statements: list[str], connections: int) -> list[tuple[float, str]]:
    """Run independent statements on ``connections`` connections at once; return (seconds, statement) of each."""
    import threading

    import psycopg2

    pending = list(statements)
    timings: list[tuple[float, str]] = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def work():
        connection = psycopg2.connect(dsn)
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                cursor.execute("SET maintenance_work_mem = '512MB'")
                while not failures:
                    with lock:
                        if not pending:
                            return
                        statement = pending.pop(0)
                    began = time.perf_counter()
                    cursor.execute(statement)
                    with lock:
                        timings.append((time.perf_counter() - began, statement))
        except BaseException as error:  # re-raised below
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(max(1, connections))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    return timings


def _drop_secondary(cursor, tables: list[str]) -> tuple[list[str], list[str]]:
    """Drop the unique and foreign-key constraints and the secondary indexes of ``tables``; return how to rebuild them.

    Returns the statements that rebuild the unique constraints and indexes (independent of each other,
    largest tables first) and those that re-add the foreign keys.

    Foreign keys of other tables that point at these tables go too (TRUNCATE requires it) and come back
    last, validated. Primary keys and check constraints stay.
    """
    cursor.execute(
        """
        SELECT c.conname, c.contype, c.conrelid::regclass::text, pg_get_constraintdef(c.oid)
        FROM pg_constraint c
        WHERE (c.conrelid = ANY(%(tables)s::regclass[]) AND c.contype IN ('u', 'f'))
           OR (c.confrelid = ANY(%(tables)s::regclass[]) AND c.contype = 'f')
        """,
        {"tables": tables},
    )
    constraints = cursor.fetchall()
    cursor.execute(
        """
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
        FROM pg_index i
        WHERE i.indrelid = ANY(%(tables)s::regclass[]) AND NOT i.indisprimary
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
        """,
        {"tables": tables},
    )
    indexes = cursor.fetchall()
    foreign = [c for c in constraints if c[1] == "f"]
    unique = [c for c in constraints if c[1] == "u"]
    for name, _kind, table, _definition in foreign + unique:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _definition in indexes:
        cursor.execute(f"DROP INDEX {name}")

    def add(table: str, name: str, definition: str) -> str:
        return f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'

    rebuild = [(table, add(table, name, definition)) for name, _kind, table, definition in unique]
    rebuild += [(definition.split(" ON ", 1)[1].split(" ", 1)[0], definition) for _name, definition in indexes]
    # The tables come smallest first (units … training records): rebuild the largest first.
    order = {table: position for position, table in enumerate(tables)}
    rebuild.sort(key=lambda pair: -order.get(pair[0].removeprefix("public.").strip('"'), 0))
    foreign_keys = [add(table, name, definition) for name, _kind, table, definition in foreign]
    return [statement for _table, statement in rebuild], foreign_keys
