"""Units over time and people's assignments: the rules of ``organisation-history.md``.

- ``closed_unit_error`` / ``check_assignment_rows``: the one place that says whether a unit can hold an
  assignment over a period, and whether a person's assignments overlap. Forms, the API, imports,
  transfers and reorganisations call them.
- ``replace_history``, ``transfer``, ``sync_person_assignments``: the writes. Each keeps the person's
  own row (unit, category, leadership level, position, first and last day) equal to their history, and
  the heir units of their assignments right.
- ``refresh_heirs``: the unit of today's tree that inherits each assignment's people (view ``today``).

Dates are half-open: an assignment runs from ``start_date`` (included; empty: since before records
began) until ``end_date`` (excluded; empty: still running).
"""

from __future__ import annotations

import datetime
import itertools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Assignment, OrganisationState, OrgUnit, Person, UnitSuccession


def _day(value: datetime.date | None) -> str:
    return f"{value:%d/%m/%Y}" if value else ""


# ---------------------------------------------------------------------------------------------
# Rules


def closed_unit_error(
    unit: OrgUnit, start: datetime.date | None, end: datetime.date | None, *, check_opening: bool = True
) -> str | None:
    """Return why ``unit`` cannot hold someone from ``start`` until ``end`` (None when it can): the one rule,
    ``OrgUnit.placement_error``."""
    return unit.placement_error(start, end, check_opening=check_opening)


@dataclass
class Stretch:
    """An assignment as read from a form, an API call or a spreadsheet row (not yet saved)."""

    unit: OrgUnit
    category: str
    leadership_level: int = 0
    position_title: str = ""
    start_date: datetime.date | None = None
    end_date: datetime.date | None = None
    label: str = ""  # how the caller names the row in messages ("dòng 5")
    job_position: object = None  # a personnel.JobPosition, or None


def check_stretches(stretches: list[Stretch]) -> list[tuple[Stretch, str]]:
    """Return (row, reason) for each problem of one person's whole history: a row ending before it
    starts, a unit not open over the row, rows that overlap."""
    problems = []
    for stretch in stretches:
        if stretch.start_date and stretch.end_date and stretch.end_date <= stretch.start_date:
            problems.append((stretch, _("Ngày kết thúc phải sau ngày bắt đầu.")))
            continue
        error = closed_unit_error(stretch.unit, stretch.start_date, stretch.end_date)
        if error:
            problems.append((stretch, error))
    ordered = sorted(stretches, key=lambda s: (s.start_date is not None, s.start_date or datetime.date.min))
    for before, after in itertools.pairwise(ordered):
        if before.end_date is None or after.start_date is None or before.end_date > after.start_date:
            problems.append(
                (
                    after,
                    _("Trùng thời gian với quá trình công tác từ %(start)s.")
                    % {"start": _day(before.start_date) or "…"},
                )
            )
    return problems


def raise_if_invalid(stretches: list[Stretch]) -> None:
    """Raise ``ValidationError`` with every problem of ``check_stretches``."""
    problems = check_stretches(stretches)
    if problems:
        raise ValidationError([f"{s.label}: {reason}" if s.label else reason for s, reason in problems])


# ---------------------------------------------------------------------------------------------
# Writes


def sync_persons(person_ids: Iterable[int]) -> None:
    """Set each person's unit, category, leadership level, position and first/last day from their history.

    The latest assignment (by start) gives unit, category, leadership level and position; the first day is
    the earliest start (empty if any is empty) and the last day the latest assignment's end.
    """
    person_ids = list(person_ids)
    latest: dict[int, Assignment] = {}
    first: dict[int, datetime.date | None] = {}
    for start in range(0, len(person_ids), 2000):
        chunk = person_ids[start : start + 2000]
        for assignment in Assignment.objects.filter(person_id__in=chunk).in_order():
            latest[assignment.person_id] = assignment
            if assignment.person_id not in first:
                first[assignment.person_id] = assignment.start_date
    changed = []
    for person in Person.objects.filter(pk__in=list(latest)).only(
        "id", "unit_id", "category", "leadership_level", "position_title", "start_date", "end_date", "version"
    ):
        a = latest[person.pk]
        values = {
            "unit_id": a.unit_id,
            "category": a.category,
            "leadership_level": a.leadership_level,
            "position_title": a.position_title,
            "start_date": first[person.pk],
            "end_date": a.end_date,
        }
        if any(getattr(person, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(person, name, value)
            person.version += 1
            changed.append(person)
    Person.objects.bulk_update(changed, [*values_fields(), "version"], batch_size=1000)


def values_fields() -> list[str]:
    return ["unit_id", "category", "leadership_level", "position_title", "start_date", "end_date"]


@transaction.atomic
def replace_history(*, person: Person, stretches: list[Stretch]) -> list[Assignment]:
    """Replace a person's whole history with ``stretches`` (all or nothing) and return the new rows."""
    raise_if_invalid(stretches)
    person.assignments.all().delete()
    rows = Assignment.objects.bulk_create([_assignment(person, s) for s in stretches])
    sync_persons([person.pk])
    refresh_heirs(person_ids=[person.pk])
    return rows


@transaction.atomic
def transfer(
    *,
    person: Person,
    unit: OrgUnit,
    on: datetime.date,
    category: str | None = None,
    leadership_level: int | None = None,
    position_title: str | None = None,
    job_position=None,
) -> Assignment:
    """Move a person to ``unit`` from ``on`` (chuyển công tác): the assignment covering ``on`` ends that
    day and a new one starts, with the same category, leadership level, position and job position
    (``JobPosition``) unless given.

    Assignments starting after ``on`` are kept: a transfer is recorded in the person's history, it does
    not rewrite what came after it. Raises ``ValidationError`` (nothing written) when the unit is not
    open from ``on`` or the person is not employed on ``on``.
    """
    assignments = list(Assignment.objects.select_for_update().filter(person=person).in_order())
    current = next((a for a in assignments if a.covers(on)), None)
    if current is None:
        raise ValidationError(_("Cán bộ không công tác vào ngày %(date)s.") % {"date": _day(on)})
    later = [a for a in assignments if a.start_date is not None and a.start_date > on]
    end = later[0].start_date if later else current.end_date
    new = Assignment(
        person=person,
        unit=unit,
        category=category if category is not None else current.category,
        leadership_level=leadership_level if leadership_level is not None else current.leadership_level,
        position_title=position_title if position_title is not None else current.position_title,
        job_position_id=job_position.pk if job_position is not None else current.job_position_id,
        start_date=on,
        end_date=end,
    )
    error = closed_unit_error(unit, on, end)
    if error:
        raise ValidationError(error)
    if current.start_date == on:  # the stretch starts that very day: the transfer replaces it
        current.delete()
    else:
        current.end_date = on
        current.save(update_fields=["end_date"])
    new.save()
    sync_persons([person.pk])
    refresh_heirs(person_ids=[person.pk])
    return new


def _stretch(a: Assignment) -> Stretch:
    return Stretch(
        unit=a.unit,
        category=a.category,
        leadership_level=a.leadership_level,
        position_title=a.position_title,
        start_date=a.start_date,
        end_date=a.end_date,
    )


def person_row_stretch(person: Person, unit: OrgUnit) -> Stretch:
    """Return the one assignment a personnel row describes: in its unit, from the later of its start and
    the unit's opening, until its leaving date."""
    start = person.start_date
    if unit.opened_on is not None and (start is None or start < unit.opened_on):
        start = unit.opened_on
    return Stretch(
        unit=unit,
        category=person.category,
        leadership_level=person.leadership_level,
        position_title=person.position_title,
        start_date=start,
        end_date=person.end_date,
    )


def sync_person_assignments(person_ids: Iterable[int], *, today: datetime.date | None = None) -> dict[int, str]:
    """Bring the assignments of persons whose personnel row was just written in line with it (in chunks);
    see ``_sync_chunk``."""
    person_ids = list(person_ids)
    outcome: dict[int, str] = {}
    for start in range(0, len(person_ids), 2000):
        outcome.update(_sync_chunk(person_ids[start : start + 2000], today=today))
    return outcome


def _sync_chunk(person_ids: list[int], *, today: datetime.date | None = None) -> dict[int, str]:
    """Bring the assignments of persons whose personnel row was just written in line with it.

    A person with no assignment gets the one their row describes; a person with one has it set to the row
    (a correction); a person with a history whose row names another unit, category or leadership level
    while still employed is transferred today (organisation-history.md, section 3); their last day is
    taken from the row. Returns {person id: "created" | "corrected" | "transferred"} for those changed.
    """
    today = today or timezone.localdate()
    person_ids = list(person_ids)
    persons = {p.pk: p for p in Person.objects.filter(pk__in=person_ids).select_related("unit")}
    by_person: dict[int, list[Assignment]] = defaultdict(list)
    for a in Assignment.objects.filter(person_id__in=person_ids).select_related("unit").in_order():
        by_person[a.person_id].append(a)
    created, updated, outcome = [], [], {}
    for pk, person in persons.items():
        history = by_person.get(pk, [])
        wanted = person_row_stretch(person, person.unit)
        if not history:
            created.append(_assignment(person, wanted))
            outcome[pk] = "created"
            continue
        last = history[-1]
        moved = (last.unit_id, last.category, last.leadership_level) != (
            person.unit_id,
            person.category,
            person.leadership_level,
        )
        if moved and len(history) > 1 and last.covers(today) and (last.start_date or datetime.date.min) < today:
            last.end_date = today
            updated.append(last)
            new = _assignment(person, wanted)
            new.start_date, new.end_date = today, person.end_date
            created.append(new)
            outcome[pk] = "transferred"
            continue
        if len(history) == 1:
            fields = {
                "unit_id": person.unit_id,
                "category": wanted.category,
                "leadership_level": wanted.leadership_level,
                "position_title": wanted.position_title,
                "start_date": wanted.start_date,
                "end_date": wanted.end_date,
            }
        else:  # a history: the row may still correct the latest stretch's position and last day
            fields = {"position_title": person.position_title, "end_date": person.end_date}
        if any(getattr(last, name) != value for name, value in fields.items()):
            for name, value in fields.items():
                setattr(last, name, value)
            updated.append(last)
            outcome[pk] = "corrected"
    Assignment.objects.bulk_update(
        updated,
        ["unit_id", "category", "leadership_level", "position_title", "start_date", "end_date"],
        batch_size=1000,
    )
    Assignment.objects.bulk_create(created, batch_size=2000)
    changed = list(outcome)
    if changed:
        sync_persons(changed)
        refresh_heirs(person_ids=changed)
    return outcome


def first_assignments(
    persons: list[Person], units: dict[int, OrgUnit], *, today: datetime.date | None = None
) -> list[tuple[Stretch, int | None]]:
    """Return the one assignment (and its heir unit, None for an open unit) of each person about to be created from
    a personnel row, and set each person's first day to that assignment's start: what ``sync_person_assignments``
    does for a person with no history (``_sync_chunk``, ``sync_persons``, ``refresh_heirs``), computed before the
    persons are written, for a bulk write of thousands of new persons that reads nothing back.

    ``units`` holds {id: unit} of the persons' units (their opening dates). The caller writes the assignments,
    then calls ``mark_heirs_computed`` as ``refresh_heirs`` would.
    """
    today = today or timezone.localdate()
    tree = _units()
    placed = []
    for person in persons:
        stretch = person_row_stretch(person, units[person.unit_id])
        if person.start_date != stretch.start_date:  # sync_persons: the first day is the first assignment's start
            person.start_date = stretch.start_date
            person.version += 1
        starts = {stretch.start_date: person.unit_id} if stretch.start_date is not None else {}
        heir = heir_unit(person.unit_id, starts, tree, today)
        placed.append((stretch, None if heir == person.unit_id else heir))
    return placed


def _assignment(person: Person, stretch: Stretch) -> Assignment:
    """Return the (unsaved) assignment a stretch describes for a person."""
    return Assignment(
        person_id=person.pk,
        unit=stretch.unit,
        category=stretch.category,
        leadership_level=stretch.leadership_level,
        position_title=stretch.position_title,
        job_position=stretch.job_position,
        start_date=stretch.start_date,
        end_date=stretch.end_date,
    )


# ---------------------------------------------------------------------------------------------
# Heir units (view ``today``)


@dataclass(frozen=True)
class _Unit:
    closed_on: datetime.date | None
    path: str
    successors: tuple[int, ...]
    primary: int | None


def _units() -> dict[int, _Unit]:
    successors: dict[int, list[tuple[int, bool]]] = defaultdict(list)
    for link in UnitSuccession.objects.order_by("order", "pk").values("predecessor_id", "successor_id", "is_primary"):
        successors[link["predecessor_id"]].append((link["successor_id"], link["is_primary"]))
    units = {}
    for pk, closed_on, path in OrgUnit.objects.values_list("pk", "closed_on", "path"):
        links = successors.get(pk, [])
        primary = next((s for s, is_primary in links if is_primary), links[0][0] if links else None)
        units[pk] = _Unit(closed_on, path, tuple(s for s, _p in links), primary)
    return units


def heir_unit(unit_id: int, starts: dict[datetime.date, int], units: dict[int, _Unit], today: datetime.date) -> int:
    """Return the unit of today's tree that inherits a person from ``unit_id`` (organisation-history.md, 5).

    While the unit is closed today, move on: to the unit of the person's own assignment that starts on
    its closing date in one of its successors or below one (``starts``: {start date: unit id} of the
    person's assignments), otherwise to its primary successor.
    """
    seen = set()
    while unit_id not in seen:
        unit = units.get(unit_id)
        if unit is None or unit.closed_on is None or unit.closed_on > today:
            return unit_id
        seen.add(unit_id)
        moved_to = starts.get(unit.closed_on)
        if (
            moved_to is not None
            and moved_to in units
            and any(units[moved_to].path.startswith(units[s].path) for s in unit.successors if s in units)
        ):
            unit_id = moved_to
        elif unit.primary is not None:
            unit_id = unit.primary
        else:
            return unit_id
    return unit_id


def refresh_heirs(*, person_ids: Iterable[int] | None = None, today: datetime.date | None = None) -> int:
    """Recompute the heir unit of the assignments of ``person_ids`` (default: everyone); return how many
    changed. An assignment whose unit is open today stores no heir (it is its own)."""
    today = today or timezone.localdate()
    units = _units()
    closed = [pk for pk, u in units.items() if u.closed_on is not None and u.closed_on <= today]
    columns = ("pk", "person_id", "unit_id", "start_date", "heir_unit_id")
    by_person: dict[int, list[tuple[int, int, int, datetime.date | None, int | None]]] = defaultdict(list)
    if person_ids is not None:
        person_ids = list(person_ids)
        for start in range(0, len(person_ids), 5000):
            rows = Assignment.objects.filter(person_id__in=person_ids[start : start + 5000]).order_by()
            for row in rows.values_list(*columns):
                by_person[row[1]].append(row)
    else:
        # Everyone who was ever in a closed unit, and every stored heir (a closing may have been taken back);
        # a plain scan (no ordering, no join) of the assignments: one pass even at city scale.
        closed_ids = set(closed)
        for row in Assignment.objects.order_by().values_list(*columns).iterator(chunk_size=10_000):
            by_person[row[1]].append(row)
        by_person = {
            person: rows
            for person, rows in by_person.items()
            if any(unit_id in closed_ids or heir is not None for _pk, _p, unit_id, _s, heir in rows)
        }
    changed = []
    for assignments in by_person.values():
        starts = {start: unit_id for _pk, _person, unit_id, start, _heir in assignments if start is not None}
        for pk, _person, unit_id, _start, stored in assignments:
            heir = heir_unit(unit_id, starts, units, today)
            wanted = None if heir == unit_id else heir
            if wanted != stored:
                changed.append(Assignment(pk=pk, heir_unit_id=wanted))
    Assignment.objects.bulk_update(changed, ["heir_unit_id"], batch_size=2000)
    mark_heirs_computed(today)
    return len(changed)


def mark_heirs_computed(today: datetime.date) -> None:
    """Record that heir units are computed as of ``today`` (``ensure_heirs_current``)."""
    if not OrganisationState.objects.filter(pk=1).update(heirs_as_of=today):
        OrganisationState.objects.bulk_create([OrganisationState(pk=1, heirs_as_of=today)], ignore_conflicts=True)


def ensure_heirs_current(today: datetime.date | None = None) -> None:
    """Recompute every heir when a unit's closing date has been reached since they were computed (one query
    when nothing is due)."""
    today = today or timezone.localdate()
    memo = f"personnel:heirs-checked:{today.isoformat()}"
    if cache.get(memo):  # checked today already: closing dates written since recomputed them (refresh_heirs)
        return
    state = OrganisationState._meta.db_table
    unit = OrgUnit._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT heirs_as_of FROM {state} WHERE id = 1), "  # noqa: S608 (table names from the models' _meta; the date is bound)
            f"(SELECT MAX(closed_on) FROM {unit} WHERE closed_on <= %s)",
            [today],
        )
        computed, last_closing = cursor.fetchone()
    if isinstance(computed, str):  # SQLite returns dates of raw queries as text
        computed = datetime.date.fromisoformat(computed)
    if isinstance(last_closing, str):
        last_closing = datetime.date.fromisoformat(last_closing)
    if last_closing is not None and (computed is None or computed < last_closing):
        refresh_heirs(today=today)
    cache.set(memo, True, 24 * 3600)
