"""Training needs turned into action: a unit's annual plan, the class rosters (capacity, nominations, waiting
list, results) and the weekly reminders sent to HR officers.

A plan (``TrainingPlan``) belongs to one unit and one year and lists planned classes (``PlannedClass``),
each answering the need of one indicator. It goes draft → submitted → approved or returned by the level
above. A class actually run is a ``training.Course``; its ``Roster`` holds the places (capacity) and the
``Nomination`` rows: seated, waiting (in order) or withdrawn, and the result entered for each. Results
become training records through ``training.services.record_class``.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from personnel.models import OrgUnit, Person
from targets.models import Indicator, Programme
from training.choices import TrainingResult
from training.models import Course, CourseType, TrainingRecord


class PlanStatus(models.TextChoices):
    DRAFT = "nhap", _("Dự thảo")
    SUBMITTED = "da_gui", _("Đã trình")
    APPROVED = "da_duyet", _("Đã duyệt")
    RETURNED = "tra_lai", _("Trả lại")


class TrainingPlanQuerySet(models.QuerySet):
    def in_units(self, units) -> "TrainingPlanQuerySet":
        """Return the plans of the given units (a queryset of units)."""
        return self.filter(unit__in=units)

    def of_year(self, year: int) -> "TrainingPlanQuerySet":
        return self.filter(year=year)

    def approved(self) -> "TrainingPlanQuerySet":
        return self.filter(status=PlanStatus.APPROVED)


class TrainingPlan(models.Model):
    """A unit's annual training plan."""

    unit = models.ForeignKey(OrgUnit, models.PROTECT, related_name="training_plans", verbose_name=_("đơn vị"))
    year = models.PositiveSmallIntegerField(_("năm"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    programme = models.ForeignKey(Programme, models.PROTECT, related_name="+", verbose_name=_("chương trình"))
    status = models.CharField(_("trạng thái"), max_length=12, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    review_comment = models.TextField(_("ý kiến của cấp trên"), blank=True)
    gaps_confirmed = models.TextField(
        _("chỉ tiêu chưa đủ chỗ đã xác nhận"), blank=True, help_text=_("Cảnh báo mà người trình đã xác nhận.")
    )
    submitted_at = models.DateTimeField(_("ngày trình"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người trình"),
    )
    reviewed_at = models.DateTimeField(_("ngày xét duyệt"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người duyệt"),
    )

    objects = TrainingPlanQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("kế hoạch đào tạo")
        verbose_name_plural = _("kế hoạch đào tạo")
        ordering = ["-year", "unit__path"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year"],
                name="plan_one_per_unit_and_year",
                violation_error_message=_("Đơn vị đã có kế hoạch của năm này."),
            )
        ]

    def __str__(self):
        return f"{self.unit.name} — {self.year}"

    @property
    def editable(self) -> bool:
        """Return whether classes may still be added or changed (a draft, or a plan returned for changes)."""
        return self.status in (PlanStatus.DRAFT, PlanStatus.RETURNED)


class PlannedClass(models.Model):
    """A class a plan intends to run: course type, places, quarter, provider, estimated cost, and the need it meets."""

    plan = models.ForeignKey(TrainingPlan, models.CASCADE, related_name="classes", verbose_name=_("kế hoạch"))
    course_type = models.ForeignKey(CourseType, models.PROTECT, related_name="+", verbose_name=_("loại khóa học"))
    indicator = models.ForeignKey(
        Indicator, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("chỉ tiêu đáp ứng")
    )
    title = models.CharField(_("tên lớp"), max_length=255)
    places = models.PositiveIntegerField(_("số chỗ dự kiến"), validators=[MinValueValidator(1)])
    quarter = models.PositiveSmallIntegerField(_("quý"), choices=[(q, _("Quý %(q)s") % {"q": q}) for q in (1, 2, 3, 4)])
    provider = models.CharField(_("cơ sở đào tạo"), max_length=255, blank=True)
    estimated_cost = models.DecimalField(_("kinh phí dự kiến (VNĐ)"), max_digits=15, decimal_places=0, default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("lớp dự kiến")
        verbose_name_plural = _("lớp dự kiến")
        ordering = ["plan", "quarter", "pk"]
        constraints = [models.CheckConstraint(condition=Q(estimated_cost__gte=0), name="planned_cost_not_negative")]

    def __str__(self):
        return self.title


class Roster(models.Model):
    """A class actually run (a course) with its places: who was nominated, who waits, and their results."""

    course = models.OneToOneField(
        Course,
        models.CASCADE,
        related_name="roster",
        verbose_name=_("khóa học"),
        error_messages={"unique": _("Khóa học này đã có danh sách lớp.")},
    )
    unit = models.ForeignKey(OrgUnit, models.PROTECT, related_name="rosters", verbose_name=_("đơn vị tổ chức lớp"))
    capacity = models.PositiveIntegerField(_("số chỗ"), validators=[MinValueValidator(1)])
    planned_class = models.ForeignKey(
        PlannedClass,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="rosters",
        verbose_name=_("lớp trong kế hoạch"),
    )
    actual_cost = models.DecimalField(
        _("kinh phí thực tế (VNĐ)"), max_digits=15, decimal_places=0, null=True, blank=True
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("danh sách lớp")
        verbose_name_plural = _("danh sách lớp")
        ordering = ["-course__start_date"]

    def __str__(self):
        return str(self.course)


class NominationStatus(models.TextChoices):
    SEATED = "chinh_thuc", _("Trong danh sách")
    WAITING = "cho", _("Danh sách chờ")
    WITHDRAWN = "da_rut", _("Đã rút")


class RosterResult(models.TextChoices):
    """The results a roster records: the training results of a class that is over (``TrainingResult`` but
    "ongoing"), the same codes and names, since each becomes a training record."""

    COMPLETED = TrainingResult.COMPLETED.value, TrainingResult.COMPLETED.label
    FAILED = TrainingResult.FAILED.value, TrainingResult.FAILED.label
    DROPPED = TrainingResult.DROPPED.value, TrainingResult.DROPPED.label


class NominationQuerySet(models.QuerySet):
    def active(self) -> "NominationQuerySet":
        return self.exclude(status=NominationStatus.WITHDRAWN)

    def seated(self) -> "NominationQuerySet":
        return self.filter(status=NominationStatus.SEATED)

    def waiting(self) -> "NominationQuerySet":
        return self.filter(status=NominationStatus.WAITING).order_by("position")


class Nomination(models.Model):
    """A person nominated into a class, why (the indicator and what they miss), and their result."""

    roster = models.ForeignKey(Roster, models.CASCADE, related_name="nominations", verbose_name=_("lớp"))
    person = models.ForeignKey(Person, models.CASCADE, related_name="nominations", verbose_name=_("cán bộ"))
    status = models.CharField(_("trạng thái"), max_length=12, choices=NominationStatus.choices)
    position = models.PositiveIntegerField(_("thứ tự đề cử"))
    indicator = models.ForeignKey(
        Indicator, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("chỉ tiêu")
    )
    reason = models.TextField(_("lý do đề cử"), blank=True)
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người đề cử"),
    )
    nominated_at = models.DateTimeField(_("ngày đề cử"), auto_now_add=True)
    result = models.CharField(_("kết quả"), max_length=12, choices=RosterResult.choices, blank=True)
    completed_on = models.DateField(_("ngày hoàn thành"), null=True, blank=True)
    certificate_number = models.CharField(_("số chứng chỉ"), max_length=100, blank=True)
    record = models.ForeignKey(
        TrainingRecord, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("kết quả đào tạo")
    )

    objects = NominationQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("đề cử")
        verbose_name_plural = _("đề cử")
        ordering = ["roster", "position"]
        constraints = [
            models.UniqueConstraint(fields=["roster", "person"], name="nomination_once_per_class"),
            models.UniqueConstraint(fields=["roster", "position"], name="nomination_position_unique"),
        ]

    def __str__(self):
        return f"{self.person} — {self.roster}"


class ReminderLog(models.Model):
    """One reminder e-mail sent to one user for one period (a week): never twice for the same period."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+", verbose_name=_("người nhận"))
    period_start = models.DateField(_("tuần bắt đầu"))
    sent_at = models.DateTimeField(_("gửi lúc"), auto_now_add=True)
    email = models.EmailField(_("địa chỉ"))
    persons = models.PositiveIntegerField(_("số cán bộ chưa đạt"), default=0)
    classes = models.PositiveIntegerField(_("số lớp còn chỗ"), default=0)

    class Meta:
        verbose_name = _("nhắc việc đã gửi")
        verbose_name_plural = _("nhắc việc đã gửi")
        ordering = ["-sent_at"]
        constraints = [models.UniqueConstraint(fields=["user", "period_start"], name="reminder_once_per_period")]

    def __str__(self):
        return f"{self.user} — {self.period_start}"
