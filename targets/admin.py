from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .forms import IndicatorForm
from .models import Indicator, Programme


class IndicatorInline(admin.StackedInline):
    model = Indicator
    form = IndicatorForm
    extra = 0
    show_change_link = True
    fields = ["order", "code", "group", "name", "kind", "target"]


@admin.register(Programme)
class ProgrammeAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "start_date", "end_date", "is_default"]
    inlines = [IndicatorInline]


@admin.register(Indicator)
class IndicatorAdmin(SimpleHistoryAdmin):
    form = IndicatorForm
    list_display = ["code", "name", "programme", "kind", "target", "order"]
    list_filter = ["programme", "kind", "group"]
    search_fields = ["code", "name"]
    fieldsets = [
        (None, {"fields": ["programme", "order", "code", "group", "name", "name_en", "description", "kind", "target"]}),
        (
            "Đối tượng tính (mẫu số)",
            {
                "fields": [
                    "categories", "requires_btv_managed", "requires_btv_succession", "deputy_term",
                    "min_leadership_level", "unit_level", "max_age",
                ]
            },
        ),
        (
            "Tiêu chí đạt (tử số)",
            {
                "fields": [
                    "min_education", "min_political", "min_state_management", "min_language",
                    "requires_field_suited", "course_types", "course_match", "window_start", "window_end",
                    "rank_appointment_courses", "post_appointment_courses",
                ]
            },
        ),
    ]  # fmt: skip
