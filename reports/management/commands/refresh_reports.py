"""Compute and store the dashboard figures of every unit, so that no reader waits for them."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from reports import freshness
from targets.models import Programme


class Command(BaseCommand):
    help = (
        "Tính trước và lưu số liệu tổng quan chỉ tiêu của mọi đơn vị (sau khi triển khai, sau một lần nhập lớn, "
        "hoặc hằng đêm) / Compute and store the dashboard figures of every unit."
    )

    def add_arguments(self, parser):
        parser.add_argument("--programme", help="programme code (default: the default programme)")
        parser.add_argument("--year", type=int, action="append", help="a year (repeatable; default: the dashboard's)")

    def handle(self, *args, programme=None, year=None, **options):
        code = programme or settings.DEFAULT_PROGRAMME
        found = Programme.objects.filter(code=code).first() or (None if programme else Programme.objects.default())
        if found is None:
            raise CommandError(f"Không có chương trình mã {code!r} / no programme with code {code!r}")
        for result in freshness.refresh_all(found, years=year):
            self.stdout.write(
                f"{found.code} {result.year}: {result.as_of:%d/%m/%Y}, {result.duration:.1f} s ({result.version})"
            )
