"""Bulk writes of training records for system integrators: all or nothing, with per-item errors.

The items are rows of the ``ket_qua`` template (data-exchange, section 5) keyed by (person code,
course code). Persons, courses and existing records are read once for the whole batch, every item is
checked with the same rules as a single write, and only then is anything written, through the one upsert
of training records (``training.upsert``): new records in one bulk insert, changed ones in one bulk update,
each with its history row.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.roles import can_write
from accounts.scoping import visible_persons
from approvals.locks import LockIndex, YearLocked
from core.concurrency import StaleRecords
from training.models import Course, TrainingRecord
from training.rules import completion_date_errors
from training.upsert import upsert_records

from .serializers import BulkTrainingRecordItemSerializer

MAX_ITEMS = getattr(settings, "API_BULK_MAX_ITEMS", 5000)
FIELDS = ["result", "completed_on", "certificate_number"]


@dataclass
class BulkOutcome:
    """What a bulk write did (or, when ``errors`` is not empty, why it wrote nothing)."""

    errors: list[dict] = field(default_factory=list)
    results: list[dict] = field(default_factory=list)
    stale: bool = False  # refused because records were changed meanwhile (a 409, like a stale single edit)

    def summary(self) -> dict:
        """Return the answer to the caller: counts by status and one line per item."""
        counts = dict.fromkeys(("created", "updated", "unchanged"), 0)
        for result in self.results:
            counts[result["status"]] += 1
        return {**counts, "results": self.results}


def _error(index: int | None, field_name: str, messages) -> dict:
    return {"index": index, "field": field_name, "messages": [str(m) for m in messages]}


def _flatten(index: int | None, errors) -> list[dict]:
    """Return DRF serializer errors of one item as [{index, field, messages}]."""
    if isinstance(errors, dict):
        return [_error(index, name, messages) for name, messages in errors.items()]
    return [_error(index, "non_field_errors", errors)]


def upsert_training_records(*, items, user) -> BulkOutcome:
    """Create or update a training record for every item (keyed by person and course code), all or nothing."""
    if not can_write(user):  # the view already refuses; a service does not trust its caller
        raise PermissionDenied
    if refusal := _list_refusal(items):
        return BulkOutcome(errors=[_error(None, "non_field_errors", [refusal])])
    rows, errors = _parsed(items)
    persons, courses, existing = _read(rows, user)
    sorted_out = _Sorted()
    for index, row in rows:
        errors.extend(_sort_row(index, row, persons=persons, courses=courses, existing=existing, into=sorted_out))
    errors.extend(_locked(sorted_out, persons=persons, courses=courses))
    if errors:
        return BulkOutcome(errors=sorted(errors, key=lambda e: (e["index"] is not None, e["index"] or 0)))
    return _write(sorted_out, user=user)


def _list_refusal(items) -> str | None:
    """Return why the body as a whole is refused (not a list, empty, too long), or None."""
    if not isinstance(items, list):
        return _("Cần một danh sách các kết quả đào tạo.")
    if not items:
        return _("Danh sách không được để trống.")
    if len(items) > MAX_ITEMS:
        return _("Mỗi lần gửi tối đa %(max)s kết quả.") % {"max": MAX_ITEMS}
    return None


def _parsed(items) -> tuple[list[tuple[int, dict]], list[dict]]:
    """Return the items the serializer accepts, with their index, and the errors of the others."""
    rows, errors = [], []
    for index, item in enumerate(items):
        parsed = BulkTrainingRecordItemSerializer(data=item)
        if parsed.is_valid():
            rows.append((index, parsed.validated_data))
        else:
            errors.extend(_flatten(index, parsed.errors))
    return rows, errors


def _read(rows, user) -> tuple[dict, dict, dict]:
    """Return the persons in the user's scope and the courses the rows name (by code), and their stored records."""
    person_codes = {row["person"] for _index, row in rows}
    course_codes = {row["course"] for _index, row in rows}
    persons = {p.code: p for p in visible_persons(user).filter(code__in=person_codes).only("id", "code")}
    courses = {c.code: c for c in Course.objects.filter(code__in=course_codes)}
    existing = {
        (r.person_id, r.course_id): r
        for r in TrainingRecord.objects.filter(
            person_id__in=[p.pk for p in persons.values()], course_id__in=[c.pk for c in courses.values()]
        )
    }
    return persons, courses, existing


@dataclass
class _Sorted:
    """The items that passed their checks: new records, changed ones (their stored date kept), unchanged ones."""

    seen: dict[tuple[int, int], int] = field(default_factory=dict)
    new: list[tuple[int, TrainingRecord]] = field(default_factory=list)
    changed: list[tuple[int, TrainingRecord]] = field(default_factory=list)
    unchanged: list[tuple[int, TrainingRecord]] = field(default_factory=list)


def _sort_row(index: int, row: dict, *, persons, courses, existing, into: _Sorted) -> list[dict]:
    """Check one item (person and course found, not repeated, completion date) and file it; return its errors."""
    person, course = persons.get(row["person"]), courses.get(row["course"])
    errors = []
    if person is None:
        message = _("Không tìm thấy cán bộ mã “%(code)s” trong phạm vi bạn quản lý.") % {"code": row["person"]}
        errors.append(_error(index, "person", [message]))
    if course is None:
        message = _("Không tìm thấy khóa học mã “%(code)s”.") % {"code": row["course"]}
        errors.append(_error(index, "course", [message]))
    if errors:
        return errors
    key = (person.pk, course.pk)
    if key in into.seen:
        message = _("Trùng cán bộ và khóa học với phần tử thứ %(index)s.") % {"index": into.seen[key]}
        return [_error(index, "non_field_errors", [message])]
    into.seen[key] = index
    date_errors = completion_date_errors(course=course, result=row["result"], completed_on=row.get("completed_on"))
    if date_errors:
        return [_error(index, "completed_on", date_errors)]
    values = {
        "result": row["result"],
        "completed_on": row.get("completed_on"),
        "certificate_number": row.get("certificate_number") or "",
    }
    record = existing.get(key)
    if record is None:
        into.new.append((index, TrainingRecord(person=person, course=course, **values)))
    elif any(getattr(record, name) != value for name, value in values.items()):
        record._approvals_old_day = record.completed_on or course.end_date
        for name, value in values.items():
            setattr(record, name, value)
        into.changed.append((index, record))
    else:
        into.unchanged.append((index, record))
    return []


def _locked(sorted_out: _Sorted, *, persons, courses) -> list[dict]:
    """approvals.locks: an item that would change an approved year's figures is refused, item by item."""
    locks = LockIndex(p.pk for p in persons.values())
    course_ends = {c.pk: c.end_date for c in courses.values()}
    errors = []
    for index, record in [*sorted_out.new, *sorted_out.changed]:
        days = [record.completed_on or course_ends[record.course_id]]
        if hasattr(record, "_approvals_old_day"):  # a changed record: its stored date counts too
            days.append(record._approvals_old_day)
        for day in days:
            lock, _exception = locks.lock_for(record.person_id, day)
            if lock is not None:
                errors.append({**_error(index, "completed_on", [YearLocked(lock).messages[0]]), "code": "year_locked"})
                break
    return errors


def _write(sorted_out: _Sorted, *, user) -> BulkOutcome:
    """Write every item through the one upsert of training records; a record saved meanwhile refuses them all.

    The records read and found changed carry the version read (core.concurrency: one saved by someone else since
    refuses the whole write).
    """
    written = sorted(
        [
            *((index, {**_row(record), "version": record.version}) for index, record in sorted_out.changed),
            *((index, _row(record)) for index, record in [*sorted_out.new, *sorted_out.unchanged]),
        ],
        key=lambda item: item[0],
    )
    try:
        with transaction.atomic():  # a refusal rolls back to here: the request goes on to answer 409
            done = upsert_records(
                rows=[row for _index, row in written], user=user, reason=_("Ghi nhiều kết quả qua API"), what="API"
            )
    except StaleRecords as error:
        return BulkOutcome(errors=[_error(None, "non_field_errors", [error.message])], stale=True)
    results = [
        {"index": index, "id": record.pk, "status": status}
        for (index, _row_), status, record in zip(written, done.statuses, done.records, strict=True)
    ]
    return BulkOutcome(results=results)


def _row(record: TrainingRecord) -> dict:
    """Return what an item writes: its key and FIELDS."""
    return {
        "person_id": record.person_id,
        "course_id": record.course_id,
        **{name: getattr(record, name) for name in FIELDS},
    }
