"""Who does not meet an indicator, with what each is missing: the drill-down's rows, for pages and exports."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection, transaction

from personnel.models import Appointment, OrgUnit, Person
from targets import compliance
from targets.models import Indicator, IndicatorKind, Programme
from training.job_positions import missing_by_person

CHUNK = 2000  # rows read (and levels looked up) at a time in exports


@dataclass(frozen=True)
class UnmetRow:
    """A person (or one of their appointments) that does not meet an indicator, and what is missing."""

    person: Person
    appointment: Appointment | None
    missing: list[str]

    @property
    def missing_text(self) -> str:
        return "; ".join(str(text) for text in self.missing)


def by_appointment(indicator: Indicator) -> bool:
    """Return whether the indicator counts appointments rather than persons."""
    return indicator.kind == IndicatorKind.APPOINTMENT


def unmet_queryset(programme: Programme, indicator: Indicator, unit: OrgUnit, *, year: int, view: str = "today"):
    """Return the persons (or appointments) the view counts for the unit that do not meet the indicator."""
    return compliance.unmet(programme, indicator, unit, year=year, view=view)


def with_missing(
    programme: Programme, indicator: Indicator, rows: Iterable, *, year: int, as_of=None
) -> list[UnmetRow]:
    """Return the rows (persons or appointments from ``unmet``) with what each is missing (at ``as_of``:
    the unit's own evaluation date, default 31 December of the year)."""
    rows = list(rows)
    missing = compliance.missing_for(programme, indicator, rows, year=year, as_of=as_of)
    if indicator.kind == IndicatorKind.JOB_POSITION and rows:
        # What each person's job position still requires, worded course by course (a few queries per page).
        at = as_of or compliance.evaluation_date(programme, year=year)[1]
        detailed = missing_by_person([row.pk for row in rows], at)
        missing = {pk: detailed.get(pk, texts) for pk, texts in missing.items()}
    if by_appointment(indicator):
        return [UnmetRow(person=row.person, appointment=row, missing=missing[row.pk]) for row in rows]
    return [UnmetRow(person=row, appointment=None, missing=missing[row.pk]) for row in rows]


def iter_unmet(
    programme: Programme, indicator: Indicator, unit: OrgUnit, *, year: int, view: str = "today"
) -> Iterator[UnmetRow]:
    """Yield every row that does not meet the indicator, reading the database in chunks (a server-side cursor
    on PostgreSQL, planned to be read to its end)."""
    _year, at = compliance.unit_evaluation_date(programme, unit, year=year, view=view)
    batch = []
    with reading_to_the_end():
        for row in unmet_queryset(programme, indicator, unit, year=year, view=view).iterator(chunk_size=CHUNK):
            batch.append(row)
            if len(batch) == CHUNK:
                yield from with_missing(programme, indicator, batch, year=year, as_of=at)
                batch = []
        if batch:
            yield from with_missing(programme, indicator, batch, year=year, as_of=at)


@contextmanager
def reading_to_the_end():
    """On PostgreSQL, read a server-side cursor in a transaction that plans it for every row.

    PostgreSQL plans a cursor for its first tenth (``cursor_tuple_fraction`` 0.1): nested loops that answer
    the first rows at once, and the whole city's list several times slower (a city-wide list: 7 s instead of
    1 s). An export reads every row. In a transaction the cursor is also read as it goes, not copied whole
    first (``WITH HOLD``, which Django declares outside one). Not on SQLite, whose transactions here take the
    write lock (``BEGIN IMMEDIATE``): a download must not hold writers back.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(savepoint=False):
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL cursor_tuple_fraction = 1.0")
        yield
