"""Organisation units, persons, dated qualifications and appointments."""

import datetime
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Coalesce, Concat
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.codes import code_unique_in_any_case, validate_code
from core.names import validate_name
from core.text import fold, name_keys

from .choices import AppointmentKind, Category, Gender, LeadershipLevel, QualificationKind, UnitLevel
from .job_positions import JobPosition, JobPositionCourse  # noqa: F401  (models of this app)
from .qualifications import level_label

# Units are offered the same way in every unit picker: in tree order (their materialised path), each indented
# by its depth and followed by its code, so that typing a code or a name finds it (static/js/pickers.js).
UNIT_ORDER = "path"


def unit_label(name: str, code: str, depth: int) -> str:
    """Return how a unit reads in every unit picker: "— — UBND phường Phúc Xá (H01X1)"."""
    return f"{'— ' * depth}{name} ({code})"


class UnitOption(NamedTuple):
    """A unit as every unit picker offers it (``OrgUnitQuerySet.options``); ``closed_on`` None: still open."""

    id: int
    code: str
    label: str
    level: str
    closed_on: datetime.date | None


class OrgUnitQuerySet(models.QuerySet):
    def subtree(self, unit: "OrgUnit") -> "OrgUnitQuerySet":
        """Return the unit and every unit below it (one query, by materialised path)."""
        return self.filter(path__startswith=unit.path)

    def roots(self) -> "OrgUnitQuerySet":
        """Return the units with no parent."""
        return self.filter(parent__isnull=True)

    def open_at(self, at: datetime.date) -> "OrgUnitQuerySet":
        """Return the units open at ``at`` (opened on or before it, not yet closed): the tree at ``at``."""
        return self.filter(open_at_q(at))

    def open_today(self) -> "OrgUnitQuerySet":
        """Return today's tree."""
        from django.utils import timezone

        return self.open_at(timezone.localdate())

    def options(self) -> list[UnitOption]:
        """Return the units as every unit picker offers them (``unit_label``), in tree order, in one query."""
        rows = self.order_by(UNIT_ORDER).values_list("id", "code", "name", "depth", "level", "closed_on")
        return [
            UnitOption(id=pk, code=code, label=unit_label(name, code, depth), level=level, closed_on=closed_on)
            for pk, code, name, depth, level, closed_on in rows
        ]

    def version(self) -> str:
        """Return a label that changes whenever any unit is created, changed or deleted.

        It is the newest history row and the number of history rows: the count also moves when a
        transaction with a lower history id commits after one with a higher id.
        """
        row = OrgUnit.history.order_by().aggregate(newest=models.Max("history_id"), rows=models.Count("history_id"))
        return f"{row['newest'] or 0}.{row['rows']}"

    def version_sql(self) -> str:
        """Return a scalar SQL subquery worth ``version()``, to read it along with another query."""
        table = OrgUnit.history.model._meta.db_table
        return f"SELECT COALESCE(MAX(history_id), 0) || '.' || COUNT(history_id) FROM {table}"  # noqa: S608 (the history table's name from its model's _meta; no value)


def open_at_q(at: datetime.date, prefix: str = "") -> Q:
    """Return the filter "unit open at ``at``": opened empty or ≤ at, closed empty or > at (half-open)."""
    return (Q(**{f"{prefix}opened_on__isnull": True}) | Q(**{f"{prefix}opened_on__lte": at})) & (
        Q(**{f"{prefix}closed_on__isnull": True}) | Q(**{f"{prefix}closed_on__gt": at})
    )


class OrgUnit(models.Model):
    """A unit of Hanoi's organisation: the city, a department or district, a commune.

    ``path`` is the chain of ids from the root ("1/4/17/"), so a subtree is one indexed prefix
    filter. It is kept by ``personnel.services`` whenever a unit is created or moved.

    A unit exists from ``opened_on`` (empty: since before records began) until ``closed_on`` (the
    first day it no longer exists; empty: still open). A unit never changes parent: a reorganisation
    closes units and opens new ones, and a closed unit names its successors (``UnitSuccession``), one
    of them primary (``organisation-history.md``, section 2).
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

    @property
    def option_label(self) -> str:
        """Return how the unit reads in every unit picker (``unit_label``)."""
        return unit_label(self.name, self.code, self.depth)

    def is_within(self, other: "OrgUnit") -> bool:
        """Return whether this unit is ``other`` or below it."""
        return self.path.startswith(other.path)

    def ancestor_ids(self) -> list[int]:
        """Return the ids from the root down to this unit."""
        return [int(part) for part in self.path.strip("/").split("/") if part]

    def is_open_at(self, at: datetime.date) -> bool:
        """Return whether the unit exists on ``at``."""
        return (self.opened_on is None or self.opened_on <= at) and (self.closed_on is None or self.closed_on > at)

    def is_open_over(self, start: datetime.date | None, end: datetime.date | None) -> bool:
        """Return whether the unit exists on every day from ``start`` until ``end`` (half-open; None: unbounded)."""
        opened = self.opened_on is None or (start is not None and self.opened_on <= start)
        not_closed = self.closed_on is None or (end is not None and end <= self.closed_on)
        return opened and not_closed

    def placement_error(
        self, start: datetime.date | None, end: datetime.date | None, *, check_opening: bool = True
    ) -> str | None:
        """Return why nobody can be placed in this unit from ``start`` until ``end`` (None when they can).

        Nobody can be placed in a unit for a day on or after its closing date, nor (``check_opening``) before
        it opened; the message names the unit, the date and, for a closed unit, its primary successor. (A
        personnel row is not checked against the opening: its one assignment starts when the unit opened.)
        """
        from django.utils.translation import gettext

        if self.closed_on is not None and (end is None or end > self.closed_on):
            successor = self.primary_successor
            values = {"unit": self, "date": f"{self.closed_on:%d/%m/%Y}", "successor": successor}
            if successor is not None:
                return (
                    gettext("Đơn vị %(unit)s đã giải thể từ ngày %(date)s; đơn vị kế thừa chính là %(successor)s.")
                    % values
                )
            return gettext("Đơn vị %(unit)s đã giải thể từ ngày %(date)s.") % values
        if check_opening and self.opened_on is not None and (start is None or start < self.opened_on):
            return gettext("Đơn vị %(unit)s chỉ được thành lập từ ngày %(date)s.") % {
                "unit": self,
                "date": f"{self.opened_on:%d/%m/%Y}",
            }
        return None

    @property
    def primary_successor(self) -> "OrgUnit | None":
        """Return the successor that receives most of the unit's people (None for an open unit)."""
        link = self.successions.filter(is_primary=True).select_related("successor").first()
        return link.successor if link else None


class UnitSuccession(models.Model):
    """A successor of a closed unit; exactly one successor of each closed unit is primary."""

    predecessor = models.ForeignKey(
        OrgUnit, models.CASCADE, related_name="successions", verbose_name=_("đơn vị giải thể")
    )
    successor = models.ForeignKey(
        OrgUnit, models.PROTECT, related_name="predecessions", verbose_name=_("đơn vị kế thừa")
    )
    is_primary = models.BooleanField(_("kế thừa chính"), default=False)
    order = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("đơn vị kế thừa")
        verbose_name_plural = _("đơn vị kế thừa")
        ordering = ["predecessor", "order"]
        constraints = [
            models.UniqueConstraint(fields=["predecessor", "successor"], name="succession_once"),
            models.UniqueConstraint(
                fields=["predecessor"], condition=Q(is_primary=True), name="succession_one_primary"
            ),
            models.CheckConstraint(condition=~Q(predecessor=models.F("successor")), name="succession_not_itself"),
        ]

    def __str__(self):
        return f"{self.predecessor_id} → {self.successor_id}"


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

    def in_vietnamese_order(self, *, walk_index: bool = True) -> "PersonQuerySet":
        """Return persons sorted by given name, family name, middle name (Vietnamese alphabet).

        ``walk_index=False`` sorts by the same key through an expression the sort-key index does not serve: the
        database then finds the matches of a rare search first (trigram index) and sorts those few, instead of
        walking the index in order until a page is full (``personnel.search``).
        """
        if walk_index:
            return self.order_by("sort_key", "code")
        return self.order_by(Concat("sort_key", Value("")), "code")


def employed_at_q(at: datetime.date, prefix: str = "") -> Q:
    """Return the filter "employed at ``at``" (start empty or ≤ at; end empty or > at)."""
    return (Q(**{f"{prefix}start_date__isnull": True}) | Q(**{f"{prefix}start_date__lte": at})) & (
        Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gt": at})
    )


# ASCII digits only: "\d" would also take full-width and Arabic-Indic digits (one rule: model, form, API, import).
citizen_id_validator = RegexValidator(r"^[0-9]{12}\Z", _("Số CCCD phải gồm đúng 12 chữ số."))


# One message for a taken person code, whichever case it is written in (the field and the constraint).
PERSON_CODE_TAKEN = _("Mã cán bộ này đã được dùng cho một người khác.")


class Person(models.Model):
    """A cadre, civil servant, public employee, commune worker or People's Council deputy.

    The person's employment is their list of ``Assignment`` rows (organisation-history.md, section 3).
    ``unit``, ``category``, ``leadership_level`` and ``position_title`` are those of the latest
    assignment, and ``start_date``/``end_date`` span them all: kept by ``personnel.history`` whenever
    assignments are written, so lists, search and scoping read one row. Every figure follows the
    assignments.
    """

    # What HR keeps of a person, in the order the form, the API and the nhan_su template show it (one list for all
    # three: data-exchange.md, section 2).
    KEPT_FIELDS = (
        "code", "full_name", "birth_date", "gender", "citizen_id", "unit", "category", "position_title",
        "leadership_level", "btv_managed", "btv_succession", "deputy_term", "education_level", "field_suited",
        "political_level", "state_management_level", "language_level", "start_date", "end_date",
    )  # fmt: skip

    code = models.CharField(
        _("mã cán bộ"),
        max_length=40,
        unique=True,
        validators=[validate_code],
        error_messages={"unique": PERSON_CODE_TAKEN},
    )
    full_name = models.CharField(_("họ và tên"), max_length=255, validators=[validate_name])
    family_name = models.CharField(_("họ"), max_length=100, editable=False, default="")
    middle_name = models.CharField(_("tên đệm"), max_length=150, editable=False, default="")
    given_name = models.CharField(_("tên"), max_length=100, editable=False, default="")
    sort_key = models.CharField(max_length=255, editable=False, default="", db_index=True)
    search_text = models.CharField(max_length=400, editable=False, default="")
    birth_date = models.DateField(_("ngày sinh"))
    gender = models.CharField(_("giới tính"), max_length=8, choices=Gender.choices, blank=True)
    citizen_id = models.CharField(
        _("số CCCD"),
        max_length=12,
        unique=True,
        null=True,
        blank=True,
        validators=[citizen_id_validator],
        error_messages={"unique": _("Số CCCD này đã có trong hồ sơ của một cán bộ khác.")},
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
        constraints = [code_unique_in_any_case("person", PERSON_CODE_TAKEN)]

    def __str__(self):
        return f"{self.full_name} ({self.code})"

    def clean(self):
        super().clean()
        if self.unit_id is not None:
            error = self.unit.placement_error(None, self.end_date, check_opening=False)
            if error:
                raise ValidationError({"unit": error})

    def refresh_name_keys(self) -> None:
        """Set the split name, the Vietnamese sort key and the accent-free search text from the full name."""
        self.full_name = " ".join(self.full_name.split())
        keys = name_keys(self.full_name)
        self.family_name, self.middle_name, self.given_name = keys.family, keys.middle, keys.given
        self.sort_key = keys.sort_key
        self.search_text = f"{keys.folded} {fold(self.code)}"

    def age_at(self, at: datetime.date) -> int:
        """Return the person's age in whole years at ``at``."""
        return at.year - self.birth_date.year - ((at.month, at.day) < (self.birth_date.month, self.birth_date.day))

    def is_employed_at(self, at: datetime.date) -> bool:
        """Return whether the person is employed at ``at``."""
        return (self.start_date is None or self.start_date <= at) and (self.end_date is None or self.end_date > at)


class AssignmentQuerySet(models.QuerySet):
    def covering(self, at: datetime.date) -> "AssignmentQuerySet":
        """Return the assignments that cover ``at`` (from ≤ at < until)."""
        return self.filter(employed_at_q(at))

    def in_order(self) -> "AssignmentQuerySet":
        """Return assignments oldest first (an empty start is the oldest)."""
        return self.order_by(models.F("start_date").asc(nulls_first=True), "pk")


class Assignment(models.Model):
    """One stretch of a person's employment (quá trình công tác): unit, category, leadership level and
    position, from ``start_date`` (empty: since before records began) until ``end_date`` (the first day
    no longer in it; empty: still in it). A person's assignments never overlap; the unit is open over
    the whole assignment (``personnel.history`` checks both).

    ``heir_unit`` is the unit of today's tree that inherits this assignment's people (view ``today``,
    organisation-history.md section 5); ``personnel.history.refresh_heirs`` keeps it.
    """

    person = models.ForeignKey(Person, models.CASCADE, related_name="assignments", verbose_name=_("cán bộ"))
    unit = models.ForeignKey(OrgUnit, models.PROTECT, related_name="assignments", verbose_name=_("đơn vị"))
    category = models.CharField(_("đối tượng"), max_length=24, choices=Category.choices)
    leadership_level = models.PositiveSmallIntegerField(
        _("cấp chức vụ"), choices=LeadershipLevel.choices, default=LeadershipLevel.NONE
    )
    position_title = models.CharField(_("chức vụ"), max_length=255, blank=True)
    start_date = models.DateField(_("từ ngày"), null=True, blank=True)
    end_date = models.DateField(_("đến ngày"), null=True, blank=True)
    heir_unit = models.ForeignKey(OrgUnit, models.SET_NULL, null=True, blank=True, related_name="+", editable=False)
    job_position = models.ForeignKey(
        "personnel.JobPosition",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="assignments",
        verbose_name=_("vị trí việc làm"),
    )

    objects = AssignmentQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["heir_unit"])

    class Meta:
        verbose_name = _("quá trình công tác")
        verbose_name_plural = _("quá trình công tác")
        ordering = ["person", "start_date"]
        constraints = [
            models.UniqueConstraint(fields=["person", "start_date"], name="assignment_natural_key"),
            models.CheckConstraint(
                condition=Q(start_date__isnull=True)
                | Q(end_date__isnull=True)
                | Q(end_date__gt=models.F("start_date")),
                name="assignment_ends_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["person", "start_date"], name="assignment_person_start"),
            models.Index(fields=["unit", "start_date"], name="assignment_unit_start"),
            # The unit a person is counted in, in view ``today`` (a few units recounted after a change).
            models.Index(Coalesce("heir_unit", "unit"), name="assignment_placed_unit"),
        ]

    def __str__(self):
        start = f"{self.start_date:%d/%m/%Y}" if self.start_date else "…"
        end = f"{self.end_date:%d/%m/%Y}" if self.end_date else "…"
        return f"{self.unit_id}: {start} – {end}"

    def covers(self, at: datetime.date) -> bool:
        """Return whether the assignment covers ``at``."""
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
                fields=["person", "kind", "level", "obtained_on"],
                name="qualification_natural_key",
                violation_error_message=_("Cán bộ đã có văn bằng cùng loại, cùng trình độ với cùng ngày cấp."),
            ),
        ]
        indexes = [models.Index(fields=["kind", "level"], name="qualification_kind_level")]

    def __str__(self):
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
            models.UniqueConstraint(
                fields=["person", "kind", "appointed_on"],
                name="appointment_natural_key",
                violation_error_message=_("Cán bộ đã có một lần bổ nhiệm cùng loại vào ngày này; hãy sửa lần đó."),
            ),
        ]
        indexes = [models.Index(fields=["appointed_on"], name="appointment_date")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.title} ({self.appointed_on:%d/%m/%Y})"


class OrganisationState(models.Model):
    """One row: the day the heir units of assignments were last computed (``personnel.history``)."""

    heirs_as_of = models.DateField(null=True, blank=True)

    def __str__(self):
        return f"heirs as of {self.heirs_as_of}"


class ReorganisationStatus(models.TextChoices):
    PREVIEWED = "previewed", _("Chờ xác nhận")
    APPLIED = "applied", _("Đã áp dụng")
    UNDONE = "undone", _("Đã hoàn tác")


class Reorganisation(models.Model):
    """A reorganisation (sắp xếp đơn vị) loaded by an admin: its plan, who previewed, applied and undid it,
    and what applying it did (``effects``), so that ``personnel.reorganisation.undo_reorganisation`` can put
    everything back. Every record it writes carries the history reason ``reorg:<id>`` (``reorg-undo:<id>``
    for the undo)."""

    name = models.CharField(_("tên đợt sắp xếp"), max_length=255)
    effective_on = models.DateField(_("ngày hiệu lực"))
    # The plan as loaded: {"closures": [[code, [successor codes, primary first]]], "openings": [[code, name,
    # level, parent code]], "destinations": [[person code, unit code]]}.
    plan = models.JSONField(_("phương án"), default=dict)
    status = models.CharField(
        _("trạng thái"), max_length=12, choices=ReorganisationStatus.choices, default=ReorganisationStatus.PREVIEWED
    )
    # What applying did: ids of units closed (with their previous closing date), units created, successions,
    # and each move [person id, old assignment id, its previous end, new assignment id].
    effects = models.JSONField(_("kết quả"), default=dict, blank=True)
    created_by = models.ForeignKey(
        "accounts.User", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("người lập")
    )
    created_at = models.DateTimeField(_("lập lúc"), auto_now_add=True)
    applied_by = models.ForeignKey(
        "accounts.User", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("người áp dụng")
    )
    applied_at = models.DateTimeField(_("áp dụng lúc"), null=True, blank=True)
    undone_by = models.ForeignKey(
        "accounts.User", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("người hoàn tác")
    )
    undone_at = models.DateTimeField(_("hoàn tác lúc"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("đợt sắp xếp đơn vị")
        verbose_name_plural = _("đợt sắp xếp đơn vị")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.name} ({self.effective_on:%d/%m/%Y})"

    @property
    def history_reason(self) -> str:
        """Return the change reason written on every history row this reorganisation wrote."""
        return f"reorg:{self.pk}"

    @property
    def undo_reason(self) -> str:
        """Return the change reason written on every history row of its undo."""
        return f"reorg-undo:{self.pk}"
