"""Query filters of the list endpoints (django-filter).

A filter by unit takes the unit's code and covers its whole subtree, like the screens. A unit code
outside the caller's scope is refused with the same answer as an unknown code.
"""

import django_filters as filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from rest_framework import filters as drf_filters
from rest_framework.exceptions import ValidationError

from accounts.scoping import visible_units
from personnel.choices import AppointmentKind, Category, Gender, LeadershipLevel, QualificationKind, UnitLevel
from personnel.models import Appointment, OrgUnit, Person, Qualification, employed_at_q
from targets.models import Indicator, IndicatorKind
from training.choices import CourseForm, TrainingResult
from training.models import Course, TrainingRecord


class CodeFilter(filters.CharFilter):
    """A filter on a code (a form CharField: NUL characters, which PostgreSQL cannot compare, are refused).

    Codes compare without regard to case (``core.codes``): ``?person=cb070001`` finds CB070001.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 60)
        kwargs.setdefault("lookup_expr", "iexact")
        super().__init__(*args, **kwargs)


def unit_in_scope(request, code: str, param: str = "unit") -> OrgUnit:
    """Return the unit of ``code`` if the caller may see it; otherwise refuse the parameter."""
    unit = visible_units(request.user).filter(code__iexact=code.strip()).first()
    if unit is None:
        raise ValidationError({param: [_("Không tìm thấy đơn vị mã “%(code)s”.") % {"code": code}]})
    return unit


class SubtreeFilter(CodeFilter):
    """Keep the rows of a unit (given by code) and every unit below it."""

    def __init__(self, *args, path: str = "unit__path", **kwargs):
        self.path_lookup = path
        kwargs.setdefault("help_text", _("Mã đơn vị: lấy đơn vị này và mọi đơn vị cấp dưới."))
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if not value:
            return qs
        unit = unit_in_scope(self.parent.request, value, self.field_name)
        return qs.filter(**{f"{self.path_lookup}__startswith": unit.path})


class UnitFilter(filters.FilterSet):
    parent = CodeFilter(field_name="parent__code", help_text=_("Mã đơn vị cấp trên: chỉ các đơn vị trực thuộc."))
    within = SubtreeFilter(path="path", help_text=_("Mã đơn vị: đơn vị này và mọi đơn vị cấp dưới."))
    level = filters.ChoiceFilter(choices=UnitLevel.choices)
    q = filters.CharFilter(method="search", max_length=100, help_text=_("Tìm theo mã hoặc tên đơn vị."))

    class Meta:
        model = OrgUnit
        fields = ["parent", "within", "level", "q"]

    def search(self, qs, name, value):
        return qs.filter(Q(code__icontains=value) | Q(name__icontains=value)) if value.strip() else qs


class PersonFilter(filters.FilterSet):
    unit = SubtreeFilter()
    category = filters.MultipleChoiceFilter(choices=Category.choices)
    gender = filters.ChoiceFilter(choices=Gender.choices)
    leadership_level = filters.TypedChoiceFilter(choices=LeadershipLevel.choices, coerce=int)
    btv_managed = filters.BooleanFilter()
    btv_succession = filters.BooleanFilter()
    deputy_term = filters.CharFilter(max_length=9)
    employed_at = filters.DateFilter(method="filter_employed_at", help_text=_("Chỉ người đang công tác tại ngày này."))
    updated_since = filters.IsoDateTimeFilter(
        method="filter_updated_since", help_text=_("Chỉ hồ sơ thay đổi từ thời điểm này (đồng bộ).")
    )
    q = filters.CharFilter(
        method="search", max_length=100, help_text=_("Tìm theo họ tên hoặc mã, không phân biệt dấu.")
    )

    class Meta:
        model = Person
        fields = []

    def filter_employed_at(self, qs, name, value):
        return qs.filter(employed_at_q(value))

    def filter_updated_since(self, qs, name, value):
        if not 1900 <= value.year <= 2100:  # far dates cannot be converted to UTC for every database
            raise ValidationError({name: [_("Thời điểm phải trong các năm 1900–2100.")]})
        return qs.filter(updated_at__gte=value)

    def search(self, qs, name, value):
        return qs.search(value)


class QualificationFilter(filters.FilterSet):
    person = CodeFilter(field_name="person__code", help_text=_("Mã cán bộ."))
    unit = SubtreeFilter(path="person__unit__path")
    kind = filters.ChoiceFilter(choices=QualificationKind.choices)
    obtained_from = filters.DateFilter(field_name="obtained_on", lookup_expr="gte")
    obtained_to = filters.DateFilter(field_name="obtained_on", lookup_expr="lte")

    class Meta:
        model = Qualification
        fields = []


class AppointmentFilter(filters.FilterSet):
    person = CodeFilter(field_name="person__code", help_text=_("Mã cán bộ."))
    unit = SubtreeFilter(path="person__unit__path")
    kind = filters.ChoiceFilter(choices=AppointmentKind.choices)
    appointed_from = filters.DateFilter(field_name="appointed_on", lookup_expr="gte")
    appointed_to = filters.DateFilter(field_name="appointed_on", lookup_expr="lte")

    class Meta:
        model = Appointment
        fields = []


class CourseFilter(filters.FilterSet):
    type = CodeFilter(field_name="types__code", distinct=True, help_text=_("Mã loại khóa học."))
    form = filters.ChoiceFilter(choices=CourseForm.choices)
    grants_kind = filters.ChoiceFilter(choices=QualificationKind.choices)
    starts_from = filters.DateFilter(field_name="start_date", lookup_expr="gte")
    starts_to = filters.DateFilter(field_name="start_date", lookup_expr="lte")
    year = filters.NumberFilter(
        method="filter_year", min_value=1900, max_value=2100, help_text=_("Khóa học có ngày diễn ra trong năm này.")
    )
    q = filters.CharFilter(method="search", max_length=100, help_text=_("Tìm theo mã hoặc tên khóa học."))

    class Meta:
        model = Course
        fields = []

    def filter_year(self, qs, name, value):
        return qs.filter(start_date__year__lte=int(value), end_date__year__gte=int(value))

    def search(self, qs, name, value):
        return qs.filter(Q(code__icontains=value) | Q(title__icontains=value)) if value.strip() else qs


class TrainingRecordFilter(filters.FilterSet):
    person = CodeFilter(field_name="person__code", help_text=_("Mã cán bộ."))
    course = CodeFilter(field_name="course__code", help_text=_("Mã khóa học."))
    unit = SubtreeFilter(path="person__unit__path")
    result = filters.ChoiceFilter(choices=TrainingResult.choices)
    course_type = CodeFilter(field_name="course__types__code", distinct=True, help_text=_("Mã loại khóa học."))
    counted_from = filters.DateFilter(
        method="filter_counted_from", help_text=_("Hoàn thành từ ngày (ngày hoàn thành, hoặc ngày kết thúc khóa học).")
    )
    counted_to = filters.DateFilter(method="filter_counted_to", help_text=_("Hoàn thành đến ngày."))

    class Meta:
        model = TrainingRecord
        fields = []

    def filter_counted_from(self, qs, name, value):
        counted = Q(completed_on__gte=value) | Q(completed_on__isnull=True, course__end_date__gte=value)
        return qs.completed().filter(counted)

    def filter_counted_to(self, qs, name, value):
        counted = Q(completed_on__lte=value) | Q(completed_on__isnull=True, course__end_date__lte=value)
        return qs.completed().filter(counted)


class IndicatorFilter(filters.FilterSet):
    programme = CodeFilter(field_name="programme__code", help_text=_("Mã chương trình."))
    kind = filters.ChoiceFilter(choices=IndicatorKind.choices)
    group = filters.CharFilter(max_length=20)

    class Meta:
        model = Indicator
        fields = []


class OrderingFilter(drf_filters.OrderingFilter):
    """Order by the fields a view lists; a public name may stand for another field (``full_name`` -> ``sort_key``).

    The primary key always ends the ordering, so pages never overlap or skip a row.
    """

    def get_ordering(self, request, queryset, view):
        aliases = getattr(view, "ordering_aliases", {})
        ordering = []
        for term in super().get_ordering(request, queryset, view) or []:
            descending, name = term.startswith("-"), term.lstrip("-")
            field = aliases.get(name, name)
            ordering.append(f"-{field}" if descending else field)
        if not {"pk", "-pk", "id", "-id"} & set(ordering):
            ordering.append("pk")
        return ordering

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        fields = ", ".join(getattr(view, "ordering_fields", []))
        for parameter in parameters:
            parameter["description"] = f"{parameter['description']} {fields}"
        return parameters
