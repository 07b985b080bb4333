from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    name = "exchange"
    verbose_name = _("Trao đổi dữ liệu")

    def ready(self):
        from django.core.signals import request_started

        from . import checks  # noqa: F401  (registers the start-up check of defusedxml)
        from .jobs import enqueue_queued_batch, start_with_server
        from .signals import batch_queued

        # The web process's import worker thread (IMPORT_JOBS_THREAD) starts with its first request, so a job
        # interrupted by a restart is resumed without anyone opening its page.
        request_started.connect(start_with_server, dispatch_uid="exchange-import-jobs")
        # The services ask for a batch's job by this signal: they sit below the job runner, which runs them.
        batch_queued.connect(enqueue_queued_batch, dispatch_uid="exchange-enqueue-batch")
