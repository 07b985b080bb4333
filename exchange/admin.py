"""Import batches in the admin: read-only, they are the record of what each load did."""

from django.contrib import admin

from .models import ImportBatch


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = (
        "pk",
        "kind",
        "file_name",
        "user",
        "started_at",
        "status",
        "new_count",
        "updated_count",
        "unchanged_count",
        "error_count",
    )
    list_filter = ("kind", "status")
    search_fields = ("file_name", "user__username")
    date_hierarchy = "started_at"
    list_select_related = ("user",)
    exclude = ("content",)  # the uploaded file (up to IMPORT_MAX_FILE_SIZE): not for a form

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
