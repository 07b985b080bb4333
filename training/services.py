"""Writes on training records, and the rules every completion date obeys.

``completion_date_errors`` is the one statement of the completion-date rules (data-exchange, section 5):
forms and the class recorder call it. ``record_class`` records one result for a whole class in a few
bulk writes, each with its history row, all or nothing.
"""

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from accounts.roles import can_write
from accounts.scoping import visible_persons
from personnel.models import Person

from .choices import TrainingResult
from .models import Course, TrainingRecord

_CODE_SEPARATORS = re.compile(r"[\s,;]+")


def latest_completion_date(course: Course) -> datetime.date:
    """Return the last valid completion date of a course: one year after its end date."""
    end = course.end_date
    try:
        return end.replace(year=end.year + 1)
    except ValueError:  # 29 February: a year later is 28 February
        return end.replace(year=end.year + 1, day=28)


def completion_date_errors(
    *, course: Course, result: str, completed_on: datetime.date | None, today: datetime.date | None = None
) -> list[str]:
    """Return why a completion date is invalid for this course and result (empty when it is valid)."""
    if completed_on is None:
        return []
    if result != TrainingResult.COMPLETED:
        return [_("Chỉ ghi ngày hoàn thành khi kết quả là “Hoàn thành”.")]
    today = today or timezone.localdate()
    errors = []
    if completed_on < course.start_date:
        errors.append(
            _("Ngày hoàn thành không được trước ngày bắt đầu khóa học (%(date)s).")
            % {"date": date_format(course.start_date, "SHORT_DATE_FORMAT")}
        )
    if completed_on > latest_completion_date(course):
        errors.append(
            _("Ngày hoàn thành không được sau ngày kết thúc khóa học quá một năm (muộn nhất %(date)s).")
            % {"date": date_format(latest_completion_date(course), "SHORT_DATE_FORMAT")}
        )
    if completed_on > today:
        errors.append(_("Ngày hoàn thành không được ở tương lai."))
    return errors


def parse_codes(text: str) -> list[str]:
    """Return the person codes of a pasted list (separated by new lines, spaces, commas or semicolons), once each."""
    return list(dict.fromkeys(code for code in _CODE_SEPARATORS.split(text or "") if code))


class ClassRecordError(ValidationError):
    """A class cannot be recorded; ``unknown_codes`` and ``out_of_scope_codes`` say which codes are wrong."""

    def __init__(self, messages, *, unknown_codes=(), out_of_scope_codes=()):
        super().__init__(messages)
        self.unknown_codes = list(unknown_codes)
        self.out_of_scope_codes = list(out_of_scope_codes)


def resolve_persons(*, codes: Iterable[str], user) -> list[Person]:
    """Return the persons of ``codes`` in order; raise ClassRecordError listing unknown or out-of-scope codes."""
    codes = list(dict.fromkeys(code.strip() for code in codes if code and code.strip()))
    existing = set(Person.objects.filter(code__in=codes).values_list("code", flat=True))
    visible = {person.code: person for person in visible_persons(user).filter(code__in=codes)}
    unknown = [code for code in codes if code not in existing]
    out_of_scope = [code for code in codes if code in existing and code not in visible]
    messages = []
    if unknown:
        messages.append(_("Không có cán bộ mang mã: %(codes)s.") % {"codes": ", ".join(unknown)})
    if out_of_scope:
        messages.append(_("Cán bộ không thuộc đơn vị bạn quản lý: %(codes)s.") % {"codes": ", ".join(out_of_scope)})
    if messages:
        raise ClassRecordError(messages, unknown_codes=unknown, out_of_scope_codes=out_of_scope)
    return [visible[code] for code in codes]


@dataclass(frozen=True)
class ClassRecorded:
    """How many records recording a class created, updated and left unchanged."""

    created: int
    updated: int
    unchanged: int


@transaction.atomic
def record_class(
    *,
    course: Course,
    persons: Iterable[Person | str],
    result: str,
    completed_on: datetime.date | None,
    user,
) -> ClassRecorded:
    """Record one result (and completion date) of ``course`` for every person, in bulk, with history.

    ``persons`` holds persons or person codes. Nothing is written unless every code is known and in
    the user's scope and the date obeys the completion-date rules. A person who already has a record
    of the course gets it updated (e.g. from "Đang học" to "Hoàn thành").
    """
    if not can_write(user):
        raise PermissionDenied
    if result not in TrainingResult.values:
        raise ValidationError({"result": _("Kết quả không hợp lệ: %(value)s.") % {"value": result}})
    codes = [person if isinstance(person, str) else person.code for person in persons]
    people = resolve_persons(codes=codes, user=user)
    if not people:
        raise ClassRecordError([_("Chưa có cán bộ nào trong danh sách.")])
    errors = completion_date_errors(course=course, result=result, completed_on=completed_on)
    if errors:
        raise ValidationError({"completed_on": errors})

    # Locked until the end of the transaction: no one else saves them between this read and the write below.
    existing = {
        record.person_id: record
        for record in TrainingRecord.objects.select_for_update().filter(
            course=course, person_id__in=[p.pk for p in people]
        )
    }
    # approvals.locks: no record of an approved year, as stored or as written.
    from approvals.locks import check_writable

    day = completed_on or course.end_date
    pairs = [(p.pk, day) for p in people]
    pairs += [(r.person_id, r.completed_on or course.end_date) for r in existing.values()]
    check_writable(person_ids=[p for p, _d in pairs], dates=[d for _p, d in pairs], user=user, what=course.code)
    new, changed = [], []
    for person in people:
        record = existing.get(person.pk)
        if record is None:
            new.append(TrainingRecord(person=person, course=course, result=result, completed_on=completed_on))
        elif (record.result, record.completed_on) != (result, completed_on):
            record.result, record.completed_on = result, completed_on
            record.version += 1  # core.concurrency: open edit forms of this record become stale
            changed.append(record)
    reason = _("Ghi kết quả cả lớp")
    if new:
        bulk_create_with_history(new, TrainingRecord, batch_size=500, default_user=user, default_change_reason=reason)
    if changed:
        bulk_update_with_history(
            changed,
            TrainingRecord,
            ["result", "completed_on", "version"],
            batch_size=500,
            default_user=user,
            default_change_reason=reason,
        )
    return ClassRecorded(created=len(new), updated=len(changed), unchanged=len(people) - len(new) - len(changed))
