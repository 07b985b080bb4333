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
    date_field = {"ket_qua": "completed_on", "van_bang": "obtained_on", "bo_nhiem": "appointed_on"}[kind]
    stored_date = {"ket_qua": "completed_on", "van_bang": "obtained_on", "bo_nhiem": "appointed_on"}[kind]
    for row, status in enumerate(resource.status):
        if status not in WRITTEN:
            continue
        person = persons[row] if row < len(persons) else None
        if person is None:
            continue
        record = resource.records[row]
        days = [resource.effective(date_field, row, record)]
        course = resource.value("course", row) if kind == "ket_qua" else None
        if kind == "ket_qua" and days[0] is None and course is not None:
            days[0] = course.end_date
        if record is not None:
            old = record.get(stored_date)
            if old is None and kind == "ket_qua" and course is not None:
                old = course.end_date
            days.append(old)
        for day in days:
            lock, _exception = index.lock_for(person.pk, day, appointment=kind == "bo_nhiem")
            if lock is not None:
                resource.add_error(row, date_field if date_field in resource.values else "person", _message(lock))
                resource.status[row] = "error"
                break


def _check_assignments(resource, index: LockIndex) -> None:
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

    def refuse(row: int, lock, field: str = "start_date") -> None:
        resource.add_error(row, field, _message(lock))
        resource.status[row] = "error"

    for row, status in enumerate(resource.status):
        if status not in WRITTEN:
            continue
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
        old = None
        if record is not None:
            old = SimpleNamespace(
                **{k: record.get(k) for k in ("unit_id", "category", "leadership_level", "start_date", "end_date")}
            )
            old.heir_unit_id = heirs.get(record["id"])
            new.heir_unit_id = old.heir_unit_id if new.unit_id == old.unit_id else None
        if new.unit_id is None:
            continue
        for unit_id, heir_id, start, end in changed_spans(old, new):
            lock, _exception = index.lock_for_stretch(unit_id, start, end, heir_id)
            if lock is not None:
                refuse(row, lock)
                break
    # The persons' stored assignments the file leaves out are deleted by the import.
    for record in resource.existing.values():
        if record["id"] in kept or record["person_id"] not in first_row:
            continue
        lock, _exception = index.lock_for_stretch(
            record["unit_id"], record["start_date"], record["end_date"], heirs.get(record["id"])
        )
        if lock is not None:
            refuse(first_row[record["person_id"]], lock, "person")


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
