from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApprovalsConfig(AppConfig):
    name = "approvals"
    verbose_name = _("Phê duyệt số liệu")

    def ready(self):
        # Every save or delete of a record behind the figures is checked against approved years (approvals.locks).
        from . import locks

        locks.connect_guards()
