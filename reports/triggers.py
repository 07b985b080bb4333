"""Database triggers that note, in the same transaction as every change, which units it touches.

Every write to the data behind the figures, whichever way it comes (forms, services, the admin, the
API, imports by ``COPY``, ``QuerySet.update``, raw SQL, even psql), writes ``reports_dirtyunit`` rows
inside the writing transaction: they commit with the change or vanish with it, so a transaction that
commits after a later one cannot be missed (``reports.freshness`` reads them).

- personnel_person, personnel_qualification, personnel_appointment, training_trainingrecord: each person
  whose rows were written (old and new person of an update); ``reports.freshness`` takes the units of
  their assignments, and those units' heirs, when it reads the rows;
- personnel_assignment: the unit and the heir unit of each assignment written (old and new);
- personnel_orgunit, personnel_unitsuccession, training_course, training_course_types, targets_programme,
  targets_indicator: one row naming no unit, "every unit" (these change the figures of many units at once).

Every row also moves the data version (``reports.freshness.data_version`` reads the newest row's id), so a
write made outside Django (psql) makes the stored figures stale like any other.

PostgreSQL: statement-level ``AFTER`` triggers with transition tables, one ``INSERT … SELECT DISTINCT``
per statement however many rows it wrote (a 50,000-row ``COPY`` adds one statement of a few hundred
rows). Installed by migration ``reports.0002``.

SQLite: row-level triggers (it has no others) that write the person rather than their unit: a trigger
that reads another table breaks the migrations that rebuild that table (SQLite re-checks every trigger
when the rebuilt table is renamed). Django rebuilds tables on SQLite for most schema changes, which also
drops their triggers, so on SQLite the triggers are dropped before ``migrate`` and installed again after
it (``pre_migrate``/``post_migrate``), with one "every unit" row for whatever the migrations wrote.

TRUNCATE writes nothing (only ``flush`` uses it, and it empties the stored figures too).
"""

from __future__ import annotations

DIRTY = "reports_dirtyunit"
PERSON = "personnel_person"
ASSIGNMENT = "personnel_assignment"
BY_PERSON = ("personnel_qualification", "personnel_appointment", "training_trainingrecord")
EVERY_UNIT = (
    "personnel_orgunit",
    "personnel_unitsuccession",
    "training_course",
    "training_course_types",
    "targets_programme",
    "targets_indicator",
)
EVENTS = ("insert", "update", "delete")
VENDORS = ("postgresql", "sqlite")


def supported(connection) -> bool:
    """Return whether the database keeps the triggers (otherwise figures are always recomputed whole)."""
    return connection.vendor in VENDORS


def _name(table: str, event: str) -> str:
    return f"reports_dirty_{table}_{event}"


def tables() -> dict[str, str]:
    """Return {table: what its triggers write} for every table watched."""
    watched = {PERSON: "person itself", ASSIGNMENT: "unit"}
    watched.update(dict.fromkeys(BY_PERSON, "person"))
    watched.update(dict.fromkeys(EVERY_UNIT, "every unit"))
    return watched


# ---------------------------------------------------------------------------------------------
# PostgreSQL

_PG_FUNCTIONS = {
    "unit": f"""
CREATE OR REPLACE FUNCTION reports_dirty_by_unit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO {DIRTY} (unit_id, created)
        SELECT unit_id, now() FROM (SELECT unit_id FROM new_rows UNION SELECT heir_unit_id FROM new_rows) AS u
        WHERE unit_id IS NOT NULL;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO {DIRTY} (unit_id, created)
        SELECT unit_id, now() FROM (SELECT unit_id FROM old_rows UNION SELECT heir_unit_id FROM old_rows) AS u
        WHERE unit_id IS NOT NULL;
    ELSE
        INSERT INTO {DIRTY} (unit_id, created)
        SELECT unit_id, now() FROM (
            SELECT unit_id FROM old_rows UNION SELECT heir_unit_id FROM old_rows
            UNION SELECT unit_id FROM new_rows UNION SELECT heir_unit_id FROM new_rows
        ) AS u WHERE unit_id IS NOT NULL;
    END IF;
    RETURN NULL;
END $$""",
    "person itself": f"""
CREATE OR REPLACE FUNCTION reports_dirty_person_itself() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO {DIRTY} (person_id, created) SELECT DISTINCT id, now() FROM old_rows;
    ELSE
        INSERT INTO {DIRTY} (person_id, created) SELECT DISTINCT id, now() FROM new_rows;
    END IF;
    RETURN NULL;
END $$""",
    "person": f"""
CREATE OR REPLACE FUNCTION reports_dirty_by_person() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO {DIRTY} (person_id, created) SELECT DISTINCT person_id, now() FROM new_rows;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO {DIRTY} (person_id, created) SELECT DISTINCT person_id, now() FROM old_rows;
    ELSE
        INSERT INTO {DIRTY} (person_id, created)
        SELECT person_id, now() FROM (SELECT person_id FROM old_rows UNION SELECT person_id FROM new_rows) AS r;
    END IF;
    RETURN NULL;
END $$""",
    "every unit": f"""
CREATE OR REPLACE FUNCTION reports_dirty_every_unit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO {DIRTY} (created) SELECT now() WHERE EXISTS (SELECT 1 FROM old_rows);
    ELSE
        INSERT INTO {DIRTY} (created) SELECT now() WHERE EXISTS (SELECT 1 FROM new_rows);
    END IF;
    RETURN NULL;
END $$""",
}
_PG_FUNCTION_NAMES = {"unit": "reports_dirty_by_unit", "person": "reports_dirty_by_person",
                      "person itself": "reports_dirty_person_itself",
                      "every unit": "reports_dirty_every_unit"}  # fmt: skip
# A trigger with transition tables fires on one event only.
_PG_REFERENCING = {
    "insert": "REFERENCING NEW TABLE AS new_rows",
    "update": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "delete": "REFERENCING OLD TABLE AS old_rows",
}


def _postgresql_install() -> list[str]:
    statements = list(_PG_FUNCTIONS.values())
    for table, kind in tables().items():
        for event in EVENTS:
            name = _name(table, event)
            statements.append(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            statements.append(
                f"CREATE TRIGGER {name} AFTER {event.upper()} ON {table} {_PG_REFERENCING[event]} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {_PG_FUNCTION_NAMES[kind]}()"
            )
    return statements


def _postgresql_uninstall() -> list[str]:
    statements = [f"DROP TRIGGER IF EXISTS {_name(t, e)} ON {t}" for t in tables() for e in EVENTS]
    statements += [f"DROP FUNCTION IF EXISTS {name}()" for name in _PG_FUNCTION_NAMES.values()]
    return statements


# ---------------------------------------------------------------------------------------------
# SQLite


def _sqlite_values(kind: str, event: str) -> str:
    rows = {"insert": ["NEW"], "delete": ["OLD"], "update": ["OLD", "NEW"]}[event]
    if kind == "unit":
        values = [f"({row}.unit_id, NULL, CURRENT_TIMESTAMP)" for row in rows]
        values += [f"(COALESCE({row}.heir_unit_id, {row}.unit_id), NULL, CURRENT_TIMESTAMP)" for row in rows]
    elif kind == "person itself":
        values = [f"(NULL, {row}.id, CURRENT_TIMESTAMP)" for row in rows]
    elif kind == "person":
        values = [f"(NULL, {row}.person_id, CURRENT_TIMESTAMP)" for row in rows]
    else:
        values = ["(NULL, NULL, CURRENT_TIMESTAMP)"]
    return ", ".join(values)


def _sqlite_install() -> list[str]:
    statements = []
    for table, kind in tables().items():
        for event in EVENTS:
            name = _name(table, event)
            statements.append(f"DROP TRIGGER IF EXISTS {name}")
            statements.append(
                f"CREATE TRIGGER {name} AFTER {event.upper()} ON {table} FOR EACH ROW BEGIN "
                f"INSERT INTO {DIRTY} (unit_id, person_id, created) VALUES {_sqlite_values(kind, event)}; END"
            )
    return statements


def _sqlite_uninstall() -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {_name(t, e)}" for t in tables() for e in EVENTS]


# ---------------------------------------------------------------------------------------------
# Installing


def install(connection) -> None:
    """Create (or re-create) the triggers on a database."""
    statements = {"postgresql": _postgresql_install, "sqlite": _sqlite_install}.get(connection.vendor)
    if statements is None:
        return
    with connection.cursor() as cursor:
        for statement in statements():
            cursor.execute(statement)


def uninstall(connection) -> None:
    """Drop the triggers from a database."""
    statements = {"postgresql": _postgresql_uninstall, "sqlite": _sqlite_uninstall}.get(connection.vendor)
    if statements is None:
        return
    with connection.cursor() as cursor:
        for statement in statements():
            cursor.execute(statement)


def installed(connection) -> set[str]:
    """Return the names of the triggers present on a database."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname LIKE 'reports_dirty_%' AND NOT tgisinternal")
        elif connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'reports_dirty_%'")
        else:
            return set()
        return {row[0] for row in cursor.fetchall()}


def expected() -> set[str]:
    """Return the names of every trigger ``install`` creates."""
    return {_name(table, event) for table in tables() for event in EVENTS}


def install_in_migration(apps, schema_editor) -> None:
    """Install the triggers on PostgreSQL (SQLite gets them after every ``migrate``, see the module docstring)."""
    if schema_editor.connection.vendor == "postgresql":
        install(schema_editor.connection)


def uninstall_in_migration(apps, schema_editor) -> None:
    """Drop the triggers (reversing the migration)."""
    uninstall(schema_editor.connection)


def drop_before_migrate(sender, using="default", **kwargs) -> None:
    """Drop the SQLite triggers before migrating, so that no table rebuild trips over them."""
    from django.db import connections

    connection = connections[using]
    if connection.vendor == "sqlite":
        uninstall(connection)


def install_after_migrate(sender, using="default", **kwargs) -> None:
    """Install the SQLite triggers after migrating, and mark every unit changed (writes made meanwhile)."""
    from django.db import connections

    connection = connections[using]
    if connection.vendor != "sqlite" or DIRTY not in connection.introspection.table_names():
        return
    install(connection)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {DIRTY} (unit_id, person_id, created) VALUES (NULL, NULL, CURRENT_TIMESTAMP)")
