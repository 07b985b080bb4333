from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Báo cáo")

    def ready(self):
        from django.core.signals import request_finished
        from django.db import connections
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate, pre_migrate

        from . import freshness, triggers

        # Every write to the data behind the figures moves the data version (see reports.freshness).
        connection_created.connect(freshness.install_write_tracking, dispatch_uid="reports_track_writes")
        for alias in connections:
            if connections[alias].connection is not None:  # opened before this app was ready
                freshness.install_write_tracking(connection=connections[alias])
        # Stale figures too slow to recompute in a request are recomputed once its response is sent.
        request_finished.connect(freshness.run_scheduled_refreshes, dispatch_uid="reports_refresh_after_response")
        # SQLite keeps the change-noting triggers only outside migrations (see reports.triggers).
        pre_migrate.connect(triggers.drop_before_migrate, sender=self, dispatch_uid="reports_drop_triggers")
        post_migrate.connect(triggers.install_after_migrate, sender=self, dispatch_uid="reports_install_triggers")
