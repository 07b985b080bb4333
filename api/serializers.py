"""What the API reads and writes: the records of the data-exchange templates, referred to by code.

Validation is the product's, not the serializer's: every write builds the model instance it would
save and runs ``full_clean`` (the messages of the forms and the admin), plus the domain rules that
are named functions of the domain apps (``personnel.rules``, ``training.rules``, the qualification ladders).
"""

import copy

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ManyToManyField
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.settings import api_settings
from rest_framework.validators import UniqueValidator

from accounts.scoping import visible_persons, visible_units
from core.codes import normalise_code
from personnel.choices import Category, LeadershipLevel, QualificationKind
from personnel.job_positions import JobPosition
from personnel.models import Appointment, OrgUnit, Person, Qualification, citizen_id_validator
from personnel.qualifications import LADDERS, level_label, qualification_level_error
from personnel.rules import natural_key_errors, person_date_errors
from personnel.services import prepare_person
from targets.models import Indicator, IndicatorKind, Programme
from training.models import Course, CourseType, TrainingRecord
from training.rules import completion_date_errors, course_dates_errors
from training.scoping import course_used_outside_scope
from training.services import course_meaning, meaning_changes, shared_course_message

from .fields import CitizenIdField, CodeField

UNIT_NOT_FOUND = _("Không tìm thấy đơn vị mã “{value}”.")
PERSON_NOT_FOUND = _("Không tìm thấy cán bộ mã “{value}” trong phạm vi bạn quản lý.")
COURSE_NOT_FOUND = _("Không tìm thấy khóa học mã “{value}”.")
COURSE_TYPE_NOT_FOUND = _("Không có loại khóa học mã “{value}”.")
PROGRAMME_NOT_FOUND = _("Không tìm thấy chương trình mã “{value}”.")
VERSION_HELP = _(
    "Phiên bản của bản ghi: 1 khi tạo, tăng 1 sau mỗi lần ghi. Khi sửa (PUT/PATCH), gửi lại phiên bản đã đọc: nếu "
    "bản ghi đã được người khác sửa sau đó, yêu cầu bị từ chối với mã 409 (kèm phiên bản hiện tại) và không ghi gì; "
    "hãy đọc lại bản ghi rồi sửa. Không gửi thì ghi đè, không kiểm tra. Bỏ qua khi thêm mới."
)


def version_field() -> serializers.IntegerField:
    """Return the ``version`` field of an optimistically locked record (``core.concurrency``)."""
    return serializers.IntegerField(min_value=1, required=False, help_text=VERSION_HELP)


def error_dict(error: DjangoValidationError) -> dict[str, list[str]]:
    """Return a Django validation error as DRF's {field: [messages]} (``__all__`` as ``non_field_errors``)."""
    if not hasattr(error, "error_dict"):
        return {api_settings.NON_FIELD_ERRORS_KEY: list(error.messages)}
    return {
        (api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field): [
            message for e in errors for message in e.messages
        ]
        for field, errors in error.error_dict.items()
    }


def merge_errors(*dicts: dict[str, list[str]]) -> dict[str, list[str]]:
    """Return the union of several {field: [messages]} dicts, each message once."""
    merged: dict[str, list[str]] = {}
    for errors in dicts:
        for field, messages in errors.items():
            bucket = merged.setdefault(field, [])
            bucket.extend(str(m) for m in messages if str(m) not in bucket)
    return merged


class ModelCleanSerializer(serializers.ModelSerializer):
    """A model serializer that validates the instance it would save with the model's own rules.

    Subclasses add domain rules in ``domain_errors``; check constraints are left to those rules (their
    generic database message is never shown) and checked last.
    """

    class Meta:
        validators: list = []  # unique-together keys are checked by full_clean, with Django's messages

    # Fields whose uniqueness full_clean checks, with the model's message (the database constraint's, the
    # forms' one: personnel.rules.unique_message) rather than DRF's generic "already exists".
    unique_fields: tuple[str, ...] = ()

    def get_fields(self):
        fields = super().get_fields()
        for name in self.unique_fields:
            if name in fields:
                fields[name].validators = [v for v in fields[name].validators if not isinstance(v, UniqueValidator)]
        return fields

    def build_instance(self, attrs: dict):
        """Return the (unsaved) instance this payload would produce."""
        model = self.Meta.model
        m2m = {f.name for f in model._meta.get_fields() if isinstance(f, ManyToManyField)}
        # The version is the write's precondition (checked by the view's save), not a value to write.
        values = {key: value for key, value in attrs.items() if key not in m2m and key != "version"}
        if self.instance is None:
            return model(**values)
        instance = copy.copy(self.instance)
        for key, value in values.items():
            setattr(instance, key, value)
        return instance

    def domain_errors(self, instance, attrs: dict) -> dict[str, list[str]]:
        """Return errors of the domain rules beyond the model's field validation."""
        return {}

    def prepare(self, instance) -> None:
        """Fill derived fields before validation (as the write service will before saving)."""

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if isinstance(attrs.get("code"), str) and getattr(self.Meta, "normalise_code", True):
            attrs["code"] = normalise_code(attrs["code"])  # core.codes: one case for every code
        instance = self.build_instance(attrs)
        self.prepare(instance)
        exclude = [f.name for f in instance._meta.fields if not f.editable]
        errors = self.domain_errors(instance, attrs)
        try:
            instance.full_clean(exclude=exclude, validate_constraints=False)
        except DjangoValidationError as error:
            errors = merge_errors(errors, error_dict(error))
        if not errors:
            try:
                instance.validate_constraints(exclude=exclude)
            except DjangoValidationError as error:
                errors = error_dict(error)
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


# ---------------------------------------------------------------------------------------------
# Units


class UnitSerializer(ModelCleanSerializer):
    """An organisation unit (data-exchange, section 1)."""

    parent = CodeField(
        queryset=OrgUnit.objects.all(),
        scope=visible_units,
        not_found=UNIT_NOT_FOUND,
        allow_null=True,
        required=False,
        help_text=_("Mã đơn vị cấp trên; null cho đơn vị gốc."),
    )

    successors = serializers.SerializerMethodField(
        help_text=_("Mã các đơn vị kế thừa của đơn vị đã giải thể, đơn vị kế thừa chính đứng đầu.")
    )

    class Meta(ModelCleanSerializer.Meta):
        model = OrgUnit
        fields = ["code", "name", "parent", "level", "opened_on", "closed_on", "successors", "depth"]
        read_only_fields = ["depth"]

    @extend_schema_field({"type": "array", "items": {"type": "string"}})
    def get_successors(self, unit) -> list[str]:
        links = unit.successions.all()  # prefetched with their successors by the view
        return [link.successor.code for link in sorted(links, key=lambda link: (not link.is_primary, link.order))]

    def domain_errors(self, instance, attrs):
        parent = attrs.get("parent")
        if parent is not None and instance.pk and parent.is_within(instance):
            return {"parent": [_("Không thể đặt đơn vị vào dưới chính nó hoặc đơn vị cấp dưới của nó.")]}
        return {}


class AssignmentSerializer(serializers.Serializer):
    """One stretch of a person's history (quá trình công tác: data-exchange, section 6b)."""

    unit = CodeField(queryset=OrgUnit.objects.all(), scope=visible_units, not_found=UNIT_NOT_FOUND)
    category = serializers.ChoiceField(choices=Category.choices)
    leadership_level = serializers.ChoiceField(choices=LeadershipLevel.choices, required=False, default=0)
    position_title = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    job_position = CodeField(
        queryset=JobPosition.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Mã vị trí việc làm (danh mục vị trí việc làm); trống nếu chưa xác định."),
    )
    start_date = serializers.DateField(required=False, allow_null=True, default=None)
    end_date = serializers.DateField(required=False, allow_null=True, default=None)
    heir_unit = serializers.SerializerMethodField(help_text=_("Đơn vị hiện nay kế thừa (cách xem today)."))

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_heir_unit(self, assignment) -> str | None:
        heir = getattr(assignment, "heir_unit", None)
        return heir.code if heir is not None else None


# ---------------------------------------------------------------------------------------------
# Persons


class PersonSerializer(ModelCleanSerializer):
    """A person (data-exchange, section 2); the citizen ID is masked unless ``reveal_citizen_id``."""

    unit = CodeField(queryset=OrgUnit.objects.all(), scope=visible_units, not_found=UNIT_NOT_FOUND)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    version = version_field()
    citizen_id = CitizenIdField(
        max_length=12,
        validators=[citizen_id_validator],
        help_text=_(
            "Số CCCD, đúng 12 chữ số. Quản trị và cán bộ tổ chức thấy đầy đủ; lãnh đạo và người xem thấy dạng che "
            "(001*******89: 3 số đầu là mã tỉnh và 2 số cuối)."
        ),
    )

    class Meta(ModelCleanSerializer.Meta):
        model = Person
        # What HR keeps of a person (Person.KEPT_FIELDS), the unit's name beside its code, and the row's version.
        fields = [*Person.KEPT_FIELDS[:6], "unit_name", *Person.KEPT_FIELDS[6:], "updated_at", "version"]
        read_only_fields = ["updated_at"]

    unique_fields = ("code", "citizen_id")

    def prepare(self, instance):
        prepare_person(instance)

    def domain_errors(self, instance, attrs):
        return person_date_errors(
            birth_date=instance.birth_date, start_date=instance.start_date, end_date=instance.end_date
        )


# ---------------------------------------------------------------------------------------------
# Qualifications and appointments


def ladder_errors(kind: str | None, level: int | None, field: str) -> dict[str, list[str]]:
    """Return an error when ``level`` is not on the ladder of ``kind`` (programme spec, section 2)."""
    if kind not in LADDERS or level is None or level in LADDERS[kind]:
        return {}
    message = _("%(kind)s chỉ có trình độ từ 0 đến %(top)s.") % {
        "kind": QualificationKind(kind).label,
        "top": max(LADDERS[kind]),
    }
    return {field: [message]}


class QualificationSerializer(ModelCleanSerializer):
    """A dated qualification (data-exchange, section 3)."""

    person = CodeField(queryset=Person.objects.all(), scope=visible_persons, not_found=PERSON_NOT_FOUND)
    level_label = serializers.SerializerMethodField(help_text=_("Tên trình độ (“Thạc sĩ”, “Cao cấp”…)."))
    version = version_field()

    class Meta(ModelCleanSerializer.Meta):
        model = Qualification
        fields = ["id", "person", "kind", "level", "level_label", "obtained_on", "document_number", "version"]

    @extend_schema_field(OpenApiTypes.STR)
    def get_level_label(self, qualification) -> str:
        return str(level_label(qualification.kind, qualification.level))

    def domain_errors(self, instance, attrs):
        # The qualification form's rules, with its messages (hr.forms.QualificationForm).
        # One rule for the form, the API and the import: personnel.qualifications.qualification_level_error.
        message = qualification_level_error(instance.kind, instance.level)
        errors = {"level": [message]} if message else {}
        if instance.obtained_on and instance.obtained_on > timezone.localdate():
            errors["obtained_on"] = [_("Ngày cấp không được ở tương lai.")]
        return errors or natural_key_errors(instance, "level")


class AppointmentSerializer(ModelCleanSerializer):
    """An appointment to a rank or a post (data-exchange, section 6)."""

    person = CodeField(queryset=Person.objects.all(), scope=visible_persons, not_found=PERSON_NOT_FOUND)

    version = version_field()

    class Meta(ModelCleanSerializer.Meta):
        model = Appointment
        fields = ["id", "person", "kind", "title", "appointed_on", "version"]

    def domain_errors(self, instance, attrs):
        # The appointment form's rule: the natural key's constraint, with its message.
        return natural_key_errors(instance, "appointed_on")


# ---------------------------------------------------------------------------------------------
# Courses and training records


class CourseTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = CourseType
        fields = ["code", "name", "order"]


class CourseSerializer(ModelCleanSerializer):
    """A course (data-exchange, section 4); ``types`` are course-type codes."""

    types = CodeField(
        many=True,
        queryset=CourseType.objects.all(),
        not_found=COURSE_TYPE_NOT_FOUND,
        allow_empty=False,
        help_text=_('Mã các loại khóa học (ít nhất một), ví dụ ["phap_luat"].'),
    )
    unit = CodeField(
        queryset=OrgUnit.objects.all(),
        scope=visible_units,
        not_found=UNIT_NOT_FOUND,
        allow_null=True,
        required=False,
        help_text=_(
            "Mã đơn vị tổ chức khóa học; mặc định là đơn vị của bạn. Chỉ cán bộ tổ chức của đơn vị đó (và cấp "
            "trên) được sửa khóa học."
        ),
    )
    version = version_field()

    class Meta(ModelCleanSerializer.Meta):
        model = Course
        fields = [
            "unit",
            "code",
            "title",
            "types",
            "form",
            "provider",
            "start_date",
            "end_date",
            "hours",
            "grants_kind",
            "grants_level",
            "version",
        ]

    unique_fields = ("code",)

    def domain_errors(self, instance, attrs):
        # The course form's rules, with its messages (hr.training_forms.CourseForm).
        errors = course_dates_errors(course=self.instance, start_date=instance.start_date, end_date=instance.end_date)
        if (instance.grants_kind is None) != (instance.grants_level is None):
            field = "grants_level" if instance.grants_level is None else "grants_kind"
            errors[field] = [_("Cần cả loại trình độ và trình độ được cấp, hoặc để trống cả hai.")]
        errors = merge_errors(errors, self._shared_course_errors(instance, attrs))
        return merge_errors(errors, ladder_errors(instance.grants_kind, instance.grants_level, "grants_level"))

    def _shared_course_errors(self, course, attrs) -> dict[str, list[str]]:
        """Refuse changes to what other units' records of the course mean (``training.services``)."""
        user = getattr(self.context.get("request"), "user", None)
        if self.instance is None or not course_used_outside_scope(user, self.instance):
            return {}
        after = {name: getattr(course, name) for name in ("start_date", "end_date", "grants_kind", "grants_level")}
        if "types" in attrs:
            after["types"] = frozenset(t.code for t in attrs["types"])
        return {name: [shared_course_message()] for name in meaning_changes(course_meaning(self.instance), after)}

    def create(self, validated_data):
        types = validated_data.pop("types")
        course = super().create(validated_data)
        course.types.set(types)
        return course

    def update(self, instance, validated_data):
        types = validated_data.pop("types", None)
        course = super().update(instance, validated_data)
        if types is not None:
            course.types.set(types)
        return course


class TrainingRecordSerializer(ModelCleanSerializer):
    """A person's result in a course (data-exchange, section 5), identified by (person, course)."""

    person = CodeField(queryset=Person.objects.all(), scope=visible_persons, not_found=PERSON_NOT_FOUND)
    course = CodeField(queryset=Course.objects.all(), not_found=COURSE_NOT_FOUND)
    counted_on = serializers.SerializerMethodField(
        help_text=_("Ngày được tính: ngày hoàn thành, hoặc ngày kết thúc khóa học; null khi chưa hoàn thành.")
    )
    version = version_field()

    class Meta(ModelCleanSerializer.Meta):
        model = TrainingRecord
        fields = ["id", "person", "course", "result", "completed_on", "certificate_number", "counted_on", "version"]

    @extend_schema_field(serializers.DateField(allow_null=True))  # null until completed
    def get_counted_on(self, record):
        return record.effective_date

    def domain_errors(self, instance, attrs):
        # The training-record form's rules, with its messages (hr.forms.TrainingRecordForm).
        if instance.course_id is None or not instance.result:
            return {}
        errors = {}
        messages = completion_date_errors(
            course=instance.course, result=instance.result, completed_on=instance.completed_on
        )
        if messages:
            errors["completed_on"] = messages
        return {**errors, **natural_key_errors(instance, "course")}


class BulkTrainingRecordItemSerializer(serializers.Serializer):
    """One item of a bulk write of training records: the ``ket_qua`` template's columns, by code."""

    person = serializers.CharField(max_length=40, help_text=_("Mã cán bộ."))
    course = serializers.CharField(max_length=60, help_text=_("Mã khóa học."))
    result = serializers.ChoiceField(choices=TrainingRecord._meta.get_field("result").choices)
    completed_on = serializers.DateField(
        required=False, allow_null=True, help_text=_("Ngày hoàn thành; trống = ngày kết thúc khóa học.")
    )
    certificate_number = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class BulkItemErrorSerializer(serializers.Serializer):
    index = serializers.IntegerField(
        allow_null=True,
        help_text=_("Vị trí của phần tử trong danh sách gửi lên, tính từ 0; null: lỗi của cả danh sách."),
    )
    field = serializers.CharField(help_text=_("Tên trường có lỗi, hoặc non_field_errors."))
    messages = serializers.ListField(child=serializers.CharField())
    code = serializers.CharField(required=False, help_text=_("year_locked: thuộc năm đã phê duyệt."))


class BulkErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField(required=False, help_text=_("year_locked: mọi lỗi đều thuộc năm đã phê duyệt."))
    errors = BulkItemErrorSerializer(
        many=True, required=False, help_text=_("Không có khi thân yêu cầu không phải JSON.")
    )


class BulkItemResultSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=["created", "updated", "unchanged"])


class BulkResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    results = BulkItemResultSerializer(many=True)


# ---------------------------------------------------------------------------------------------
# Programmes and indicators


class ProgrammeSerializer(ModelCleanSerializer):
    class Meta(ModelCleanSerializer.Meta):
        model = Programme
        fields = ["code", "name", "start_date", "end_date", "is_default", "source"]


class IndicatorSerializer(ModelCleanSerializer):
    """One indicator of a programme, with its population and criterion as data (programme spec, section 3)."""

    programme = CodeField(queryset=Programme.objects.all(), not_found=PROGRAMME_NOT_FOUND)
    target = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=0, max_value=100, coerce_to_string=False
    )
    categories = serializers.ListField(child=serializers.ChoiceField(choices=Category.choices), required=False)
    course_types = serializers.ListField(child=serializers.CharField(max_length=40), required=False)
    appointment_requirements = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField(max_length=40)),
        required=False,
        help_text=_('Khóa học bắt buộc theo loại bổ nhiệm, ví dụ {"ngach": ["tieu_chuan_ngach"]}.'),
    )

    class Meta(ModelCleanSerializer.Meta):
        model = Indicator
        fields = [
            "id",
            "programme",
            "code",
            "order",
            "group",
            "name",
            "name_en",
            "description",
            "kind",
            "target",
            "categories",
            "requires_btv_managed",
            "requires_btv_succession",
            "deputy_term",
            "min_leadership_level",
            "unit_level",
            "max_age",
            "min_education",
            "min_political",
            "min_state_management",
            "min_language",
            "requires_field_suited",
            "course_types",
            "course_match",
            "window_start",
            "window_end",
            "appointment_requirements",
        ]


# ---------------------------------------------------------------------------------------------
# Compliance (data-exchange, section 7): these describe the JSON of ``UnitReport.as_json`` for the schema.


class ComplianceQuerySerializer(serializers.Serializer):
    """The parameters of a compliance request (all optional)."""

    programme = serializers.CharField(
        required=False, max_length=40, help_text=_("Mã chương trình; mặc định: chương trình mặc định.")
    )
    year = serializers.IntegerField(
        required=False,
        min_value=1900,
        max_value=2100,
        help_text=_(
            "Năm Y; mặc định: năm gần nhất đã bắt đầu của chương trình (năm cuối khi chương trình đã kết thúc)."
        ),
    )
    unit = serializers.CharField(
        required=False,
        max_length=40,
        help_text=_("Mã đơn vị; mặc định: đơn vị gốc (hoặc đơn vị của người dùng không xem toàn thành phố)."),
    )
    as_of = serializers.DateField(
        required=False, help_text=_("Ngày xét T (yyyy-mm-dd); mặc định: 31/12 của năm Y, không quá hôm nay.")
    )
    view = serializers.ChoiceField(
        choices=["today", "then"],
        required=False,
        help_text=_(
            "Cách xem: today (quy về các đơn vị hiện nay) hoặc then (theo cơ cấu tổ chức khi đó); mặc định: "
            "today cho đơn vị đang hoạt động, then cho đơn vị đã giải thể."
        ),
    )

    def validate_as_of(self, value):
        if not 1900 <= value.year <= 2100:
            raise serializers.ValidationError(_("Ngày xét phải trong các năm 1900–2100."))
        return value


class UnmetQuerySerializer(ComplianceQuerySerializer):
    indicator = serializers.CharField(max_length=20, help_text=_("Mã chỉ tiêu, ví dụ CC-3."))


class ComplianceUnitSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class ComplianceIndicatorSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=IndicatorKind.choices)
    target = serializers.FloatField()
    numerator = serializers.IntegerField()
    denominator = serializers.IntegerField()
    percent = serializers.FloatField(allow_null=True, help_text=_("null khi mẫu số bằng 0."))
    met = serializers.BooleanField(allow_null=True, help_text=_("null khi mẫu số bằng 0."))
    gap = serializers.IntegerField(help_text=_("Số người cần thêm để đạt chỉ tiêu."))


class ComplianceReportSerializer(serializers.Serializer):
    programme = serializers.CharField()
    unit = ComplianceUnitSerializer()
    year = serializers.IntegerField(allow_null=True)
    as_of = serializers.DateField()
    indicators = ComplianceIndicatorSerializer(many=True)


class ComplianceApprovedSerializer(serializers.Serializer):
    by = serializers.CharField()
    at = serializers.DateTimeField()
    status = serializers.CharField()
    accepted_by = serializers.CharField(required=False)
    accepted_at = serializers.DateTimeField(required=False)


class ComplianceApprovedReportSerializer(ComplianceReportSerializer):
    approved = ComplianceApprovedSerializer(
        required=False, help_text=_("Có khi số liệu năm đã được phê duyệt: số liệu là bản đã giữ nguyên lúc phê duyệt.")
    )


class ComplianceChildrenSerializer(ComplianceReportSerializer):
    children = ComplianceReportSerializer(many=True, help_text=_("Báo cáo của từng đơn vị trực thuộc."))


class UnmetAppointmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    title = serializers.CharField()
    appointed_on = serializers.DateField()


class UnmetEntrySerializer(serializers.Serializer):
    """A person (or an appointment of a person) not meeting an indicator, and what is missing."""

    code = serializers.CharField(help_text=_("Mã cán bộ."))
    full_name = serializers.CharField()
    unit = serializers.CharField(help_text=_("Mã đơn vị."))
    unit_name = serializers.CharField()
    category = serializers.CharField()
    appointment = UnmetAppointmentSerializer(
        allow_null=True, help_text=_("Lần bổ nhiệm chưa đạt (chỉ tiêu theo lần bổ nhiệm); null với chỉ tiêu khác.")
    )
    missing = serializers.ListField(child=serializers.CharField(), help_text=_("Những gì còn thiếu, bằng lời."))


class UnmetPageSerializer(serializers.Serializer):
    programme = serializers.CharField()
    indicator = serializers.CharField()
    unit = ComplianceUnitSerializer()
    year = serializers.IntegerField()
    as_of = serializers.DateField()
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = UnmetEntrySerializer(many=True)


# ---------------------------------------------------------------------------------------------
# Tokens


class LoginSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})
    otp = serializers.CharField(
        max_length=12,
        required=False,
        help_text=_(
            "Mã 6 chữ số của ứng dụng xác thực: bắt buộc với tài khoản quản trị và nhập dữ liệu (xác thực hai lớp)."
        ),
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text=_("Gửi trong tiêu đề: Authorization: Token <token>."))
    expiry = serializers.DateTimeField(allow_null=True)
    username = serializers.CharField()
    role = serializers.CharField(allow_null=True)
    unit = serializers.CharField(allow_null=True)


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


class StaleEditErrorSerializer(serializers.Serializer):
    """A 409 answer to an edit sent with a stale ``version``: nothing was written."""

    detail = serializers.CharField()
    version = serializers.IntegerField(
        allow_null=True, help_text=_("Phiên bản hiện tại của bản ghi; null nếu bản ghi đã bị xóa.")
    )


class ValidationErrorSerializer(serializers.Serializer):
    """A 400 answer: {field: [messages]}, ``non_field_errors`` for the whole record, or ``detail``."""

    non_field_errors = serializers.ListField(child=serializers.CharField(), required=False)
    detail = serializers.CharField(required=False)
