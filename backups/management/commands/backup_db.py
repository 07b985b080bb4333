"""Back up the whole database to one file: ``python manage.py backup_db FILE`` (see README, "Backups")."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from backups.services import BackupError, backup_database


class Command(BaseCommand):
    help = (
        "Sao lưu toàn bộ cơ sở dữ liệu vào một tệp (PostgreSQL: pg_dump -Fc; SQLite: backup API) / "
        "Back up the whole database to one file."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="backup file to write (replaced if it exists)")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="database alias (default: default)")

    def handle(self, *args, file, database, **options):
        try:
            result = backup_database(path=Path(file), alias=database)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            self.style.SUCCESS(
                _("Đã sao lưu cơ sở dữ liệu (%(vendor)s) vào %(file)s (%(size)s).")
                % {"vendor": result.vendor, "file": result.path, "size": filesizeformat(result.size)}
            )
        )
