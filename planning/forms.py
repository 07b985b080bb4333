"""Forms of the planning pages (validation is the services'; forms only read the values)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from targets.models import Indicator
from training.models import CourseType

from .models import PlannedClass, RosterResult


class PlanForm(forms.Form):
    unit = forms.CharField(label=_("Mã đơn vị"), max_length=40)
    year = forms.IntegerField(label=_("Năm"), min_value=2000, max_value=2100)


class PlannedClassForm(forms.ModelForm):
    class Meta:
        model = PlannedClass
        fields = ["course_type", "indicator", "title", "places", "quarter", "provider", "estimated_cost"]

    def __init__(self, *args, programme=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course_type"].queryset = CourseType.objects.order_by("order", "code")
        self.fields["indicator"].queryset = Indicator.objects.filter(programme=programme).order_by("order", "code")


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Quyết định"),
        choices=[("approve", _("Duyệt")), ("return", _("Trả lại kế hoạch"))],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(label=_("Ý kiến"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class RosterForm(forms.Form):
    course = forms.CharField(label=_("Mã khóa học"), max_length=60)
    unit = forms.CharField(label=_("Mã đơn vị tổ chức lớp"), max_length=40)
    capacity = forms.IntegerField(label=_("Số chỗ"), min_value=1, max_value=100_000)
    planned_class = forms.IntegerField(label=_("Lớp trong kế hoạch (số)"), required=False, min_value=1)
    actual_cost = forms.DecimalField(label=_("Kinh phí thực tế (VNĐ)"), required=False, min_value=0, decimal_places=0)


class NominateForm(forms.Form):
    codes = forms.CharField(label=_("Mã cán bộ"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    waiting_list = forms.BooleanField(label=_("Quá số chỗ thì đưa vào danh sách chờ"), required=False, initial=True)


class ResultField(forms.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=[("", "—"), *RosterResult.choices], required=False, **kwargs)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Tệp CSV hoặc XLSX"))
