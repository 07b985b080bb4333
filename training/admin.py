from django.contrib import admin

from personnel.admin import VersionedAdmin

from .models import Course, CourseType, TrainingRecord


@admin.register(CourseType)
class CourseTypeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "order"]


@admin.register(Course)
class CourseAdmin(VersionedAdmin):
    list_display = ["code", "title", "start_date", "end_date", "provider", "grants_kind", "grants_level"]
    list_filter = ["types", "form"]
    search_fields = ["code", "title"]
    filter_horizontal = ["types"]


@admin.register(TrainingRecord)
class TrainingRecordAdmin(VersionedAdmin):
    list_display = ["person", "course", "result", "completed_on"]
    list_filter = ["result"]
    search_fields = ["person__code", "course__code"]
    autocomplete_fields = ["person", "course"]
    list_select_related = ["person", "course"]
