from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Appointment, OrgUnit, Person, Qualification
from .services import prepare_person, rebuild_unit_paths


@admin.register(OrgUnit)
class OrgUnitAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "level", "parent", "closed_on"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        rebuild_unit_paths()


class QualificationInline(admin.TabularInline):
    model = Qualification
    extra = 0


class AppointmentInline(admin.TabularInline):
    model = Appointment
    extra = 0


@admin.register(Person)
class PersonAdmin(SimpleHistoryAdmin):
    list_display = ["code", "full_name", "unit", "category", "leadership_level", "end_date"]
    list_filter = ["category", "btv_managed", "btv_succession", "leadership_level"]
    search_fields = ["code", "search_text"]
    autocomplete_fields = ["unit"]
    list_select_related = ["unit"]
    inlines = [QualificationInline, AppointmentInline]

    def save_model(self, request, obj, form, change):
        prepare_person(obj)
        super().save_model(request, obj, form, change)

    def get_search_results(self, request, queryset, search_term):
        return queryset.search(search_term), False
