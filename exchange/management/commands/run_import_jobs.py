"""Run the import pages' background jobs in a dedicated process: ``python manage.py run_import_jobs [--once]``."""

from django.core.management.base import BaseCommand

from exchange.jobs import work_forever


class Command(BaseCommand):
    help = (
        "Chạy các việc nhập dữ liệu đang chờ (xem trước, ghi) / Run queued import jobs; with --once, stop when the "
        "queue is empty. Set IMPORT_JOBS_THREAD=0 on the web servers when this worker runs."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="run the queued jobs, then stop")
        parser.add_argument("--poll", type=float, default=2.0, help="seconds between two looks at an empty queue")

    def handle(self, *args, once=False, poll=2.0, **options):
        count = work_forever(once=once, poll=poll, say=lambda n: self.stdout.write(f"{n} việc đã chạy"))
        self.stdout.write(self.style.SUCCESS(f"{count} việc đã chạy."))
