"""Approve (or accept) a unit's figures for a programme year, as a named user."""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from personnel.models import OrgUnit
from targets.models import Programme

from ... import services
from ...models import LOCKING, YearApproval


def lookup(programme: str, unit: str, user: str):
    found_programme = Programme.objects.filter(code=programme).first()
    if found_programme is None:
        raise CommandError(f"Không có chương trình mã {programme!r} / no programme {programme!r}")
    found_unit = OrgUnit.objects.filter(code=unit).first()
    if found_unit is None:
        raise CommandError(f"Không có đơn vị mã {unit!r} / no unit {unit!r}")
    found_user = get_user_model().objects.filter(username=user).first()
    if found_user is None:
        raise CommandError(f"Không có người dùng {user!r} / no user {user!r}")
    return found_programme, found_unit, found_user


class Command(BaseCommand):
    help = (
        "Phê duyệt số liệu năm của một đơn vị (hoặc chấp nhận, nếu đơn vị đã phê duyệt) / "
        "Approve a unit's figures for a year (or accept them, once the unit has approved)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--programme", required=True)
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--unit", required=True)
        parser.add_argument("--user", required=True, help="username of the leader (or admin) who approves")
        parser.add_argument(
            "--view", choices=["then", "today"], help="the view to print (both views are always frozen)"
        )

    def handle(self, *args, programme, year, unit, user, view=None, **options):
        programme, unit, user = lookup(programme, unit, user)
        approved = YearApproval.objects.filter(programme=programme, unit=unit, year=year, status__in=LOCKING).exists()
        try:
            if approved:
                approval = services.accept(programme=programme, unit=unit, year=year, user=user)
            else:
                approval = services.approve(programme=programme, unit=unit, year=year, user=user)
        except (PermissionDenied, ValidationError) as error:
            raise CommandError(" ".join(getattr(error, "messages", [str(error)])) or "permission denied") from error
        self.stdout.write(f"{unit.code} {year}: {approval.get_status_display()} ({user.get_username()})")
        for name in [view] if view else sorted(approval.figures):
            figures = approval.figures.get(name)
            if not figures:
                continue
            met = sum(1 for row in figures["indicators"] if row[figures["fields"].index("met")])
            self.stdout.write(f"  {name}: T={figures['as_of']}, {met}/{len(figures['indicators'])} đạt / met")
