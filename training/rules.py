"""The rules courses and training records obey, stated once (data-exchange, sections 4 and 5).

The forms, the API serializers, the import resources, the class recorder and the class rosters all call
these functions; each returns messages (empty when the value obeys the rule), keyed by field where
the rule names one.

A course's dates and its records' completion dates are one invariant seen from two sides: a completion
date lies between the course's start and one year after its end. A record breaking it is refused
(``completion_date_errors``), and so are new dates of a course that would leave a recorded completion
outside them (``recorded_dates_errors``), whether typed in the course form, sent to the API or imported:
the records are corrected first, then the course.
"""

import datetime
from collections.abc import Iterable, Mapping

from django.db.models import Count
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .choices import TrainingResult

Errors = dict[str, list[str]]


def latest_completion_date(course) -> datetime.date:
    """Return the last valid completion date of a course (anything with an ``end_date``): a year after its end."""
    return year_after(course.end_date)


def year_after(end: datetime.date) -> datetime.date:
    """Return the same day a year later (29 February gives 28 February; the last day stays the last)."""
    if end.year >= datetime.MAXYEAR:  # a course ending in 9999: no later date exists
        return datetime.date.max
    try:
        return end.replace(year=end.year + 1)
    except ValueError:  # 29 February: a year later is 28 February
        return end.replace(year=end.year + 1, day=28)


def _day(value: datetime.date) -> str:
    return date_format(value, "SHORT_DATE_FORMAT")


def completion_date_errors(
    *, course, result: str, completed_on: datetime.date | None, today: datetime.date | None = None
) -> list[str]:
    """Return why a completion date is invalid for this course and result (empty when it is valid).

    Only a completed record carries a date; it lies between the course's start and a year after its end,
    and not after today. A completed record without a date counts from the course's end date, which must
    then not be after today either.
    """
    today = today or timezone.localdate()
    if completed_on is None:
        if result == TrainingResult.COMPLETED and course.end_date > today:
            return [
                _("Khóa học kết thúc ngày %(date)s, sau hôm nay: ghi ngày hoàn thành hoặc chờ khóa học kết thúc.")
                % {"date": _day(course.end_date)}
            ]
        return []
    if result != TrainingResult.COMPLETED:
        return [_("Chỉ ghi ngày hoàn thành khi kết quả là “Hoàn thành”.")]
    errors = []
    if completed_on < course.start_date:
        errors.append(
            _("Ngày hoàn thành không được trước ngày bắt đầu khóa học (%(date)s).") % {"date": _day(course.start_date)}
        )
    if completed_on > latest_completion_date(course):
        errors.append(
            _("Ngày hoàn thành không được sau ngày kết thúc khóa học quá một năm (muộn nhất %(date)s).")
            % {"date": _day(latest_completion_date(course))}
        )
    if completed_on > today:
        errors.append(_("Ngày hoàn thành không được ở tương lai."))
    return errors


def course_date_errors(*, start_date: datetime.date | None, end_date: datetime.date | None) -> Errors:
    """Return an error when a course ends before it starts."""
    if start_date and end_date and end_date < start_date:
        return {"end_date": [_("Ngày kết thúc không được trước ngày bắt đầu.")]}
    return {}


def completions_outside(periods: Mapping[int, tuple[datetime.date, datetime.date]]) -> dict[int, int]:
    """Return, by course id, how many recorded completion dates fall outside the (start, end) given for it.

    One query for all the courses (their records grouped by completion date).
    """
    from .models import TrainingRecord

    outside: dict[int, int] = {}
    if not periods:
        return outside
    latest = {pk: year_after(end) for pk, (_start, end) in periods.items()}
    rows = (
        TrainingRecord.objects.filter(course_id__in=list(periods), completed_on__isnull=False)
        .order_by()
        .values_list("course_id", "completed_on")
        .annotate(n=Count("id"))
    )
    for course_id, completed_on, count in rows:
        if not periods[course_id][0] <= completed_on <= latest[course_id]:
            outside[course_id] = outside.get(course_id, 0) + count
    return outside


def recorded_dates_errors(
    *,
    stored_start: datetime.date,
    start_date: datetime.date,
    outside: int,
) -> Errors:
    """Return the refusal of new course dates that leave ``outside`` recorded completions outside them.

    The message goes on the start date when it changed, else on the end date.
    """
    if not outside:
        return {}
    field = "end_date" if stored_start == start_date else "start_date"
    message = _(
        "%(count)s kết quả đã ghi có ngày hoàn thành nằm ngoài khoảng thời gian mới; hãy sửa các kết quả đó trước."
    ) % {"count": outside}
    return {field: [message]}


def course_dates_errors(*, course, start_date: datetime.date | None, end_date: datetime.date | None) -> Errors:
    """Return what is wrong with a course's dates: their order, then (for a stored course whose dates change)
    recorded completions the new dates would leave outside."""
    errors = course_date_errors(start_date=start_date, end_date=end_date)
    if errors or not (start_date and end_date) or course is None or course.pk is None:
        return errors
    if (start_date, end_date) == (course.start_date, course.end_date):
        return {}
    outside = completions_outside({course.pk: (start_date, end_date)}).get(course.pk, 0)
    return recorded_dates_errors(stored_start=course.start_date, start_date=start_date, outside=outside)


def messages_text(messages: Iterable[str]) -> str:
    """Return several messages of one cell as the one reason an import row shows."""
    return " ".join(str(message) for message in messages)
