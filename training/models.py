"""Course types, courses and training records."""

import datetime

from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.codes import code_unique_in_any_case, validate_code
from core.names import localized_name, validate_name
from personnel.choices import QualificationKind
from personnel.models import Person

from .choices import CourseForm, TrainingResult


class CourseType(models.Model):
    """A kind of course the programme counts (``phap_luat``, ``hdnd``…); a course may carry several."""

    code = models.CharField(_("mã loại"), max_length=40, primary_key=True)
    name = models.CharField(_("tên loại khóa học"), max_length=255)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=255, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("loại khóa học")
        verbose_name_plural = _("loại khóa học")
        ordering = ["order", "code"]

    def __str__(self):
        return localized_name(self)


# One message for a taken course code, whichever case it is written in (the field and the constraint).
COURSE_CODE_TAKEN = _("Mã khóa học này đã được dùng cho một khóa khác.")


class Course(models.Model):
    """A course or class run by a provider over a period; completing it may grant a qualification."""

    code = models.CharField(
        _("mã khóa học"),
        max_length=60,
        unique=True,
        validators=[validate_code],
        error_messages={"unique": COURSE_CODE_TAKEN},
    )
    title = models.CharField(_("tên khóa học"), max_length=255, validators=[validate_name])
    types = models.ManyToManyField(CourseType, related_name="courses", verbose_name=_("loại khóa học"))
    form = models.CharField(_("hình thức"), max_length=16, choices=CourseForm.choices, blank=True)
    provider = models.CharField(_("cơ sở đào tạo"), max_length=255, blank=True)
    start_date = models.DateField(_("từ ngày"))
    end_date = models.DateField(_("đến ngày"))
    hours = models.PositiveIntegerField(_("số tiết"), null=True, blank=True)
    # The unit that runs the course: its HR officers (and those above it) may change it (accounts.scoping).
    # Empty means the whole city (the root unit), as for courses recorded before units ran courses.
    unit = models.ForeignKey(
        "personnel.OrgUnit",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="courses",
        verbose_name=_("đơn vị tổ chức"),
    )
    grants_kind = models.CharField(
        _("loại trình độ được cấp"), max_length=24, choices=QualificationKind.choices, null=True, blank=True
    )
    grants_level = models.PositiveSmallIntegerField(
        _("trình độ được cấp"), null=True, blank=True, validators=[MaxValueValidator(6)]
    )
    # Optimistic locking (core.concurrency): 1 when created, one more on every write.
    version = models.PositiveIntegerField(_("phiên bản"), default=1, editable=False)

    history = HistoricalRecords(m2m_fields=[types])

    class Meta:
        verbose_name = _("khóa học")
        verbose_name_plural = _("khóa học")
        ordering = ["-start_date", "code"]
        constraints = [
            code_unique_in_any_case("course", COURSE_CODE_TAKEN),
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="course_ends_after_start"),
            models.CheckConstraint(
                condition=Q(grants_kind__isnull=True, grants_level__isnull=True)
                | Q(grants_kind__isnull=False, grants_level__isnull=False),
                name="course_grant_complete",
            ),
        ]

    def __str__(self):
        return f"{self.title} ({self.code})"


class TrainingRecordQuerySet(models.QuerySet):
    def with_counted_date(self) -> "TrainingRecordQuerySet":
        """Annotate ``counted_on``: the completion date, or the course's end date when none was given."""
        return self.annotate(counted_on=Coalesce("completed_on", "course__end_date"))

    def completed(self) -> "TrainingRecordQuerySet":
        """Return records whose result is completed (the only ones that count)."""
        return self.filter(result=TrainingResult.COMPLETED)

    def completed_between(self, start: datetime.date | None, end: datetime.date) -> "TrainingRecordQuerySet":
        """Return completed records whose counted date falls in [start, end] (no lower bound if start is None)."""
        qs = self.completed().with_counted_date().filter(counted_on__lte=end)
        if start is not None:
            qs = qs.filter(counted_on__gte=start)
        return qs

    def completed_by(self, at: datetime.date) -> "TrainingRecordQuerySet":
        """Return completed records counted on or before ``at``."""
        return self.completed_between(None, at)

    def of_types(self, type_codes) -> "TrainingRecordQuerySet":
        """Return records of courses carrying any of the given course types."""
        return self.filter(course__types__code__in=list(type_codes))


class TrainingRecord(models.Model):
    """A person's participation in a course and its result."""

    person = models.ForeignKey(Person, models.CASCADE, related_name="training_records", verbose_name=_("cán bộ"))
    course = models.ForeignKey(Course, models.PROTECT, related_name="records", verbose_name=_("khóa học"))
    result = models.CharField(_("kết quả"), max_length=16, choices=TrainingResult.choices)
    completed_on = models.DateField(_("ngày hoàn thành"), null=True, blank=True)
    certificate_number = models.CharField(_("số chứng chỉ"), max_length=100, blank=True)
    # Optimistic locking (core.concurrency): 1 when created, one more on every write.
    version = models.PositiveIntegerField(_("phiên bản"), default=1, editable=False)

    objects = TrainingRecordQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("kết quả đào tạo")
        verbose_name_plural = _("kết quả đào tạo")
        ordering = ["person", "course"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "course"],
                name="training_record_natural_key",
                violation_error_message=_("Cán bộ đã có kết quả của khóa học này; hãy sửa kết quả đó."),
            ),
            models.CheckConstraint(
                condition=Q(completed_on__isnull=True) | Q(result=TrainingResult.COMPLETED),
                name="record_completion_date_only_when_completed",
            ),
        ]
        indexes = [
            models.Index(fields=["course", "result"], name="record_course_result"),
            # The engine's appointment statement reads the completions of a few hundred courses: from this
            # index alone on PostgreSQL, not from heap pages scattered over the whole table.
            models.Index(
                fields=["course"],
                include=["person", "completed_on"],
                condition=Q(result=TrainingResult.COMPLETED),
                name="record_course_completed",
            ),
        ]

    def __str__(self):
        return f"{self.person} — {self.course}: {self.get_result_display()}"

    @property
    def effective_date(self) -> datetime.date | None:
        """Return the date the record counts from, or None when it does not count."""
        if self.result != TrainingResult.COMPLETED:
            return None
        return self.completed_on or self.course.end_date
