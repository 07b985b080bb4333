"""Time the city admin's bulk approval: the programme's five years of every unit in one action
(``approvals.services.bulk_approve``: each view's whole tree evaluated once for the five years, snapshots
written with bulk_create). After each run its approvals are deleted, so runs are alike. It runs outside a
transaction, as the page, the API and the command do: on PostgreSQL the two views are evaluated at once."""

from __future__ import annotations

from bench.engine import Timing, measure


def run(*, runs: int, budget: float, say) -> Timing:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from approvals.models import ApprovalStep, BulkApproval, YearApproval
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
        found["batch"] = bulk_approve(programme=programme, units=units, years=years, user=user)

    def clean():
        ApprovalStep.objects.all().delete()
        YearApproval.objects.all().delete()
        BulkApproval.objects.all().delete()

    clean()

    timing = Timing("approvals_bulk")
    for index in range(runs):
        single = measure("approvals_bulk", once, runs=1, budget=budget, say=say)
        timing.runs += single.runs
        timing.queries = single.queries
        clean()
        if sum(timing.runs) > budget and index + 1 < runs:
            break
    timing.note = f"{found['batch'].approved} unit-years ({len(units)} units × {len(years)} years), both views"
    return timing
