"""Organisation units, persons, dated qualifications and appointments."""

import datetime

from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.codes import code_unique_in_any_case, validate_code
from core.names import validate_name
from core.text import fold, name_sort_key, split_name

from .choices import AppointmentKind, Category, Gender, LeadershipLevel, QualificationKind, UnitLevel


class OrgUnitQuerySet(models.QuerySet):
    def subtree(self, unit: "OrgUnit") -> "OrgUnitQuerySet":
        """Return the unit and every unit below it (one query, by materialised path)."""
        return self.filter(path__startswith=unit.path)

    def roots(self) -> "OrgUnitQuerySet":
        """Return the units with no parent."""
        return self.filter(parent__isnull=True)

    def version(self) -> str:
        """Return a label that changes whenever any unit is created, changed or deleted.

        It is the newest history row and the number of history rows: the count also moves when a
        transaction with a lower history id commits after one with a higher id.
        """
        row = OrgUnit.history.order_by().aggregate(newest=models.Max("history_id"), rows=models.Count("history_id"))
        return f"{row['newest'] or 0}.{row['rows']}"


class OrgUnit(models.Model):
    """A unit of Hanoi's organisation: the city, a department or district, a commune.

    ``path`` is the chain of ids from the root ("1/4/17/"), so a subtree is one indexed prefix
    filter. It is kept by ``personnel.services`` whenever a unit is created or moved.
    """

    code = models.CharField(_("mã đơn vị"), max_length=40, unique=True, validators=[validate_code])
    name = models.CharField(_("tên đơn vị"), max_length=255, validators=[validate_name])
    parent = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("đơn vị cấp trên")
    )
    level = models.CharField(_("cấp"), max_length=16, choices=UnitLevel.choices)
    opened_on = models.DateField(_("ngày thành lập"), null=True, blank=True)
    closed_on = models.DateField(_("ngày giải thể"), null=True, blank=True)
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)

    objects = OrgUnitQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["path", "depth"])

    class Meta:
        verbose_name = _("đơn vị")
        verbose_name_plural = _("đơn vị")
        ordering = ["path"]
        indexes = [models.Index(fields=["path"], name="orgunit_path_prefix", opclasses=["varchar_pattern_ops"])]
        constraints = [code_unique_in_any_case("orgunit", _("Mã đơn vị này đã được dùng cho một đơn vị khác."))]

    def __str__(self):
        return f"{self.name} ({self.code})"

    def is_within(self, other: "OrgUnit") -> bool:
        """Return whether this unit is ``other`` or below it."""
        return self.path.startswith(other.path)

    def ancestor_ids(self) -> list[int]:
        """Return the ids from the root down to this unit."""
        return [int(part) for part in self.path.strip("/").split("/") if part]


class PersonQuerySet(models.QuerySet):
    def in_unit(self, unit: OrgUnit) -> "PersonQuerySet":
        """Return persons of the unit and every unit below it."""
        return self.filter(unit__path__startswith=unit.path)

    def employed_at(self, at: datetime.date) -> "PersonQuerySet":
        """Return persons employed at ``at``: started on or before it, not yet left."""
        return self.filter(employed_at_q(at))

    def search(self, text: str) -> "PersonQuerySet":
        """Return persons whose name or code contains every word of ``text``, ignoring accents and case."""
        qs = self
        for word in fold(text).split():
            qs = qs.filter(search_text__contains=word)
        return qs

    def in_vietnamese_order(self) -> "PersonQuerySet":
        """Return persons sorted by given name, family name, middle name (Vietnamese alphabet)."""
        return self.order_by("sort_key", "code")


def employed_at_q(at: datetime.date, prefix: str = "") -> Q:
    """Return the filter "employed at ``at``" (start empty or ≤ at; end empty or > at)."""
    return (Q(**{f"{prefix}start_date__isnull": True}) | Q(**{f"{prefix}start_date__lte": at})) & (
        Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gt": at})
    )


# ASCII digits only: "\d" would also take full-width and Arabic-Indic digits (one rule: model, form, API, import).
citizen_id_validator = RegexValidator(r"^[0-9]{12}\Z", _("Số CCCD phải gồm đúng 12 chữ số."))


class Person(models.Model):
    """A cadre, civil servant, public employee, commune worker or People's Council deputy."""

    code = models.CharField(_("mã cán bộ"), max_length=40, unique=True, validators=[validate_code])
    full_name = models.CharField(_("họ và tên"), max_length=255, validators=[validate_name])
    family_name = models.CharField(_("họ"), max_length=100, editable=False, default="")
    middle_name = models.CharField(_("tên đệm"), max_length=150, editable=False, default="")
    given_name = models.CharField(_("tên"), max_length=100, editable=False, default="")
    sort_key = models.CharField(max_length=255, editable=False, default="", db_index=True)
    search_text = models.CharField(max_length=400, editable=False, default="")
    birth_date = models.DateField(_("ngày sinh"))
    gender = models.CharField(_("giới tính"), max_length=8, choices=Gender.choices, blank=True)
    citizen_id = models.CharField(
        _("số CCCD"), max_length=12, unique=True, null=True, blank=True, validators=[citizen_id_validator]
    )
    unit = models.ForeignKey(OrgUnit, models.PROTECT, related_name="persons", verbose_name=_("đơn vị"))
    category = models.CharField(_("đối tượng"), max_length=24, choices=Category.choices)
    position_title = models.CharField(_("chức vụ"), max_length=255, blank=True)
    leadership_level = models.PositiveSmallIntegerField(
        _("cấp chức vụ"), choices=LeadershipLevel.choices, default=LeadershipLevel.NONE
    )
    btv_managed = models.BooleanField(_("diện BTV Thành ủy quản lý"), default=False)
    btv_succession = models.BooleanField(_("quy hoạch diện BTV"), default=False)
    deputy_term = models.CharField(
        _("nhiệm kỳ HĐND"),
        max_length=9,
        blank=True,
        validators=[RegexValidator(r"^\d{4}-\d{4}$", _("Nhiệm kỳ phải có dạng 2021-2026."))],
    )
    education_level = models.PositiveSmallIntegerField(
        _("trình độ chuyên môn"), default=0, validators=[MaxValueValidator(6)]
    )
    field_suited = models.BooleanField(_("chuyên môn phù hợp VTVL"), default=False)
    political_level = models.PositiveSmallIntegerField(
        _("lý luận chính trị"), default=0, validators=[MaxValueValidator(4)]
    )
    state_management_level = models.PositiveSmallIntegerField(
        _("quản lý nhà nước"), default=0, validators=[MaxValueValidator(3)]
    )
    language_level = models.PositiveSmallIntegerField(_("ngoại ngữ"), default=0, validators=[MaxValueValidator(6)])
    start_date = models.DateField(_("ngày bắt đầu công tác"), null=True, blank=True)
    end_date = models.DateField(_("ngày thôi việc"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Optimistic locking (core.concurrency): 1 when created, one more on every write.
    version = models.PositiveIntegerField(_("phiên bản"), default=1, editable=False)

    objects = PersonQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["sort_key", "search_text", "family_name", "middle_name", "given_name"])

    class Meta:
        verbose_name = _("cán bộ")
        verbose_name_plural = _("cán bộ")
        ordering = ["sort_key", "code"]
        indexes = [models.Index(fields=["unit", "category"], name="person_unit_category")]
        constraints = [code_unique_in_any_case("person", _("Mã cán bộ này đã được dùng cho một người khác."))]

    def __str__(self):
        return f"{self.full_name} ({self.code})"

    def refresh_name_keys(self) -> None:
        """Set the split name, the Vietnamese sort key and the accent-free search text from the full name."""
        self.full_name = " ".join(self.full_name.split())
        self.family_name, self.middle_name, self.given_name = split_name(self.full_name)
        self.sort_key = name_sort_key(self.full_name)
        self.search_text = f"{fold(self.full_name)} {fold(self.code)}"

    def age_at(self, at: datetime.date) -> int:
        """Return the person's age in whole years at ``at``."""
        return at.year - self.birth_date.year - ((at.month, at.day) < (self.birth_date.month, self.birth_date.day))

    def is_employed_at(self, at: datetime.date) -> bool:
        """Return whether the person is employed at ``at``."""
        return (self.start_date is None or self.start_date <= at) and (self.end_date is None or self.end_date > at)


class Qualification(models.Model):
    """A dated qualification (diploma or certificate); an empty date means held before records began."""

    person = models.ForeignKey(Person, models.CASCADE, related_name="qualifications", verbose_name=_("cán bộ"))
    kind = models.CharField(_("loại"), max_length=24, choices=QualificationKind.choices)
    level = models.PositiveSmallIntegerField(_("trình độ"), validators=[MaxValueValidator(6)])
    obtained_on = models.DateField(_("ngày cấp"), null=True, blank=True)
    document_number = models.CharField(_("số hiệu văn bằng"), max_length=100, blank=True)
    # Optimistic locking (core.concurrency): 1 when created, one more on every write.
    version = models.PositiveIntegerField(_("phiên bản"), default=1, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("văn bằng, chứng chỉ")
        verbose_name_plural = _("văn bằng, chứng chỉ")
        ordering = ["person", "kind", "obtained_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "kind", "level", "obtained_on"], name="qualification_natural_key"
            ),
        ]
        indexes = [models.Index(fields=["kind", "level"], name="qualification_kind_level")]

    def __str__(self):
        from .qualifications import level_label

        return f"{self.get_kind_display()}: {level_label(self.kind, self.level)}"


class AppointmentQuerySet(models.QuerySet):
    def in_unit(self, unit: OrgUnit) -> "AppointmentQuerySet":
        """Return appointments of persons of the unit and every unit below it."""
        return self.filter(person__unit__path__startswith=unit.path)


class Appointment(models.Model):
    """An appointment to a civil-service rank (ngạch) or to a leadership post (chức vụ)."""

    person = models.ForeignKey(Person, models.CASCADE, related_name="appointments", verbose_name=_("cán bộ"))
    kind = models.CharField(_("loại bổ nhiệm"), max_length=16, choices=AppointmentKind.choices)
    title = models.CharField(_("chức danh"), max_length=255)
    appointed_on = models.DateField(_("ngày bổ nhiệm"))
    # Optimistic locking (core.concurrency): 1 when created, one more on every write.
    version = models.PositiveIntegerField(_("phiên bản"), default=1, editable=False)

    objects = AppointmentQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("bổ nhiệm")
        verbose_name_plural = _("bổ nhiệm")
        ordering = ["person", "appointed_on"]
        constraints = [
            models.UniqueConstraint(fields=["person", "kind", "appointed_on"], name="appointment_natural_key"),
        ]
        indexes = [models.Index(fields=["appointed_on"], name="appointment_date")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.title} ({self.appointed_on:%d/%m/%Y})"
