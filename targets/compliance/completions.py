"""The summary of completions: per person, every course type completed and every level granted, with the dates.

An indicator's course test asks whether a person completed a course of some types within a window up to T;
a level test whether a course granted at least some level by T. At city scale, answering them by folding
the 2.4 million training records took half of the engine's time. PostgreSQL keeps instead one row per person
(``targets_completion``) holding one ``int8multirange`` of numbered (key, day) points, where a key is
``t:<course type>`` for each type of a completed course and ``g:<kind>:<L>`` for each level L from 0 to the
level the course grants (so "a level of at least L by T" is one key). A completion of key number k on day d
is the point ``k * 2^32 + (d - 2000-01-01) + 2^31``: a key's days are one block of numbers, in date order,
and every date fits. A test is then one overlap of the person's points with a few constant ranges
(built once per statement), with no join and no aggregate.

Kept by statement-level triggers in the writing transaction, whatever writes (the services, the admin,
``QuerySet.update``, ``COPY``, psql): a write to training records recomputes the summary of the persons
written; a course whose date, granted level or types change recomputes the persons who completed it.
Concurrent writers of one person's records take turns on that person's row (``FOR NO KEY UPDATE``), and each
then reads what the other committed. A load that skips triggers (``session_replication_role = replica``)
must call ``rebuild`` afterwards.

The day counted is the record's completion date, else its course's end date, as everywhere
(``TrainingRecord.objects.with_counted_date``). SQLite keeps no summary: the engine folds the records there.
"""

from __future__ import annotations

import datetime

from django.db import connection

from personnel.choices import QualificationKind
from training.choices import TrainingResult

TABLE = "targets_completion"
KEYS = "targets_completionkey"
EPOCH = datetime.date(2000, 1, 1)
BLOCK = 2**32  # numbers per key
MIDDLE = 2**31  # the number of EPOCH within a key's block


def type_key(code: str) -> str:
    """Return the key of completing a course of a type."""
    return f"t:{code}"


def grant_key(kind: str, level: int) -> str:
    """Return the key of completing a course that grants at least ``level`` (0 or more) of ``kind``."""
    return f"g:{kind}:{level}"


def qualification_key(kind: str, level: int) -> str:
    """Return the key of holding a qualification of at least ``level`` (0 or more) of ``kind``."""
    return f"q:{kind}:{level}"


def offset(day: datetime.date) -> int:
    """Return the place of ``day`` within a key's block of numbers."""
    return (day - EPOCH).days + MIDDLE


def kept(using=None) -> bool:
    """Return whether the database keeps the summary (PostgreSQL)."""
    return (using or connection).vendor == "postgresql"


# ---------------------------------------------------------------------------------------------
# PostgreSQL

# Every (person, key, point within the key's block) of the completed records and the qualifications of the
# persons matching ``{persons}`` (a qualification without a date counts from the earliest date: point 0).
_ENTRIES = """
    SELECT r.person_id, 't:' || ct.coursetype_id AS key,
           COALESCE(r.completed_on, c.end_date) - DATE '{epoch}' + {middle} AS day
    FROM training_trainingrecord r JOIN training_course c ON c.id = r.course_id
         JOIN training_course_types ct ON ct.course_id = c.id
    WHERE r.result = '{completed}' AND {persons}
    UNION ALL
    SELECT r.person_id, 'g:' || c.grants_kind || ':' || g.l,
           COALESCE(r.completed_on, c.end_date) - DATE '{epoch}' + {middle}
    FROM training_trainingrecord r JOIN training_course c ON c.id = r.course_id
         CROSS JOIN LATERAL generate_series(0, c.grants_level) AS g(l)
    WHERE r.result = '{completed}' AND c.grants_kind IS NOT NULL AND {persons}
    UNION ALL
    SELECT r.person_id, 'q:' || r.kind || ':' || g.l, COALESCE(r.obtained_on - DATE '{epoch}' + {middle}, 0)
    FROM personnel_qualification r CROSS JOIN LATERAL generate_series(0, r.level) AS g(l)
    WHERE {persons}
"""


def _fill(persons: str) -> str:
    """Return the statements that number new keys and write the summary rows of the persons matching ``persons``."""
    entries = _ENTRIES.format(completed=TrainingResult.COMPLETED, persons=persons, epoch=EPOCH, middle=MIDDLE)
    return f"""
    INSERT INTO {KEYS} (key) SELECT DISTINCT e.key FROM ({entries}) e ORDER BY 1 ON CONFLICT (key) DO NOTHING;
    INSERT INTO {TABLE} (person_id, completed)
    SELECT e.person_id,
           range_agg(int8range(k.id * {BLOCK} + e.day, k.id * {BLOCK} + e.day, '[]'))
    FROM ({entries}) e JOIN {KEYS} k ON k.key = e.key
    GROUP BY e.person_id;"""


def _tables() -> list[str]:
    # The keys' numbers are never emptied, not even by ``flush`` (this is not a model's table): a key is
    # numbered once, by the transaction that creates its course type (or at install), so that writers of
    # records never wait on one another's uncommitted number (only a level above the ladders' 6 is numbered
    # when first met).
    levels = range(0, 7)
    known = [grant_key(kind, level) for kind in QualificationKind.values for level in levels]
    known += [qualification_key(kind, level) for kind in QualificationKind.values for level in levels]
    return [
        f"""CREATE TABLE IF NOT EXISTS {KEYS} (
    id integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, key text NOT NULL UNIQUE)""",
        f"INSERT INTO {KEYS} (key) SELECT unnest(ARRAY[{', '.join(repr(k) for k in known)}]::text[]) "
        "ON CONFLICT (key) DO NOTHING",
        f"INSERT INTO {KEYS} (key) SELECT 't:' || code FROM training_coursetype ORDER BY code "
        "ON CONFLICT (key) DO NOTHING",
    ]


def _functions() -> list[str]:
    return [
        f"""
CREATE OR REPLACE FUNCTION targets_completion_refresh(persons bigint[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF persons IS NULL OR cardinality(persons) = 0 THEN
        RETURN;
    END IF;
    -- Writers of one person take turns; each statement below then reads what the others committed.
    PERFORM 1 FROM personnel_person WHERE id = ANY(persons) ORDER BY id FOR NO KEY UPDATE;
    DELETE FROM {TABLE} WHERE person_id = ANY(persons);
    {_fill("r.person_id = ANY(persons)")}
END;
$$""",
        f"""
CREATE OR REPLACE FUNCTION targets_completion_rebuild() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    LOCK TABLE training_trainingrecord IN SHARE MODE;
    TRUNCATE {TABLE};
    {_fill("TRUE")}
END;
$$""",
        """
CREATE OR REPLACE FUNCTION targets_completion_by_record() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM targets_completion_refresh(ARRAY(SELECT DISTINCT person_id FROM new_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM targets_completion_refresh(ARRAY(SELECT DISTINCT person_id FROM old_rows));
    ELSE
        PERFORM targets_completion_refresh(ARRAY(
            SELECT person_id FROM new_rows UNION SELECT person_id FROM old_rows));
    END IF;
    RETURN NULL;
END;
$$""",
        """
CREATE OR REPLACE FUNCTION targets_completion_by_course() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM targets_completion_refresh(ARRAY(
        SELECT DISTINCT r.person_id FROM training_trainingrecord r
        WHERE r.course_id IN (
            SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
            WHERE (n.end_date, n.grants_kind, n.grants_level)
                  IS DISTINCT FROM (o.end_date, o.grants_kind, o.grants_level))));
    RETURN NULL;
END;
$$""",
        """
CREATE OR REPLACE FUNCTION targets_completion_by_course_type() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM targets_completion_refresh(ARRAY(
            SELECT DISTINCT r.person_id FROM training_trainingrecord r
            WHERE r.course_id IN (SELECT course_id FROM new_rows)));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM targets_completion_refresh(ARRAY(
            SELECT DISTINCT r.person_id FROM training_trainingrecord r
            WHERE r.course_id IN (SELECT course_id FROM old_rows)));
    ELSE
        PERFORM targets_completion_refresh(ARRAY(
            SELECT DISTINCT r.person_id FROM training_trainingrecord r
            WHERE r.course_id IN (SELECT course_id FROM new_rows UNION SELECT course_id FROM old_rows)));
    END IF;
    RETURN NULL;
END;
$$""",
        f"""
CREATE OR REPLACE FUNCTION targets_completion_new_type() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {KEYS} (key) SELECT 't:' || code FROM new_rows ORDER BY code ON CONFLICT (key) DO NOTHING;
    RETURN NULL;
END;
$$""",
        f"""
CREATE OR REPLACE FUNCTION targets_completion_emptied() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Not TRUNCATE: the statement that emptied the records may be emptying this table too (``flush``).
    DELETE FROM {TABLE};
    RETURN NULL;
END;
$$""",
    ]


def _triggers() -> list[str]:
    statements = []
    for table, function, events in (
        ("training_trainingrecord", "targets_completion_by_record", ("insert", "update", "delete")),
        ("training_course", "targets_completion_by_course", ("update",)),
        ("training_course_types", "targets_completion_by_course_type", ("insert", "update", "delete")),
        ("personnel_qualification", "targets_completion_by_record", ("insert", "update", "delete")),
        ("training_coursetype", "targets_completion_new_type", ("insert", "update")),
    ):
        for event in events:
            transition = {
                "insert": "NEW TABLE AS new_rows",
                "delete": "OLD TABLE AS old_rows",
                "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
            }[event]
            name = f"targets_completion_{table}_{event}"
            statements += [
                f"DROP TRIGGER IF EXISTS {name} ON {table}",
                f"CREATE TRIGGER {name} AFTER {event.upper()} ON {table} REFERENCING {transition} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
            ]
    statements += [
        "DROP TRIGGER IF EXISTS targets_completion_training_trainingrecord_truncate ON training_trainingrecord",
        "CREATE TRIGGER targets_completion_training_trainingrecord_truncate AFTER TRUNCATE ON training_trainingrecord "
        "FOR EACH STATEMENT EXECUTE FUNCTION targets_completion_emptied()",
    ]
    return statements


def install(using=None) -> None:
    """Create (or re-create) the functions and triggers that keep the summary, and fill it (PostgreSQL only)."""
    using = using or connection
    if not kept(using):
        return
    with using.cursor() as cursor:
        for statement in _tables() + _functions() + _triggers():
            cursor.execute(statement)
        cursor.execute("SELECT targets_completion_rebuild()")


def rebuild(cursor) -> None:
    """Recompute the whole summary from the training records (after a load that skipped triggers)."""
    cursor.execute("SELECT targets_completion_rebuild()")


def install_in_migration(apps, schema_editor) -> None:
    """Install the triggers and fill the summary (PostgreSQL)."""
    install(schema_editor.connection)


def uninstall_in_migration(apps, schema_editor) -> None:
    """Drop the triggers and functions (reversing the migration)."""
    if not kept(schema_editor.connection):
        return
    with schema_editor.connection.cursor() as cursor:
        for statement in _triggers():
            if statement.startswith("DROP TRIGGER"):
                cursor.execute(statement)
        for function in ("refresh(bigint[])", "rebuild()", "by_record()", "by_course()", "by_course_type()"):
            cursor.execute(f"DROP FUNCTION IF EXISTS targets_completion_{function}")
        cursor.execute("DROP FUNCTION IF EXISTS targets_completion_emptied()")
        cursor.execute("DROP FUNCTION IF EXISTS targets_completion_new_type()")
        cursor.execute(f"DROP TABLE IF EXISTS {KEYS}")
