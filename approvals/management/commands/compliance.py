"""Print a unit's compliance figures as the JSON of data-exchange, section 7."""

import datetime
import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from personnel.models import OrgUnit
from targets import compliance
from targets import years as target_years
from targets.models import Programme

from ...selectors import approved_report


class Command(BaseCommand):
    help = "In số liệu thực hiện chỉ tiêu của một đơn vị (JSON) / Print a unit's compliance figures as JSON."

    def add_arguments(self, parser):
        parser.add_argument("--programme", help="programme code (default: the default programme)")
        parser.add_argument("--year", type=int, help="year Y (default: the programme's latest begun year)")
        parser.add_argument("--unit", help="unit code (default: the root unit)")
        parser.add_argument("--as-of", dest="as_of", help="evaluation date T, yyyy-mm-dd")
        parser.add_argument(
            "--view",
            choices=compliance.VIEWS,
            help="then: units as they were; today: restated on today's units (default: today for a unit open "
            "today, then for a closed one)",
        )

    def handle(self, *args, programme=None, year=None, unit=None, as_of=None, view=None, **options):
        programme_obj = self._programme(programme)
        unit_obj = None
        if unit:
            unit_obj = OrgUnit.objects.filter(code=unit).first()
            if unit_obj is None:
                raise CommandError(f"Không có đơn vị mã {unit!r} / no unit with code {unit!r}")
        as_of_date = None
        if as_of:
            try:
                as_of_date = datetime.date.fromisoformat(as_of)
            except ValueError as error:
                raise CommandError(f"Ngày không hợp lệ / invalid date: {as_of!r} (yyyy-mm-dd)") from error
        if year is None and as_of_date is None:
            year = target_years.default_year(programme_obj)
        report = compliance.evaluate(programme_obj, unit_obj, year=year, as_of=as_of_date, view=view)
        # An approved year: its frozen figures, and who approved.
        data = approved_report(report) if as_of_date is None else report.as_json()
        self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))

    def _programme(self, code: str | None) -> Programme:
        if code:
            found = Programme.objects.filter(code=code).first()
            if found is None:
                raise CommandError(f"Không có chương trình mã {code!r} / no programme with code {code!r}")
            return found
        found = Programme.objects.filter(code=settings.DEFAULT_PROGRAMME).first() or Programme.objects.default()
        if found is None:
            raise CommandError("Chưa có chương trình mục tiêu nào / no programme defined")
        return found
