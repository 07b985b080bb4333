from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from reports.signals import figures_loaded  # a bare Signal: safe before the app registry is ready


class ApprovalsConfig(AppConfig):
    name = "approvals"
    verbose_name = _("Phê duyệt số liệu")

    def ready(self):
        # Every save or delete of a record behind the figures is checked against approved years (approvals.locks).
        from . import locks, overlay  # they import models: only once the registry is ready

        locks.connect_guards()
        # Approved years show their frozen figures wherever the figures are read (reports.freshness.load_figures).
        figures_loaded.connect(overlay.overlay_loaded, dispatch_uid="approvals.overlay")
