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
        # The admin site is unscoped: only superusers enter it, whoever else has the staff flag; it speaks Vietnamese
        # and names the third-party sections in Vietnamese too (accounts.admin_site).
        from . import admin_site, signals

        admin_site.configure()
        signals.connect()
        # At login: the audit log (hanoi.audit), the session clock, and whether the session needs the one-time code.
        from . import audit, mfa  # noqa: F401
