"""Run the import pages' background jobs: ``python manage.py run_import_jobs [--once]``.

django-tasks-db's own worker (``db_worker``: its signals, graceful shutdown and polling) runs the tasks,
and a watchman thread of this process finds dead jobs every few seconds (``exchange.jobs.sweep``).
"""

from django.core.management import call_command
from django.core.management.base import BaseCommand

from exchange.jobs import Watchman, sweep


class Command(BaseCommand):
    help = (
        "Chạy các việc nhập dữ liệu đang chờ (xem trước, ghi, hoàn tác) và tìm việc bị gián đoạn / Run queued "
        "import jobs and recover interrupted ones; with --once, stop when the queue is empty. Set "
        "IMPORT_JOBS_THREAD=0 on the web servers when this worker runs."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="run the queued jobs, then stop")
        parser.add_argument("--poll", type=float, default=1.0, help="seconds between two looks at an empty queue")

    def handle(self, *args, once=False, poll=1.0, verbosity=1, **options):
        if once:
            sweep()
        else:
            Watchman().start()
        call_command(
            "db_worker",
            queue_name="*",
            interval=poll,
            batch=once,
            reload=False,
            startup_delay=False,
            verbosity=verbosity,
            stdout=self.stdout,
            stderr=self.stderr,
        )
