"""Target programmes and their indicators, held as data so that a new programme needs no code.

An indicator is a population (who is counted), a criterion (what counts as meeting it), a target
percentage and a kind. The kind says what is counted and over which dates a course counts:

- ``status``: persons; qualifications held at T, courses completed on or before T;
- ``annual``: persons; courses completed from 1 January of the year up to T;
- ``window``: persons; courses completed inside the indicator's window, up to T;
- ``recurring``: persons; a course of the types completed within the ``recurring_years`` years up to T
  (a course expires ``recurring_years`` years after it was completed; ``warning_days`` before that, the
  person is listed as about to expire);
- ``job_position``: persons whose assignment at T names a job position; met when every course type the
  position requires was completed within its period (once: ever by T; every N years: within the N years
  up to T) and every level it requires is held at T;
- ``appointment``: appointments dated from the programme's start up to T; the required course completed
  on or before the appointment date.

``targets.compliance`` evaluates them.
"""

from django.core.cache import cache
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.codes import validate_code
from core.names import english
from personnel.choices import AppointmentKind, Category, LeadershipLevel, UnitLevel
from personnel.qualifications import LADDERS, QualificationKind, thresholds_of
from training.models import CourseType


class IndicatorKind(models.TextChoices):
    STATUS = "status", _("Tình trạng tại thời điểm")
    ANNUAL = "annual", _("Hằng năm")
    APPOINTMENT = "appointment", _("Theo lần bổ nhiệm")
    WINDOW = "window", _("Trong giai đoạn")
    RECURRING = "recurring", _("Định kỳ trong N năm gần nhất")
    JOB_POSITION = "job_position", _("Đáp ứng yêu cầu của vị trí việc làm")


class CourseMatch(models.TextChoices):
    ANY = "any", _("Ít nhất một loại trong danh sách")
    ALL = "all", _("Đủ tất cả các loại trong danh sách")


class ProgrammeQuerySet(models.QuerySet):
    def default(self) -> "Programme | None":
        """Return the programme marked default, else the most recent one."""
        return self.order_by("-is_default", "-start_date").first()


class Programme(models.Model):
    """A target programme of the city (e.g. HN-2021-2025) over a window of dates."""

    code = models.CharField(_("mã chương trình"), max_length=40, unique=True, validators=[validate_code])
    name = models.CharField(_("tên chương trình"), max_length=255)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=255, blank=True)
    start_date = models.DateField(_("ngày bắt đầu"))
    end_date = models.DateField(_("ngày kết thúc"))
    is_default = models.BooleanField(_("chương trình mặc định"), default=False)
    source = models.TextField(_("văn bản gốc"), blank=True)

    objects = ProgrammeQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("chương trình mục tiêu")
        verbose_name_plural = _("chương trình mục tiêu")
        ordering = ["-start_date"]

    def __str__(self):
        return f"{self.code}: {self.name}"

    def clean(self):
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("Ngày kết thúc phải sau ngày bắt đầu.")})

    @property
    def years(self) -> list[int]:
        """Return the calendar years the programme spans."""
        return list(range(self.start_date.year, self.end_date.year + 1))


def _qualification_threshold_field(kind: str, verbose: str) -> models.PositiveSmallIntegerField:
    top = max(LADDERS[kind])
    return models.PositiveSmallIntegerField(
        verbose,
        null=True,
        blank=True,
        validators=[MaxValueValidator(top)],
        help_text=_("Để trống nếu không xét. Thang: %(ladder)s")
        % {"ladder": ", ".join(f"{k} = {v}" for k, v in LADDERS[kind].items())},
    )


class Indicator(models.Model):
    """One quantified target of a programme, with how its population and criterion are read."""

    programme = models.ForeignKey(Programme, models.CASCADE, related_name="indicators", verbose_name=_("chương trình"))
    code = models.CharField(_("mã chỉ tiêu"), max_length=20, validators=[validate_code])
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)
    group = models.CharField(_("nhóm"), max_length=20, help_text=_("Nhóm hiển thị: BTV, CC, XA, VC, HĐND…"))
    name = models.CharField(_("tên chỉ tiêu"), max_length=255)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=255, blank=True)
    description = models.TextField(_("diễn giải"), blank=True)
    kind = models.CharField(_("loại chỉ tiêu"), max_length=16, choices=IndicatorKind.choices)
    target = models.DecimalField(
        _("chỉ tiêu (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )

    # Population: every filter that is set must hold (empty = not filtered).
    categories = models.JSONField(
        _("đối tượng"), default=list, blank=True, help_text=_("Danh sách mã đối tượng; trống = mọi đối tượng.")
    )
    requires_btv_managed = models.BooleanField(_("chỉ cán bộ diện BTV quản lý"), default=False)
    requires_btv_succession = models.BooleanField(_("chỉ cán bộ quy hoạch diện BTV"), default=False)
    deputy_term = models.CharField(_("nhiệm kỳ HĐND"), max_length=9, blank=True)
    min_leadership_level = models.PositiveSmallIntegerField(
        _("cấp chức vụ tối thiểu"), choices=LeadershipLevel.choices, null=True, blank=True
    )
    unit_level = models.CharField(_("cấp đơn vị"), max_length=16, choices=UnitLevel.choices, blank=True)
    max_age = models.PositiveSmallIntegerField(
        _("dưới … tuổi"), null=True, blank=True, help_text=_("Chỉ tính người chưa đủ số tuổi này tại ngày xét.")
    )

    # Criterion: every part that is set must hold.
    min_education = _qualification_threshold_field(QualificationKind.EDUCATION, _("trình độ chuyên môn tối thiểu"))
    min_political = _qualification_threshold_field(QualificationKind.POLITICAL_THEORY, _("lý luận chính trị tối thiểu"))
    min_state_management = _qualification_threshold_field(
        QualificationKind.STATE_MANAGEMENT, _("quản lý nhà nước tối thiểu")
    )
    min_language = _qualification_threshold_field(QualificationKind.FOREIGN_LANGUAGE, _("ngoại ngữ tối thiểu"))
    requires_field_suited = models.BooleanField(_("yêu cầu chuyên môn phù hợp VTVL"), default=False)
    course_types = models.JSONField(
        _("loại khóa học"),
        default=list,
        blank=True,
        help_text=_(
            "Mã loại khóa học phải hoàn thành (trong năm, trong giai đoạn hoặc đến ngày xét, theo loại chỉ tiêu)."
        ),
    )
    course_match = models.CharField(
        _("cách tính loại khóa học"), max_length=8, choices=CourseMatch.choices, default=CourseMatch.ANY
    )
    window_start = models.DateField(_("giai đoạn từ ngày"), null=True, blank=True)
    window_end = models.DateField(_("giai đoạn đến ngày"), null=True, blank=True)
    recurring_years = models.PositiveSmallIntegerField(
        _("định kỳ (năm)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
        help_text=_("Chỉ tiêu định kỳ: khóa học phải hoàn thành trong số năm gần nhất này."),
    )
    warning_days = models.PositiveSmallIntegerField(
        _("cảnh báo trước (ngày)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(3650)],
        help_text=_("Báo “sắp hết hạn” khi khóa học gần nhất hết hạn trong số ngày này."),
    )
    appointment_requirements = models.JSONField(
        _("khóa học bắt buộc theo loại bổ nhiệm"),
        default=dict,
        blank=True,
        help_text=_('Ví dụ {"ngach": ["tieu_chuan_ngach"], "chuc_vu": ["lanh_dao_quan_ly"]}'),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("chỉ tiêu")
        verbose_name_plural = _("chỉ tiêu")
        ordering = ["programme", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "code"], name="indicator_code_per_programme"),
        ]

    def __str__(self):
        return f"{self.code}: {self.name}"

    @property
    def qualification_thresholds(self) -> dict[str, int]:
        """Return {qualification kind: minimum level} for the thresholds this indicator sets."""
        return thresholds_of(self)

    def clean(self):
        errors = {}
        unknown = set(self.categories or []) - set(Category.values)
        if unknown:
            errors["categories"] = _("Mã đối tượng không hợp lệ: %(codes)s") % {"codes": ", ".join(sorted(unknown))}
        known_types = set(CourseType.objects.values_list("code", flat=True))
        wanted = set(self.course_types or [])
        for types in (self.appointment_requirements or {}).values():
            wanted |= set(types)
        if wanted - known_types:
            errors["course_types"] = _("Mã loại khóa học không hợp lệ: %(codes)s") % {
                "codes": ", ".join(sorted(wanted - known_types))
            }
        if self.kind == IndicatorKind.APPOINTMENT:
            requirements = self.appointment_requirements or {}
            if not requirements or set(requirements) - set(AppointmentKind.values):
                errors[NON_FIELD_ERRORS] = _(
                    "Chỉ tiêu theo lần bổ nhiệm cần khóa học bắt buộc cho từng loại bổ nhiệm (ngach, chuc_vu)."
                )
        if self.kind == IndicatorKind.WINDOW and not (self.window_start and self.window_end):
            errors["window_start"] = _("Chỉ tiêu trong giai đoạn cần ngày bắt đầu và ngày kết thúc.")
        if self.kind == IndicatorKind.RECURRING and not self.recurring_years:
            errors["recurring_years"] = _("Chỉ tiêu định kỳ cần số năm (từ 1 đến 50).")
        if self.kind in (IndicatorKind.ANNUAL, IndicatorKind.WINDOW, IndicatorKind.RECURRING) and not self.course_types:
            errors["course_types"] = _("Chỉ tiêu này cần ít nhất một loại khóa học.")
        if errors:
            raise ValidationError(errors)


ENGLISH_NAMES_SECONDS = 60


def indicator_name(result) -> str:
    """Return the name of an indicator's result (the engine's results carry the Vietnamese name) in the active language.

    The English names are read once a minute at most (one query), and only for English pages.
    """
    if not english():
        return result.name
    names = cache.get("core:indicator-names-en")
    if names is None:
        names = {name: name_en for name, name_en in Indicator.objects.values_list("name", "name_en") if name_en}
        cache.set("core:indicator-names-en", names, ENGLISH_NAMES_SECONDS)
    return names.get(result.name, result.name)


class Int8MultirangeField(models.Field):
    """A set of int8 ranges (PostgreSQL ``int8multirange``; plain text elsewhere, where it stays empty)."""

    def db_type(self, connection):
        return "int8multirange" if connection.vendor == "postgresql" else "text"


class Completion(models.Model):
    """What one person has completed and when, summed up from their training records by PostgreSQL triggers
    (``targets.compliance.completions``); the engine reads it instead of folding every record. Empty on SQLite."""

    person = models.OneToOneField(
        "personnel.Person", on_delete=models.DO_NOTHING, db_constraint=False, primary_key=True, related_name="+"
    )
    completed = Int8MultirangeField()

    def __str__(self):
        return f"{self.person_id}"
