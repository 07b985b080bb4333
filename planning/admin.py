"""Planning records in the admin site (read mostly: the pages and the API hold the rules); every change is in the
records' history (django-simple-history)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Nomination, PlannedClass, ReminderLog, Roster, TrainingPlan


class PlannedClassInline(admin.TabularInline):
    model = PlannedClass
    extra = 0
    autocomplete_fields = ["indicator"]


@admin.register(TrainingPlan)
class TrainingPlanAdmin(SimpleHistoryAdmin):
    list_display = ["unit", "year", "status", "submitted_at", "reviewed_at"]
    list_filter = ["status", "year"]
    search_fields = ["unit__code", "unit__name"]
    list_select_related = ["unit"]
    raw_id_fields = ["unit", "submitted_by", "reviewed_by"]
    inlines = [PlannedClassInline]


@admin.register(Roster)
class RosterAdmin(SimpleHistoryAdmin):
    list_display = ["course", "unit", "capacity", "actual_cost"]
    search_fields = ["course__code", "course__title"]
    list_select_related = ["course", "unit"]
    raw_id_fields = ["course", "unit", "planned_class"]


@admin.register(Nomination)
class NominationAdmin(SimpleHistoryAdmin):
    list_display = ["person", "roster", "status", "position", "result"]
    list_filter = ["status", "result"]
    search_fields = ["person__code", "roster__course__code"]
    list_select_related = ["person", "roster__course"]
    raw_id_fields = ["person", "roster", "indicator", "nominated_by", "record"]


@admin.register(ReminderLog)
class ReminderLogAdmin(admin.ModelAdmin):
    list_display = ["user", "period_start", "sent_at", "email", "persons", "classes"]
    list_filter = ["period_start"]
    list_select_related = ["user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
