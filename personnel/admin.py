from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from core.concurrency import claim_versions, is_versioned, save_versioned

from .models import Appointment, OrgUnit, Person, Qualification, Reorganisation
from .services import prepare_person, rebuild_unit_paths


class VersionedAdmin(SimpleHistoryAdmin):
    """Admin saves bump the version too (``core.concurrency``): an HR form opened before one is then refused."""

    def save_model(self, request, obj, form, change):
        save_versioned(
            instance=obj, version=None, save=lambda: super(VersionedAdmin, self).save_model(request, obj, form, change)
        )

    def save_formset(self, request, form, formset, change):
        if is_versioned(formset.model):
            deleted = set(formset.deleted_forms)
            claim_versions(
                formset.model, [f.instance for f in formset.initial_forms if f.has_changed() and f not in deleted]
            )
        super().save_formset(request, form, formset, change)


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
class PersonAdmin(VersionedAdmin):
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


@admin.register(Reorganisation)
class ReorganisationAdmin(SimpleHistoryAdmin):
    """Read-only: reorganisations are loaded, applied and undone on their own pages (/sap-xep-don-vi/)."""

    list_display = ["name", "effective_on", "status", "created_by", "applied_at", "undone_at"]
    list_filter = ["status"]
    readonly_fields = [field.name for field in Reorganisation._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
