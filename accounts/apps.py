from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_role_groups(sender, using="default", **kwargs):
    """Keep the role groups' permissions complete: apps added later bring permissions the admin role needs."""
    from django.contrib.auth.models import Group, Permission
    from django.db import connections

    from .roles import sync_role_groups

    if Group._meta.db_table in connections[using].introspection.table_names():
        sync_role_groups(Group, Permission)


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Tài khoản")

    def ready(self):
        # Runs after each app's permissions are created, so the last run sees them all.
        post_migrate.connect(_sync_role_groups, dispatch_uid="accounts.sync_role_groups")
        # The admin site is unscoped: only the admin role enters it, whoever else has the staff flag.
        from django.contrib import admin

        from .scoping import may_use_admin_site

        admin.site.has_permission = may_use_admin_site
        # At login: the audit log (hanoi.audit), the session clock, and whether the session needs the one-time code.
        from . import audit, mfa  # noqa: F401
