"""Spreadsheet imports meet approved years: every new or changed row that would change an approved unit's
figures is refused, row by row (the whole file is then refused and nothing is written).

``check_locked_rows`` is called by ``exchange.resources.TemplateResource.check`` once the rows are parsed and
compared (so that a row left unchanged by a re-import is never refused); it reads the locks once for the
whole file (``approvals.locks.LockIndex``) and asks nothing per row.
"""

from __future__ import annotations

from types import SimpleNamespace

from personnel.models import Assignment

from .locks import LockIndex, YearLocked, changed_spans, person_placement_spans

WRITTEN = ("new", "updated")


def _message(lock) -> str:
    return str(YearLocked(lock).messages[0])


def check_locked_rows(resource) -> None:
    """Add an error to each row of ``resource`` (a checked import) that falls in a locked year."""
    kind = resource.kind
    if kind not in ("ket_qua", "van_bang", "bo_nhiem", "qua_trinh_cong_tac", "nhan_su"):
        return
    persons = resource.values.get("person") or []
    index = LockIndex()
    if not index.locked:
        return
    if kind == "nhan_su":
        _check_personnel(resource, index)
        return
    index.add_persons(p.pk for p in persons if p is not None)
    if kind == "qua_trinh_cong_tac":
        _check_assignments(resource, index)
        return
    _check_dated(resource, index, persons)


# The date that places a row of these kinds in a year (the same name in the file and in the stored row).
DATE_FIELDS = {"ket_qua": "completed_on", "van_bang": "obtained_on", "bo_nhiem": "appointed_on"}


def _check_dated(resource, index: LockIndex, persons: list) -> None:
    """Refuse the rows of results, qualifications or appointments whose new or stored date is locked."""
    kind = resource.kind
    date_field = DATE_FIELDS[kind]
    for row, status in enumerate(resource.status):
        if status not in WRITTEN:
            continue
        person = persons[row] if row < len(persons) else None
        if person is None:
            continue
        for day in _row_days(resource, row, date_field):
            lock, _exception = index.lock_for(person.pk, day, appointment=kind == "bo_nhiem")
            if lock is not None:
                resource.add_error(row, date_field if date_field in resource.values else "person", _message(lock))
                resource.status[row] = "error"
                break


def _row_days(resource, row: int, date_field: str) -> list:
    """Return the row's new date, then its stored one when it updates a row; a result without a completion
    date counts on its course's end."""
    record = resource.records[row]
    days = [resource.effective(date_field, row, record)]
    course = resource.value("course", row) if resource.kind == "ket_qua" else None
    if days[0] is None and course is not None:
        days[0] = course.end_date
    if record is not None:
        old = record.get(date_field)
        if old is None and course is not None:
            old = course.end_date
        days.append(old)
    return days


def _check_assignments(resource, index: LockIndex) -> None:
    """Refuse the rows of assignments that would change an approved year, and the persons' stored assignments
    (on the person's first row) the file leaves out when one lies in an approved year."""
    persons = resource.values.get("person") or []
    kept, first_row = set(), {}
    for row, person in enumerate(persons):
        if person is not None:
            first_row.setdefault(person.pk, row)
        record = resource.records[row]
        if record is not None:
            kept.add(record["id"])
    heirs = dict(
        Assignment.objects.filter(person_id__in=list(first_row)).values_list("pk", "heir_unit_id")
    ) if first_row else {}  # fmt: skip
    for row, status in enumerate(resource.status):
        if status not in WRITTEN:
            continue
        old, new = _assignment_change(resource, row, heirs)
        if new.unit_id is None:
            continue
        for unit_id, heir_id, start, end in changed_spans(old, new):
            lock, _exception = index.lock_for_stretch(unit_id, start, end, heir_id)
            if lock is not None:
                _refuse(resource, row, lock, "start_date")
                break
    # The persons' stored assignments the file leaves out are deleted by the import.
    for record in resource.existing.values():
        if record["id"] in kept or record["person_id"] not in first_row:
            continue
        lock, _exception = index.lock_for_stretch(
            record["unit_id"], record["start_date"], record["end_date"], heirs.get(record["id"])
        )
        if lock is not None:
            _refuse(resource, first_row[record["person_id"]], lock, "person")


def _refuse(resource, row: int, lock, field: str) -> None:
    """Mark the row refused, with the lock's message on ``field``."""
    resource.add_error(row, field, _message(lock))
    resource.status[row] = "error"


def _assignment_change(resource, row: int, heirs: dict) -> tuple[SimpleNamespace | None, SimpleNamespace]:
    """Return the stored assignment a row updates (None for a new one) and the assignment it would become
    (which keeps the stored heir while it stays in the same unit)."""
    unit = resource.value("unit", row)
    record = resource.records[row]
    new = SimpleNamespace(
        unit_id=unit.pk if unit is not None else None,
        heir_unit_id=None,
        category=resource.effective("category", row, record),
        leadership_level=resource.effective("leadership_level", row, record),
        start_date=resource.value("start_date", row),
        end_date=resource.effective("end_date", row, record),
    )
    if record is None:
        return None, new
    old = SimpleNamespace(
        **{k: record.get(k) for k in ("unit_id", "category", "leadership_level", "start_date", "end_date")}
    )
    old.heir_unit_id = heirs.get(record["id"])
    new.heir_unit_id = old.heir_unit_id if new.unit_id == old.unit_id else None
    return old, new


def _check_personnel(resource, index: LockIndex) -> None:
    """Refuse the personnel rows whose placement (``locks.person_placement_spans``) would change an approved year."""
    from django.utils import timezone

    today = timezone.localdate()
    index.add_persons(record["id"] for record in resource.records if record is not None)
    for row, status in enumerate(resource.status):
        if status not in WRITTEN:
            continue
        record = resource.records[row]
        unit = resource.value("unit", row)
        if unit is None:
            continue
        spans = person_placement_spans(
            stored=record,
            history=index.assignments.get(record["id"], []) if record is not None else [],
            unit=unit,
            category=resource.effective("category", row, record),
            leadership_level=resource.effective("leadership_level", row, record),
            start_date=resource.effective("start_date", row, record),
            end_date=resource.effective("end_date", row, record),
            today=today,
        )
        for unit_id, heir_id, span_start, span_end in spans:
            lock, _exception = index.lock_for_stretch(unit_id, span_start, span_end, heir_id)
            if lock is not None:
                resource.add_error(row, "unit", _message(lock))
                resource.status[row] = "error"
                break
