"""Forms of the training screens: a course, and a whole class's results at once."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.scoping import scope_unit, visible_units
from core.codes import clean_code
from hr.forms import CourseChoiceField, UnitChoiceField, VersionedForm, date_input
from personnel.choices import QualificationKind
from personnel.models import OrgUnit
from personnel.qualifications import LADDERS
from training.choices import TrainingResult
from training.models import Course, CourseType
from training.rules import completion_date_errors, course_date_errors, course_dates_errors
from training.services import (
    ClassRecordError,
    course_meaning,
    meaning_changes,
    parse_codes,
    resolve_persons,
    shared_course_message,
)


def grant_choices() -> list:
    """Return the qualifications a course may grant, grouped by kind ("ly_luan_chinh_tri:3" = Cao cấp LLCT)."""
    return [
        ("", _("— Không cấp trình độ —")),
        *[
            (QualificationKind(kind).label, [(f"{kind}:{level}", label) for level, label in ladder.items() if level])
            for kind, ladder in LADDERS.items()
        ],
    ]


class CourseForm(VersionedForm):
    """A course as in the course template (data-exchange, section 4)."""

    grants = forms.ChoiceField(
        label=_("Cấp trình độ khi hoàn thành"),
        choices=grant_choices,
        required=False,
        help_text=_("Chỉ chọn khi hoàn thành khóa học thì được cấp trình độ (ví dụ: cao cấp lý luận chính trị)."),
    )

    unit = UnitChoiceField(
        label=_("Đơn vị tổ chức"),
        queryset=OrgUnit.objects.none(),
        required=False,
        help_text=_("Đơn vị mở lớp; cán bộ tổ chức của đơn vị đó (và cấp trên) được sửa khóa học."),
    )

    class Meta:
        model = Course
        fields = ["code", "title", "types", "form", "provider", "start_date", "end_date", "hours", "unit"]
        widgets = {
            "types": forms.CheckboxSelectMultiple,
            "start_date": date_input(),
            "end_date": date_input(),
        }
        error_messages = {"code": {"unique": _("Mã khóa học này đã được dùng cho một khóa khác.")}}

    def __init__(self, *args, user=None, shared: bool = False, **kwargs):
        """``user``: the units offered are those of their scope; ``shared``: other units' records use the course."""
        super().__init__(*args, **kwargs)
        self.user, self.shared = user, shared
        # Read before the grant is cleaned into the instance: what the other units' records mean today.
        self.meaning_before = course_meaning(self.instance) if shared else {}
        self.fields["types"].queryset = CourseType.objects.order_by("order", "code")
        units = visible_units(user) if user is not None else OrgUnit.objects.all()
        self.fields["unit"].queryset = units.order_by("path")
        if self.instance.pk is None and user is not None:
            self.initial.setdefault("unit", getattr(scope_unit(user), "pk", None))
        if self.instance.grants_kind:
            self.initial["grants"] = f"{self.instance.grants_kind}:{self.instance.grants_level}"

    def clean_code(self):
        return clean_code(self.cleaned_data.get("code"))

    def clean_grants(self):
        value = self.cleaned_data.get("grants")
        kind, _sep, level = value.partition(":")
        # The choices already hold only levels of each ladder; the instance gets both halves or neither.
        self.instance.grants_kind, self.instance.grants_level = (kind, int(level)) if value else (None, None)
        return value

    def clean_unit(self):
        # No unit chosen: the user's own (the city's root for admins).
        return self.cleaned_data.get("unit") or (scope_unit(self.user) if self.user is not None else None)

    def clean(self):
        cleaned = super().clean()
        if self.shared:
            after = {name: cleaned.get(name) for name in ("start_date", "end_date")}
            after["types"] = frozenset(t.code for t in cleaned.get("types") or ())
            after["grants_kind"], after["grants_level"] = self.instance.grants_kind, self.instance.grants_level
            for name in meaning_changes(self.meaning_before, after):
                field = "grants" if name.startswith("grants") else name
                if field not in self.errors:
                    self.add_error(field, shared_course_message())
        # training.rules: the dates' order, then recorded completions the new dates would leave outside.
        dates = {"start_date": cleaned.get("start_date"), "end_date": cleaned.get("end_date")}
        errors = course_date_errors(**dates)
        if not errors and not self.errors:
            errors = course_dates_errors(course=self.instance, **dates)
        for field, messages in errors.items():
            self.add_error(field, messages)
        return cleaned


class RecordClassForm(forms.Form):
    """One result and completion date for many persons of the user's scope, given by their codes."""

    course = CourseChoiceField(label=_("Khóa học"), queryset=Course.objects.none())
    codes = forms.CharField(
        label=_("Mã cán bộ"),
        widget=forms.Textarea(attrs={"rows": 8, "placeholder": _("Mỗi dòng một mã, hoặc cách nhau bởi dấu phẩy")}),
        help_text=_("Dán danh sách mã từ bảng tính, hoặc tìm và thêm từng người ở ô bên cạnh."),
    )
    result = forms.ChoiceField(label=_("Kết quả"), choices=TrainingResult.choices, initial=TrainingResult.COMPLETED)
    completed_on = forms.DateField(
        label=_("Ngày hoàn thành"),
        required=False,
        widget=date_input(),
        help_text=_("Chỉ ghi khi hoàn thành; để trống = ngày kết thúc khóa học."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.persons = []
        self.fields["course"].queryset = Course.objects.order_by("-start_date", "code")

    def clean_codes(self):
        codes = parse_codes(self.cleaned_data["codes"])
        if not codes:
            raise forms.ValidationError(_("Chưa có mã cán bộ nào."))
        try:
            self.persons = resolve_persons(codes=codes, user=self.user)
        except ClassRecordError as error:
            raise forms.ValidationError(error.messages) from error
        return codes

    def clean(self):
        cleaned = super().clean()
        course, result = cleaned.get("course"), cleaned.get("result")
        if course and result:
            for error in completion_date_errors(course=course, result=result, completed_on=cleaned.get("completed_on")):
                self.add_error("completed_on", error)
        return cleaned
