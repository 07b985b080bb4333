"""Admin form for indicators: the JSON lists are edited as check boxes, so no admin writes JSON by hand."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.codes import clean_code
from personnel.choices import AppointmentKind, Category
from training.models import CourseType

from .models import Indicator


def _course_type_choices():
    return [(t.code, f"{t.code} — {t.name}") for t in CourseType.objects.all()]


class IndicatorForm(forms.ModelForm):
    categories = forms.MultipleChoiceField(
        label=_("Đối tượng"), choices=Category.choices, required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("Không chọn = mọi đối tượng."),
    )  # fmt: skip
    course_types = forms.MultipleChoiceField(
        label=_("Loại khóa học"), choices=_course_type_choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    rank_appointment_courses = forms.MultipleChoiceField(
        label=_("Khóa bắt buộc trước khi bổ nhiệm ngạch"), choices=_course_type_choices, required=False,
        widget=forms.CheckboxSelectMultiple, help_text=_("Chỉ dùng cho chỉ tiêu theo lần bổ nhiệm."),
    )  # fmt: skip
    post_appointment_courses = forms.MultipleChoiceField(
        label=_("Khóa bắt buộc trước khi bổ nhiệm chức vụ"), choices=_course_type_choices, required=False,
        widget=forms.CheckboxSelectMultiple, help_text=_("Chỉ dùng cho chỉ tiêu theo lần bổ nhiệm."),
    )  # fmt: skip

    class Meta:
        model = Indicator
        fields = [
            "programme", "order", "code", "group", "name", "name_en", "description", "kind", "target",
            "categories", "requires_btv_managed", "requires_btv_succession", "deputy_term", "min_leadership_level",
            "unit_level", "max_age", "min_education", "min_political", "min_state_management", "min_language",
            "requires_field_suited", "course_types", "course_match", "window_start", "window_end",
        ]  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        requirements = (self.instance.appointment_requirements or {}) if self.instance else {}
        self.initial.setdefault("rank_appointment_courses", requirements.get(AppointmentKind.RANK, []))
        self.initial.setdefault("post_appointment_courses", requirements.get(AppointmentKind.POST, []))

    def clean_code(self):
        return clean_code(self.cleaned_data.get("code"))

    def clean(self):
        cleaned = super().clean()
        requirements = {}
        if cleaned.get("rank_appointment_courses"):
            requirements[AppointmentKind.RANK.value] = cleaned["rank_appointment_courses"]
        if cleaned.get("post_appointment_courses"):
            requirements[AppointmentKind.POST.value] = cleaned["post_appointment_courses"]
        self.instance.appointment_requirements = requirements
        return cleaned
