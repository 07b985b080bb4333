"""Restore the whole database from a backup file: ``python manage.py restore_db FILE`` (see README, "Backups")."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils.translation import gettext as _

from backups.services import BackupError, restore_database
from personnel.models import Appointment, OrgUnit, Person, Qualification
from training.models import Course, TrainingRecord


def record_counts(alias: str = "default") -> dict[str, int]:
    """Return how many units, persons, qualifications, courses, training records and appointments the database holds."""
    models = [OrgUnit, Person, Qualification, Course, TrainingRecord, Appointment]
    return {str(model._meta.verbose_name_plural): model._base_manager.using(alias).count() for model in models}


class Command(BaseCommand):
    help = (
        "Khôi phục toàn bộ cơ sở dữ liệu từ tệp sao lưu của backup_db (thay thế dữ liệu hiện có) / "
        "Restore the whole database from a backup_db file, replacing what it holds."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="backup file written by backup_db")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="database alias (default: default)")
        parser.add_argument(
            "--no-input", "--noinput", action="store_false", dest="interactive", help="do not ask for confirmation"
        )

    def handle(self, *args, file, database, interactive=True, **options):
        name = connections[database].settings_dict["NAME"]
        if interactive:
            answer = input(
                _(
                    "Toàn bộ dữ liệu của cơ sở dữ liệu %(name)s sẽ bị thay bằng bản sao lưu %(file)s. "
                    "Gõ 'yes' để tiếp tục: "
                )
                % {"name": name, "file": file}
            )
            if answer.strip().lower() != "yes":
                raise CommandError(_("Đã hủy, không thay đổi gì."))
        try:
            restore_database(path=Path(file), alias=database)
        except BackupError as error:
            raise CommandError(str(error)) from None
        counts = "; ".join(f"{count} {what}" for what, count in record_counts(database).items())
        self.stdout.write(
            self.style.SUCCESS(
                _("Đã khôi phục %(name)s từ %(file)s: %(counts)s.") % {"name": name, "file": file, "counts": counts}
            )
        )
