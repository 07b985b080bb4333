"""Forms of the admins' screens: labelled pickers (names, never codes), checks left to the domain services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.names import localized_name
from personnel.choices import AppointmentKind, Category, UnitLevel
from personnel.job_positions import JobPosition
from personnel.models import OrgUnit
from personnel.qualifications import LADDERS, QualificationKind
from targets.editor import population_error
from targets.models import Indicator
from training.models import CourseType

MULTI = {"data-search": "", "class": "multi-picker"}


def course_type_choices():
    """Return (code, name) of every course type, named in the active language."""
    return [(t.code, localized_name(t)) for t in CourseType.objects.all()]


def level_field(kind: str, label) -> forms.TypedChoiceField:
    """Return a picker of a qualification ladder's levels by name (empty: not required)."""
    return forms.TypedChoiceField(
        label=label,
        choices=[("", _("— không xét —")), *((level, name) for level, name in LADDERS[kind].items())],
        coerce=int,
        empty_value=None,
        required=False,
    )


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class ProgrammeForm(forms.Form):
    code = forms.CharField(label=_("Mã chương trình"), max_length=40)
    name = forms.CharField(label=_("Tên chương trình"), max_length=255)
    name_en = forms.CharField(label=_("Tên tiếng Anh"), max_length=255, required=False)
    start_date = forms.DateField(label=_("Ngày bắt đầu"), widget=DateInput)
    end_date = forms.DateField(label=_("Ngày kết thúc"), widget=DateInput)


class ProgrammePeriodForm(ProgrammeForm):
    """Change a programme: its code stays."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["code"]


class IndicatorForm(forms.ModelForm):
    """An indicator, with pickers labelled by name: categories, unit levels, levels, course types."""

    target = forms.DecimalField(
        label=_("Chỉ tiêu (%)"),
        max_digits=6,
        decimal_places=2,
        min_value=0,
        max_value=100,
        error_messages={
            "min_value": _("Chỉ tiêu (%%) phải từ 0 đến 100; không được nhỏ hơn %(limit_value)s."),
            "max_value": _("Chỉ tiêu (%%) phải từ 0 đến 100; không được lớn hơn %(limit_value)s."),
            "max_digits": _("Chỉ tiêu (%) phải từ 0 đến 100."),
        },
    )
    categories = forms.MultipleChoiceField(
        label=_("Đối tượng"), choices=Category.choices, required=False, widget=forms.SelectMultiple(attrs=MULTI)
    )
    unit_level = forms.ChoiceField(
        label=_("Cấp đơn vị"), choices=[("", _("— mọi cấp —")), *UnitLevel.choices], required=False
    )
    min_education = level_field(QualificationKind.EDUCATION, _("Trình độ chuyên môn tối thiểu"))
    min_political = level_field(QualificationKind.POLITICAL_THEORY, _("Lý luận chính trị tối thiểu"))
    min_state_management = level_field(QualificationKind.STATE_MANAGEMENT, _("Quản lý nhà nước tối thiểu"))
    min_language = level_field(QualificationKind.FOREIGN_LANGUAGE, _("Ngoại ngữ tối thiểu"))
    course_types = forms.MultipleChoiceField(
        label=_("Loại khóa học"), choices=course_type_choices, required=False, widget=forms.SelectMultiple(attrs=MULTI)
    )
    rank_appointment_courses = forms.MultipleChoiceField(
        label=_("Khóa bắt buộc trước khi bổ nhiệm ngạch"),
        choices=course_type_choices,
        required=False,
        widget=forms.SelectMultiple(attrs=MULTI),
    )
    post_appointment_courses = forms.MultipleChoiceField(
        label=_("Khóa bắt buộc trước khi bổ nhiệm chức vụ"),
        choices=course_type_choices,
        required=False,
        widget=forms.SelectMultiple(attrs=MULTI),
    )

    class Meta:
        model = Indicator
        fields = [
            "code", "order", "group", "name", "name_en", "description", "kind", "target",
            "categories", "unit_level", "min_leadership_level", "requires_btv_managed", "requires_btv_succession",
            "deputy_term", "max_age",
            "min_education", "min_political", "min_state_management", "min_language", "requires_field_suited",
            "course_types", "course_match", "window_start", "window_end", "recurring_years", "warning_days",
        ]  # fmt: skip
        widgets = {
            "window_start": DateInput,
            "window_end": DateInput,
            "description": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, programme=None, **kwargs):
        super().__init__(*args, **kwargs)
        if programme is not None:
            self.instance.programme = programme
        requirements = self.instance.appointment_requirements or {}
        self.initial.setdefault("rank_appointment_courses", requirements.get(AppointmentKind.RANK, []))
        self.initial.setdefault("post_appointment_courses", requirements.get(AppointmentKind.POST, []))

    def clean(self):
        cleaned = super().clean()
        requirements = {}
        if cleaned.get("rank_appointment_courses"):
            requirements[AppointmentKind.RANK.value] = cleaned["rank_appointment_courses"]
        if cleaned.get("post_appointment_courses"):
            requirements[AppointmentKind.POST.value] = cleaned["post_appointment_courses"]
        self.instance.appointment_requirements = requirements
        return cleaned

    def _post_clean(self):
        super()._post_clean()
        if self.instance.kind and (message := population_error(self.instance)):
            self.add_error(None, message)


class UnitTreeForm(forms.Form):
    on = forms.DateField(label=_("Cơ cấu tại ngày"), required=False, widget=DateInput)


def unit_choices(queryset):
    return [(u.pk, f"{u.name} ({u.code})") for u in queryset]


class UnitCreateForm(forms.Form):
    code = forms.CharField(label=_("Mã đơn vị"), max_length=40)
    name = forms.CharField(label=_("Tên đơn vị"), max_length=255)
    level = forms.ChoiceField(label=_("Cấp"), choices=UnitLevel.choices)
    parent = forms.TypedChoiceField(
        label=_("Đơn vị cấp trên"), coerce=int, widget=forms.Select(attrs={"data-search": ""})
    )
    opened_on = forms.DateField(label=_("Ngày thành lập"), widget=DateInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].choices = unit_choices(OrgUnit.objects.open_today().order_by("path"))


class UnitRenameForm(forms.Form):
    name = forms.CharField(label=_("Tên đơn vị"), max_length=255)


class UnitCloseForm(forms.Form):
    closed_on = forms.DateField(label=_("Ngày giải thể (ngày đầu tiên đơn vị không còn)"), widget=DateInput)
    primary = forms.TypedChoiceField(
        label=_("Đơn vị kế thừa chính"), coerce=int, widget=forms.Select(attrs={"data-search": ""})
    )
    others = forms.TypedMultipleChoiceField(
        label=_("Đơn vị kế thừa khác"), coerce=int, required=False, widget=forms.SelectMultiple(attrs=MULTI)
    )

    def __init__(self, *args, unit=None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = unit_choices(OrgUnit.objects.filter(closed_on__isnull=True).exclude(pk=getattr(unit, "pk", None)))
        self.fields["primary"].choices = [("", _("— chọn —")), *choices]
        self.fields["others"].choices = choices


class JobPositionForm(forms.ModelForm):
    min_education = level_field(QualificationKind.EDUCATION, _("Trình độ chuyên môn tối thiểu"))
    min_political = level_field(QualificationKind.POLITICAL_THEORY, _("Lý luận chính trị tối thiểu"))
    min_state_management = level_field(QualificationKind.STATE_MANAGEMENT, _("Quản lý nhà nước tối thiểu"))
    min_language = level_field(QualificationKind.FOREIGN_LANGUAGE, _("Ngoại ngữ tối thiểu"))

    class Meta:
        model = JobPosition
        fields = ["code", "name", "name_en", "min_education", "min_political", "min_state_management", "min_language"]


class RequirementForm(forms.Form):
    course_type = forms.ChoiceField(label=_("Loại khóa học"), choices=(), required=False)
    every_years = forms.IntegerField(
        label=_("Định kỳ (năm)"), min_value=1, max_value=50, required=False, help_text=_("Để trống: học một lần.")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course_type"].choices = [("", _("— không —")), *course_type_choices()]


RequirementFormSet = forms.formset_factory(RequirementForm, extra=3)
