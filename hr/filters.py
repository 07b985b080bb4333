"""Filters of the personnel list: search, unit subtree, category, flags, and "does not meet indicator X in year Y".

Every filter is a condition the database answers over the scoped queryset; the unmet-indicator filter
is the compliance engine's ``unmet`` query used as a subquery, so no person is looked at in Python.
"""

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.pickers import unit_options
from accounts.scoping import visible_units
from core.widgets import DrawnOptionsSelect, FastSelect, ListedChoiceIterator
from hr.forms import UnitChoiceField
from personnel.choices import Category, LeadershipLevel
from personnel.models import OrgUnit
from targets import compliance
from targets import years as target_years
from targets.models import Indicator, IndicatorKind, Programme

YES_NO = [("1", _("Có")), ("0", _("Không"))]
ANY_DEPUTY, NOT_DEPUTY = "co", "khong"
LEFT, EVERYONE = "da_nghi", "tat_ca"


def deputy_terms(today=None) -> list[str]:
    """Return the People's Council terms up to the current one ("2011-2016" … "2026-2031"), newest first."""
    year = (today or timezone.localdate()).year
    return [f"{start}-{start + 5}" for start in range(year - (year - 2011) % 5, 2010, -5)]


class UnitFilter(django_filters.ModelChoiceFilter):
    field_class = UnitChoiceField


class IndicatorChoiceField(forms.ModelChoiceField):
    widget = FastSelect
    iterator = ListedChoiceIterator

    def label_from_instance(self, obj: Indicator) -> str:
        return f"{obj.code} — {obj.name}"

    def to_python(self, value):
        """Return the chosen indicator, found among the rows already read when the field carries them."""
        rows = getattr(self, "listed_rows", None)
        if rows is not None and value not in self.empty_values:
            for indicator in rows:
                if indicator.code == str(value):
                    return indicator
        return super().to_python(value)


class IndicatorFilter(django_filters.ModelChoiceFilter):
    field_class = IndicatorChoiceField


class PersonFilter(django_filters.FilterSet):
    """The personnel list's filters; the queryset given is already limited to the user's scope."""

    q = django_filters.CharFilter(
        label=_("Tìm theo họ tên hoặc mã"),
        method="filter_search",
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("ví dụ: nguyen van dung"), "autocomplete": "off"}
        ),
    )
    unit = UnitFilter(
        label=_("Đơn vị (gồm cấp dưới)"),
        queryset=OrgUnit.objects.none(),
        method="filter_unit",
        empty_label=_("Tất cả"),
    )
    category = django_filters.ChoiceFilter(
        label=_("Đối tượng"), choices=Category.choices, empty_label=_("Tất cả"), widget=FastSelect
    )
    leadership_level = django_filters.ChoiceFilter(
        label=_("Cấp chức vụ"), choices=LeadershipLevel.choices, empty_label=_("Tất cả"), widget=FastSelect
    )
    btv_managed = django_filters.ChoiceFilter(
        label=_("Diện BTV quản lý"), choices=YES_NO, method="filter_flag", empty_label=_("Tất cả"), widget=FastSelect
    )
    btv_succession = django_filters.ChoiceFilter(
        label=_("Quy hoạch diện BTV"),
        choices=YES_NO,
        method="filter_flag",
        empty_label=_("Tất cả"),
        widget=FastSelect,
    )
    deputy_term = django_filters.ChoiceFilter(
        label=_("Đại biểu HĐND"), choices=(), method="filter_deputy", empty_label=_("Tất cả"), widget=FastSelect
    )
    employment = django_filters.ChoiceFilter(
        label=_("Tình trạng"),
        choices=[(LEFT, _("Đã thôi việc")), (EVERYONE, _("Tất cả"))],
        method="filter_employment",
        empty_label=_("Đang công tác"),
        widget=FastSelect,
    )
    indicator = IndicatorFilter(
        label=_("Chưa đạt chỉ tiêu"),
        queryset=Indicator.objects.none(),
        to_field_name="code",
        method="filter_unmet",
        empty_label=_("—"),
    )
    year = django_filters.ChoiceFilter(
        label=_("Năm"), choices=(), method="filter_nothing", empty_label=None, widget=FastSelect
    )

    def __init__(
        self,
        data=None,
        queryset=None,
        *,
        programme: Programme | None,
        scope: OrgUnit | None,
        units_version: str | None = None,
        **kwargs,
    ):
        this_year = target_years.default_year(programme)
        if data is not None and not data.get("year"):
            data = data.copy()
            data["year"] = str(this_year)
        super().__init__(data, queryset, **kwargs)
        self.programme = programme
        self.scope = scope
        user = getattr(self.request, "user", None)
        self.filters["unit"].queryset = visible_units(user)
        # Hundreds of units for a city-wide user: their options are drawn once per scope and version of the units.
        units_version = units_version or OrgUnit.objects.version()
        self.filters["unit"].extra["widget"] = DrawnOptionsSelect(
            attrs={"data-search": ""}, options=lambda: unit_options(user, version=units_version, value="id")
        )
        self.filters["deputy_term"].extra["choices"] = [
            (ANY_DEPUTY, _("Mọi nhiệm kỳ")),
            *[(term, term) for term in deputy_terms()],
            (NOT_DEPUTY, _("Không phải đại biểu")),
        ]
        self.filters["indicator"].queryset = (
            programme.indicators.order_by("order", "code") if programme else Indicator.objects.none()
        )
        years = target_years.selectable_years(programme)
        self.filters["year"].extra["choices"] = [(year, str(year)) for year in reversed(years)]
        self.filters["year"].extra["initial"] = this_year
        # The indicators already read with the programme (compliance.load) draw the choices: no query.
        loaded = getattr(programme, "_cached_indicators", None)
        if loaded is not None:
            self.form.fields["indicator"].listed_rows = loaded

    @property
    def chosen_year(self) -> int:
        """Return the year chosen for indicators (default: targets.years.default_year)."""
        if not self.is_bound:
            return target_years.default_year(self.programme)
        self.errors  # noqa: B018 -- validates the form, so cleaned_data holds every valid field
        return target_years.chosen_year(self.form.cleaned_data.get("year"), self.programme)

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        # By default the list shows people at work today; "does not meet X in year Y" already counts
        # the people at work on that year's evaluation date, so it needs no default.
        if not data.get("employment") and not data.get("indicator"):
            queryset = queryset.employed_at(timezone.localdate())
        return queryset

    def filter_search(self, queryset, name, value):
        return queryset.search(value)

    def filter_unit(self, queryset, name, value):
        return queryset.in_unit(value)

    def filter_flag(self, queryset, name, value):
        return queryset.filter(**{name: value == "1"})

    def filter_deputy(self, queryset, name, value):
        if value == ANY_DEPUTY:
            return queryset.exclude(deputy_term="")
        if value == NOT_DEPUTY:
            return queryset.filter(deputy_term="")
        return queryset.filter(deputy_term=value)

    def filter_employment(self, queryset, name, value):
        if value == LEFT:
            return queryset.filter(end_date__lte=timezone.localdate())
        return queryset

    def filter_unmet(self, queryset, name, indicator):
        if self.programme is None or self.scope is None:
            return queryset.none()
        # The chosen unit (already checked to be in scope) keeps the subquery as small as the list.
        unit = self.form.cleaned_data.get("unit") or self.scope
        missing = compliance.unmet(self.programme, indicator, unit, year=self.chosen_year)
        # Appointment indicators list appointments: the person is the appointee.
        person_field = "person_id" if indicator.kind == IndicatorKind.APPOINTMENT else "pk"
        person_ids = missing.values(person_field)
        return queryset.filter(pk__in=person_ids)

    def filter_nothing(self, queryset, name, value):
        """Return the queryset unchanged: the year only qualifies the indicator filter and the counts."""
        return queryset
