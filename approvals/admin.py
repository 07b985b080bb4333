"""The sign-off in the admin: read-only (every change goes through approvals.services, audited)."""

from django.contrib import admin

from .models import ApprovalStep, BulkApproval, ExceptionUse, LockException, YearApproval


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class StepInline(admin.TabularInline):
    model = ApprovalStep
    fields = ["at", "action", "level", "user", "reason", "batch"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(YearApproval)
class YearApprovalAdmin(ReadOnly):
    list_display = ["programme", "unit", "year", "status", "approved_by", "approved_at", "accepted_by", "accepted_at"]
    list_filter = ["status", "year", "programme"]
    search_fields = ["unit__code", "unit__name"]
    list_select_related = ["programme", "unit", "approved_by", "accepted_by"]
    exclude = ["persons"]
    inlines = [StepInline]


@admin.register(BulkApproval)
class BulkApprovalAdmin(ReadOnly):
    list_display = ["at", "user", "programme", "years", "unit_count", "approved", "skipped", "seconds"]


@admin.register(LockException)
class LockExceptionAdmin(ReadOnly):
    list_display = ["unit", "year", "until", "granted_by", "granted_at", "revoked_at", "reason"]
    list_filter = ["year"]


@admin.register(ExceptionUse)
class ExceptionUseAdmin(ReadOnly):
    list_display = ["at", "exception", "user", "what", "person_id"]
