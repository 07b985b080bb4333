"""Import one spreadsheet of a data-exchange template: ``python manage.py import_data KIND FILE [--dry-run]``."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection
from django.utils.translation import gettext as _

from exchange.errors import database_error_message
from exchange.models import ImportKind
from exchange.services import run_import


class Command(BaseCommand):
    help = (
        "Nhập một tệp CSV/XLSX theo mẫu (don_vi, nhan_su, van_bang, khoa_hoc, ket_qua, bo_nhiem); "
        "có dòng lỗi thì không ghi gì / Import one template file; any invalid row means nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=ImportKind.values, help="template: " + ", ".join(ImportKind.values))
        parser.add_argument("file", help="CSV (UTF-8, comma or semicolon) or XLSX file")
        parser.add_argument("--dry-run", action="store_true", help="check the file and report, write nothing")

    def handle(self, *args, kind, file, dry_run=False, **options):
        path = Path(file)
        try:
            content = path.read_bytes()
        except OSError as error:
            raise CommandError(_("Không đọc được tệp %(file)s: %(error)s") % {"file": file, "error": error}) from None
        try:
            outcome = run_import(kind=kind, file_name=path.name, content=content, dry_run=dry_run)
        except (DatabaseError, connection.Database.Error) as error:
            # One line, the error's kind only: the database's own text may echo a row (a citizen ID).
            raise CommandError(database_error_message(error)) from None
        if len(outcome.errors) == 1 and outcome.errors[0].line is None:  # the whole file (unreadable, database)
            raise CommandError(f"{path.name}: {outcome.errors[0].reason}")
        if not outcome.ok:
            for error in outcome.errors:
                self.stderr.write(str(error))
            raise CommandError(
                _("%(file)s: %(errors)s lỗi ở %(lines)s dòng; không ghi gì.")
                % {"file": path.name, "errors": len(outcome.errors), "lines": len(outcome.error_lines)}
            )
        summary = _("%(new)s mới, %(updated)s cập nhật, %(unchanged)s không đổi") % {
            "new": outcome.new,
            "updated": outcome.updated,
            "unchanged": outcome.unchanged,
        }
        if dry_run:
            self.stdout.write(_("%(file)s (thử, không ghi): %(summary)s.") % {"file": path.name, "summary": summary})
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    _("%(file)s: đã ghi %(summary)s (lần nhập số %(batch)s).")
                    % {"file": path.name, "summary": summary, "batch": outcome.batch.pk}
                )
            )
