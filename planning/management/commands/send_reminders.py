"""Send the weekly training reminders (run by a scheduler, e.g. every Monday morning; a second run in the same
week sends nothing)."""

from django.core.management.base import BaseCommand

from planning.reminders import send_reminders


class Command(BaseCommand):
    help = "Gửi e-mail nhắc việc đào tạo hằng tuần cho cán bộ tổ chức (mỗi tuần một lần)."

    def handle(self, *args, **options):
        sent = send_reminders()
        self.stdout.write(f"Đã gửi {len(sent)} e-mail nhắc việc.")
