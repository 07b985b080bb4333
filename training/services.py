"""Writes on training records.

``record_class`` records one result for a whole class, all or nothing, through the one upsert of training
records (``training.upsert``); the completion-date rules it applies are ``training.rules`` (data-exchange,
section 5).
"""

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models.functions import Upper
from django.utils.translation import gettext as _

from accounts.roles import can_write
from accounts.scoping import visible_persons
from core.codes import normalise_code
from personnel.models import Person

from .choices import TrainingResult
from .models import Course
from .rules import completion_date_errors
from .upsert import upsert_records

_CODE_SEPARATORS = re.compile(r"[\s,;]+")


# What a training record means comes from its course: its dates (when it counts), its types (which indicators
# it serves) and the level it grants. While persons of other units have records of a course, a unit's HR
# officer may not change these (``training.scoping.course_used_outside_scope``), nor delete the course.
COURSE_MEANING_FIELDS = ("start_date", "end_date", "types", "grants_kind", "grants_level")


def course_meaning(course: Course) -> dict:
    """Return what a course's records mean: its dates, type codes and granted level (one query for the types)."""
    return {
        "start_date": course.start_date,
        "end_date": course.end_date,
        "types": frozenset(course.types.values_list("code", flat=True)) if course.pk else frozenset(),
        "grants_kind": course.grants_kind or None,
        "grants_level": course.grants_level,
    }


def meaning_changes(before: dict, after: dict) -> list[str]:
    """Return the COURSE_MEANING_FIELDS whose value ``after`` gives differs from ``before`` (missing: unchanged)."""
    return [name for name in COURSE_MEANING_FIELDS if name in after and after[name] != before[name]]


def shared_course_message() -> str:
    return _(
        "Khóa học này đã có kết quả đào tạo của cán bộ đơn vị khác: không được đổi ngày, loại khóa học hay trình độ "
        "được cấp (hãy đề nghị quản trị)."
    )


def parse_codes(text: str) -> list[str]:
    """Return the person codes of a pasted list (separated by new lines, spaces, commas or semicolons), once each."""
    return list(dict.fromkeys(code for code in _CODE_SEPARATORS.split(text or "") if code))


class ClassRecordError(ValidationError):
    """A class cannot be recorded; ``unknown_codes`` says which codes name nobody the user may see.

    A person of another unit reads exactly like an unknown code: the recorder must not tell which codes
    exist elsewhere in the city.
    """

    def __init__(self, messages, *, unknown_codes=()):
        super().__init__(messages)
        self.unknown_codes = list(unknown_codes)


def resolve_persons(*, codes: Iterable[str], user) -> list[Person]:
    """Return the persons of ``codes`` in order (codes compare without regard to case, ``core.codes``).

    Raise ClassRecordError listing the codes of nobody in the user's scope, unknown or of another unit alike.
    """
    codes = list(dict.fromkeys(normalise_code(code) for code in codes if code and code.strip()))
    visible = {
        normalise_code(person.code): person
        for person in visible_persons(user).annotate(upper_code=Upper("code")).filter(upper_code__in=codes)
    }
    unknown = [code for code in codes if code not in visible]
    if unknown:
        message = _("Không có cán bộ mang mã: %(codes)s.") % {"codes": ", ".join(unknown)}
        raise ClassRecordError([message], unknown_codes=unknown)
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
    certificates: dict[str, str] | None = None,
) -> ClassRecorded:
    """Record one result (and completion date) of ``course`` for every person, in bulk, with history.

    ``persons`` holds persons or person codes. Nothing is written unless every code is known and in
    the user's scope and the date obeys the completion-date rules. A person who already has a record
    of the course gets it updated (e.g. from "Đang học" to "Hoàn thành"). ``certificates`` gives, by person
    code, the certificate number to record (a class roster's results, ``planning.services``).
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

    certificates = certificates or {}
    rows = [
        {
            "person_id": person.pk,
            "course_id": course.pk,
            "result": result,
            "completed_on": completed_on,
            # A certificate number not given keeps the stored one (a new record: none).
            **({"certificate_number": certificates[person.code]} if person.code in certificates else {}),
        }
        for person in people
    ]
    done = upsert_records(rows=rows, user=user, reason=_("Ghi kết quả cả lớp"), what=course.code)
    return ClassRecorded(created=done.created, updated=done.updated, unchanged=done.unchanged)
