"""Job positions (vị trí việc làm): a catalogue of positions and the training each requires.

A position requires course types, each either once (ever completed by T) or every N years (completed
within the N years up to T), and minimum levels of the qualification kinds of ``LADDERS``. An assignment
may name its position (``Assignment.job_position``); the compliance engine's ``job_position`` kind counts
the persons whose assignment at T names one and who meet all it requires (``targets.compliance``).
"""

from __future__ import annotations

import datetime
import logging

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.codes import clean_code, validate_code
from core.names import localized_name, validate_name

from .choices import QualificationKind
from .qualifications import LADDERS, thresholds_of


def _level_field(kind: str, verbose) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        verbose, null=True, blank=True, validators=[MaxValueValidator(max(LADDERS[kind]))]
    )


class JobPosition(models.Model):
    """One position of the catalogue, with the qualification levels it requires."""

    code = models.CharField(_("mã vị trí việc làm"), max_length=40, unique=True, validators=[validate_code])
    name = models.CharField(_("tên vị trí việc làm"), max_length=255, validators=[validate_name])
    name_en = models.CharField(_("tên tiếng Anh"), max_length=255, blank=True, validators=[validate_name])
    min_education = _level_field(QualificationKind.EDUCATION, _("trình độ chuyên môn tối thiểu"))
    min_political = _level_field(QualificationKind.POLITICAL_THEORY, _("lý luận chính trị tối thiểu"))
    min_state_management = _level_field(QualificationKind.STATE_MANAGEMENT, _("quản lý nhà nước tối thiểu"))
    min_language = _level_field(QualificationKind.FOREIGN_LANGUAGE, _("ngoại ngữ tối thiểu"))

    class Meta:
        verbose_name = _("vị trí việc làm")
        verbose_name_plural = _("vị trí việc làm")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code}: {localized_name(self)}"

    @property
    def qualification_thresholds(self) -> dict[str, int]:
        """Return {qualification kind: minimum level} that the position requires."""
        return thresholds_of(self)


class JobPositionCourse(models.Model):
    """A course type a position requires: once, or every ``every_years`` years."""

    position = models.ForeignKey(
        JobPosition, models.CASCADE, related_name="required_courses", verbose_name=_("vị trí việc làm")
    )
    course_type = models.ForeignKey(
        "training.CourseType", models.PROTECT, related_name="+", verbose_name=_("loại khóa học")
    )
    every_years = models.PositiveSmallIntegerField(
        _("định kỳ (năm)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
        help_text=_("Để trống: chỉ cần học một lần."),
    )

    class Meta:
        verbose_name = _("khóa học bắt buộc theo vị trí việc làm")
        verbose_name_plural = _("khóa học bắt buộc theo vị trí việc làm")
        ordering = ["position", "course_type"]
        constraints = [
            models.UniqueConstraint(fields=["position", "course_type"], name="job_position_course_once"),
        ]

    def __str__(self):
        return f"{self.position_id}: {self.course_type_id}"


def years_before(at: datetime.date, years: int) -> datetime.date:
    """Return the first day of the ``years`` years up to ``at`` (a course done on it is still valid at ``at``)."""
    try:
        back = at.replace(year=at.year - years)
    except ValueError:  # 29 February
        back = datetime.date(at.year - years, 2, 28)
    return back + datetime.timedelta(days=1)


def expires_on(completed_on: datetime.date, years: int) -> datetime.date:
    """Return the first day a course completed on ``completed_on`` no longer counts (``years`` later)."""
    try:
        return completed_on.replace(year=completed_on.year + years)
    except ValueError:  # 29 February: valid until 28 February included
        return datetime.date(completed_on.year + years, 3, 1)


def requirement_window(every_years: int | None, at: datetime.date) -> tuple[datetime.date | None, datetime.date]:
    """Return the first and last dates on which a course meets a requirement at ``at``."""
    return (None if every_years is None else years_before(at, every_years)), at


def catalogue() -> list[tuple[JobPosition, list[JobPositionCourse]]]:
    """Return every position with its required courses (two queries)."""
    positions = list(JobPosition.objects.prefetch_related("required_courses"))
    return [(p, list(p.required_courses.all())) for p in positions]


def save_position(*, by, position: JobPosition, courses: list[tuple[str, int | None]]) -> JobPosition:
    """Create or change a job position and replace the courses it requires ((course type code, every N years
    or None for once)); refuse a course type named twice. Audited."""
    codes = [code for code, _years in courses]
    twice = sorted({code for code in codes if codes.count(code) > 1})
    if twice:
        raise ValidationError(
            {"__all__": gettext("Loại khóa học được chọn hai lần: %(codes)s.") % {"codes": ", ".join(twice)}}
        )
    position.code = clean_code(position.code)
    position.full_clean()
    with transaction.atomic():
        position.save()
        position.required_courses.all().delete()
        for code, years in courses:
            requirement = JobPositionCourse(position=position, course_type_id=code, every_years=years)
            requirement.full_clean()
            requirement.save()
    username = by.get_username() if by is not None else "-"
    logging.getLogger("hanoi.audit").info(
        "job position save by=%s position=%s courses=%s at=%s",
        username,
        position.code,
        ",".join(f"{code}/{years or 1}" for code, years in courses),
        timezone.now().isoformat(),
        extra={"event": "job_position_save", "username": username, "position": position.code},
    )
    return position
