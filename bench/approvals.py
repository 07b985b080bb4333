"""Time the city admin's bulk approval: the programme's five years of every unit in one action
(``approvals.services.bulk_approve``: each view's whole tree evaluated once for the five years, snapshots
written with bulk_create). Each run happens in a transaction rolled back afterwards, so runs are alike."""

from __future__ import annotations

from bench.engine import Timing, measure


class _Rollback(Exception):
    pass


def run(*, runs: int, budget: float, say) -> Timing:
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from approvals.services import bulk_approve
    from personnel.models import OrgUnit
    from targets.models import Programme

    programme = Programme.objects.get(code="HN-2021-2025")
    years = [y for y in programme.years if y <= timezone.localdate().year]
    units = list(OrgUnit.objects.all())
    user, _created = get_user_model().objects.get_or_create(
        username="bench.admin", defaults={"is_superuser": True, "is_staff": True}
    )
    found = {}

    def once():
        try:
            with transaction.atomic():
                found["batch"] = bulk_approve(programme=programme, units=units, years=years, user=user)
                raise _Rollback
        except _Rollback:
            pass

    timing = measure("approvals_bulk", once, runs=runs, budget=budget, say=say)
    timing.note = f"{found['batch'].approved} unit-years ({len(units)} units × {len(years)} years), both views"
    return timing
