from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    name = "exchange"
    verbose_name = _("Trao đổi dữ liệu")

    def ready(self):
        from django.core.signals import request_started

        from . import checks  # noqa: F401  (registers the start-up check of defusedxml)
        from .jobs import start_with_server

        # The web process's import worker thread (IMPORT_JOBS_THREAD) starts with its first request, so a job
        # interrupted by a restart is resumed without anyone opening its page.
        request_started.connect(start_with_server, dispatch_uid="exchange-import-jobs")
