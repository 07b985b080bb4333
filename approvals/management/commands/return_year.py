"""Return a unit's approved year (a higher level, with a reason): it is unlocked."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from ... import services
from .approve import lookup


class Command(BaseCommand):
    help = "Trả lại số liệu năm đã phê duyệt của một đơn vị / Return a unit's approved year (unlocks it)."

    def add_arguments(self, parser):
        parser.add_argument("--programme", required=True)
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--unit", required=True)
        parser.add_argument("--user", required=True, help="username of a leader above the unit (or an admin)")
        parser.add_argument("--reason", required=True)

    def handle(self, *args, programme, year, unit, user, reason, **options):
        programme, unit, user = lookup(programme, unit, user)
        try:
            returned = services.return_year(programme=programme, unit=unit, year=year, user=user, reason=reason)
        except (PermissionDenied, ValidationError) as error:
            raise CommandError(" ".join(getattr(error, "messages", [str(error)])) or "permission denied") from error
        for approval in returned:
            self.stdout.write(f"{approval.unit.code} {year}: {approval.get_status_display()}")
