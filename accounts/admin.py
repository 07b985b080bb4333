"""The access log of personal data in the admin: read-only, filtered by user, action and date."""

from django.contrib import admin

from .models import AccessLog, AccountEvent


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    list_display = ("at", "username", "action", "target", "unit", "address")
    list_filter = ("action", "at", ("user", admin.RelatedOnlyFieldListFilter))
    search_fields = ("username", "target", "unit")
    date_hierarchy = "at"
    fields = ("at", "user", "username", "action", "target", "unit", "filters", "address")
    readonly_fields = fields
    show_full_result_count = False  # the log grows by one row per page view: no second COUNT(*) per page

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AccountEvent)
class AccountEventAdmin(admin.ModelAdmin):
    """The account change log (written by accounts.services): read-only."""

    list_display = ("at", "actor_username", "action", "target_username", "detail")
    list_filter = ("action", "at")
    search_fields = ("actor_username", "target_username", "detail")
    date_hierarchy = "at"
    fields = ("at", "actor", "actor_username", "action", "target", "target_username", "detail")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
