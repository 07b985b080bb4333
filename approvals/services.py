"""Writes of the year-end sign-off: approve, accept, return, approve in bulk, grant an exception.

Every function takes keyword arguments only, checks who may do it (``approvals.rules``), writes in one
transaction and logs to ``hanoi.audit``. Figures are frozen with the engine (``freeze``): the unit's
subtree evaluated once per view, and, for a single approval, the persons counted per indicator (so that
"now vs approved" can name who changed). ``bulk_approve`` evaluates each view's whole tree once for all
the years asked (``compliance.evaluate_tree``) and writes every approval and step with ``bulk_create``.
"""

from __future__ import annotations

import datetime
import logging
import time

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from personnel.history import ensure_heirs_current
from personnel.models import OrgUnit
from targets import compliance
from targets import years as target_years
from targets.models import IndicatorKind, Programme

from . import rules
from .models import (
    LOCKING,
    Action,
    ApprovalStep,
    BulkApproval,
    Level,
    LockException,
    Status,
    YearApproval,
)

logger = logging.getLogger("hanoi.audit")


def _audit(event: str, user, **values) -> None:
    text = " ".join(f"{key}={value}" for key, value in values.items())
    logger.info("%s user=%s %s", event, getattr(user, "username", "-"), text, extra={"event": event, **values})


# ---------------------------------------------------------------------------------------------
# Freezing figures


FROZEN_FIELDS = ["code", "target", "numerator", "denominator", "percent", "met", "gap"]


def report_json(report: compliance.UnitReport) -> dict:
    """Return a unit's report as stored in a frozen copy: T and one row per indicator (``FROZEN_FIELDS``; rows,
    not objects, keep thousands of approvals written at once small). ``selectors.frozen_items`` reads it back."""
    return {
        "as_of": report.as_of.isoformat() if report.as_of else None,
        "fields": FROZEN_FIELDS,
        "indicators": [
            [r.code, float(r.target), r.numerator, r.denominator, None if r.percent is None else float(r.percent),
             r.met, r.gap]
            for r in report.indicators
        ],
    }  # fmt: skip


def check_year(programme: Programme, year: int) -> None:
    """Refuse a year outside the programme or still to come (``targets.years.begun_years``)."""
    if year not in target_years.begun_years(programme):
        raise ValidationError(
            _("Năm %(year)s không thuộc chương trình %(programme)s hoặc chưa đến.")
            % {"year": year, "programme": programme.code},
            code="invalid_year",
        )


# A unit whose populations hold more people than this (a district, the city) keeps its figures only: the lists
# of persons counted would weigh megabytes; "now vs approved" then compares figures (and the units below it).
PERSON_LIST_LIMIT = 20_000


def freeze(programme: Programme, unit: OrgUnit, year: int, *, persons: bool = True) -> tuple[dict, dict]:
    """Return the unit's figures for ``year`` in each view where it has figures ({view: report_json}) and,
    with ``persons``, the ids counted in each indicator's numerator and denominator ({view: {code: ...}})."""
    programme, indicators = compliance.load(programme)
    figures, counted = {}, {}
    period = compliance.evaluation_date(programme, year=year)
    for view in compliance.VIEWS:
        reports = compliance.evaluate_tree(programme, unit, view=view, periods=[period])[year][0]
        report = reports.get(unit.pk)
        if report is None:
            continue
        figures[view] = report_json(report)
        if persons and max((r.denominator for r in report.indicators), default=0) <= PERSON_LIST_LIMIT:
            counted[view] = frozen_persons(programme, indicators, unit, year, view)
    if not figures:
        raise ValidationError(
            _("Đơn vị %(unit)s không có số liệu năm %(year)s.") % {"unit": unit.name, "year": year}, code="no_figures"
        )
    return figures, counted


def frozen_persons(programme, indicators, unit: OrgUnit, year: int, view: str) -> dict:
    """Return {code: {"of": "person"|"appointment", "d": ids in the population, "n": ids meeting it}}."""
    found = {}
    for indicator in indicators:
        population = compliance.met_population(programme, indicator, unit, year=year, view=view)
        missing = compliance.unmet(programme, indicator, unit, year=year, view=view)
        denominator = sorted(set(population.values_list("pk", flat=True)))
        unmet_ids = set(missing.order_by().values_list("pk", flat=True))
        found[indicator.code] = {
            "of": "appointment" if indicator.kind == IndicatorKind.APPOINTMENT else "person",
            "d": denominator,
            "n": [pk for pk in denominator if pk not in unmet_ids],
        }
    return found


# ---------------------------------------------------------------------------------------------
# One unit's year


def _locked_approval(programme: Programme, unit: OrgUnit, year: int) -> YearApproval:
    approval = YearApproval.objects.select_for_update().filter(programme=programme, unit=unit, year=year).first()
    if approval is None or not approval.locks:
        raise ValidationError(
            _("Số liệu năm %(year)s của %(unit)s chưa được phê duyệt.") % {"year": year, "unit": unit.name},
            code="not_approved",
        )
    return approval


@transaction.atomic
def approve(*, programme: Programme, unit: OrgUnit, year: int, user, now: datetime.datetime | None = None):
    """The unit's leader approves the unit's figures of ``year``: they are frozen and the year is locked."""
    if not rules.may_approve(user, unit):
        raise PermissionDenied(_("Chỉ lãnh đạo của chính đơn vị mới phê duyệt số liệu của đơn vị."))
    check_year(programme, year)
    now = now or timezone.now()
    approval = YearApproval.objects.select_for_update().filter(programme=programme, unit=unit, year=year).first()
    if approval is not None and approval.locks:
        raise ValidationError(
            _("Số liệu năm %(year)s của %(unit)s đã được phê duyệt.") % {"year": year, "unit": unit.name},
            code="already_approved",
        )
    figures, persons = freeze(programme, unit, year)
    final = unit.parent_id is None  # the city approves its own figures last: nothing above it
    values = {
        "status": Status.FINAL if final else Status.APPROVED,
        "approved_by": user,
        "approved_at": now,
        "accepted_by": user if final else None,
        "accepted_at": now if final else None,
        "figures": figures,
        "persons": persons,
    }
    if approval is None:
        approval = YearApproval.objects.create(programme=programme, unit=unit, year=year, **values)
    else:
        for name, value in values.items():
            setattr(approval, name, value)
        approval.save()
    level = Level.CITY if final else Level.UNIT
    ApprovalStep.objects.create(
        approval=approval, action=Action.APPROVE, level=level, user=user, at=now, figures=figures
    )
    _audit("year_approved", user, programme=programme.code, unit=unit.code, year=year)
    return approval


@transaction.atomic
def accept(*, programme: Programme, unit: OrgUnit, year: int, user, now: datetime.datetime | None = None):
    """The parent's leader (then the city) accepts the unit's approved figures of ``year``."""
    now = now or timezone.now()
    approval = _locked_approval(programme, unit, year)
    level = rules.accept_level(user, unit, approval.status)
    if level is None:
        raise PermissionDenied(rules.accept_refusal(user, unit, approval.status))
    figures, persons = freeze(programme, unit, year)
    approval.status = Status.FINAL if level == Level.CITY else Status.ACCEPTED
    approval.accepted_by, approval.accepted_at = user, now
    approval.figures, approval.persons = figures, persons
    approval.save()
    ApprovalStep.objects.create(
        approval=approval, action=Action.ACCEPT, level=level, user=user, at=now, figures=figures
    )
    _audit("year_accepted", user, programme=programme.code, unit=unit.code, year=year, level=level)
    return approval


@transaction.atomic
def return_year(
    *, programme: Programme, unit: OrgUnit, year: int, user, reason: str, now: datetime.datetime | None = None
) -> list[YearApproval]:
    """A higher level returns the unit's year with a reason: it is unlocked, and so are the approvals of the
    same year of the units above it inside the returner's scope (their figures hold the unit's)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Cần ghi lý do trả lại."), code="reason_required")
    if not rules.is_above(user, unit):
        raise PermissionDenied(_("Chỉ lãnh đạo cấp trên mới trả lại số liệu đã phê duyệt."))
    now = now or timezone.now()
    approval = _locked_approval(programme, unit, year)
    returned = [approval]
    scope = rules.scope_path(user)
    ancestors = [pk for pk in unit.ancestor_ids() if pk != unit.pk]
    for above in (
        YearApproval.objects.select_for_update()
        .filter(programme=programme, year=year, unit_id__in=ancestors, status__in=LOCKING)
        .select_related("unit")
    ):
        if scope is None or above.unit.path.startswith(scope):
            returned.append(above)
    level = rules.level_of(user, unit)
    for item in returned:
        item.status = Status.RETURNED
        item.save(update_fields=["status", "updated_at"])
        text = (
            reason
            if item is approval
            else _("Trả lại cùng %(unit)s: %(reason)s") % {"unit": unit.name, "reason": reason}
        )
        ApprovalStep.objects.create(approval=item, action=Action.RETURN, level=level, user=user, at=now, reason=text)
        _audit("year_returned", user, programme=programme.code, unit=item.unit.code, year=year, reason=text)
    return returned


# ---------------------------------------------------------------------------------------------
# Many units and years at once


def _evaluate_views(programme: Programme, root: OrgUnit, periods: list) -> dict[str, dict]:
    """Return {view: evaluate_tree(...)} of the whole tree for every period, one evaluation per view.

    On PostgreSQL, outside a transaction, the two views are evaluated at once on two connections (the
    database does the work, on two cores); otherwise one after the other.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return {
            view: compliance.evaluate_tree(programme, root, view=view, periods=periods) for view in compliance.VIEWS
        }
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    compliance.load(programme)  # the indicators, read once and shared
    ensure_heirs_current()  # written once, before the two readers start

    def one(view: str):
        try:
            return view, compliance.evaluate_tree(programme, root, view=view, periods=periods)
        finally:
            connections.close_all()  # this thread's connection

    with ThreadPoolExecutor(max_workers=len(compliance.VIEWS)) as pool:
        return dict(pool.map(one, compliance.VIEWS))


def bulk_approve(*, programme: Programme, units: list[OrgUnit], years: list[int], user, note: str = "") -> BulkApproval:
    """A city admin approves (finally) the figures of many units and years in one action, audited.

    Each view's whole tree is evaluated once for all the years (``compliance.evaluate_tree``); approvals
    and steps are written with ``bulk_create``. Units and years already approved are left as they are;
    returned ones are approved again. Person lists are not frozen in bulk (figures only).
    """
    if not rules.may_bulk_approve(user):
        raise PermissionDenied(_("Chỉ quản trị thành phố mới phê duyệt hàng loạt."))
    years = sorted(set(years))
    for year in years:
        check_year(programme, year)
    started = time.perf_counter()
    now = timezone.now()
    programme, _indicators = compliance.load(programme)
    root = OrgUnit.objects.roots().order_by("code").first()
    periods = [compliance.evaluation_date(programme, year=year) for year in years]
    wanted = {unit.pk: unit for unit in units}
    figures: dict[tuple[int, int], dict] = {}
    for view, by_year in _evaluate_views(programme, root, periods).items():
        for year, (reports, _direct) in by_year.items():
            for pk in wanted:
                report = reports.get(pk)
                if report is not None:
                    figures.setdefault((pk, year), {})[view] = report_json(report)
    with transaction.atomic():
        return _write_bulk(programme, user, now, years, wanted, figures, note, started)


def _write_bulk(programme, user, now, years, wanted, figures, note, started) -> BulkApproval:
    existing = {
        (a.unit_id, a.year): a
        for a in YearApproval.objects.select_for_update().filter(
            programme=programme, year__in=years, unit_id__in=list(wanted)
        )
    }
    batch = BulkApproval.objects.create(
        programme=programme, user=user, at=now, years=years, unit_count=len(wanted), note=note
    )
    new, again, skipped = [], [], 0
    for (pk, year), frozen in sorted(figures.items()):
        values = {
            "status": Status.FINAL, "approved_by": user, "approved_at": now, "accepted_by": user,
            "accepted_at": now, "figures": frozen, "persons": {},
        }  # fmt: skip
        found = existing.get((pk, year))
        if found is None:
            new.append(YearApproval(programme=programme, unit_id=pk, year=year, **values))
        elif not found.locks:
            for name, value in values.items():
                setattr(found, name, value)
            again.append(found)
        else:
            skipped += 1
    YearApproval.objects.bulk_create(new, batch_size=1000)
    YearApproval.objects.bulk_update(again, list(values), batch_size=1000)
    if new and new[0].pk is None:  # databases that do not return ids from a bulk insert
        ids = {
            (a["unit_id"], a["year"]): a["pk"]
            for a in YearApproval.objects.filter(programme=programme, year__in=years).values("pk", "unit_id", "year")
        }
        for approval in new:
            approval.pk = ids[(approval.unit_id, approval.year)]
    ApprovalStep.objects.bulk_create(
        [
            ApprovalStep(
                approval_id=a.pk, action=Action.APPROVE, level=Level.CITY, user=user, at=now, figures=a.figures,
                batch=batch, reason=note,
            )
            for a in [*new, *again]
        ],
        batch_size=1000,
    )  # fmt: skip
    batch.approved, batch.skipped = len(new) + len(again), skipped
    batch.seconds = time.perf_counter() - started
    batch.save(update_fields=["approved", "skipped", "seconds"])
    _audit(
        "years_bulk_approved", user, programme=programme.code, years=",".join(map(str, years)),
        units=len(wanted), approved=batch.approved, skipped=skipped, batch=batch.pk,
    )  # fmt: skip
    return batch


# ---------------------------------------------------------------------------------------------
# Exceptions


@transaction.atomic
def grant_exception(*, unit: OrgUnit, year: int, until: datetime.datetime, reason: str, user) -> LockException:
    """A higher level lets corrections into the unit's approved year (the unit and below it) until ``until``."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Cần ghi lý do cho phép sửa."), code="reason_required")
    if not rules.is_above(user, unit):
        raise PermissionDenied(_("Chỉ lãnh đạo cấp trên mới cho phép sửa số liệu đã phê duyệt."))
    if until <= timezone.now():
        raise ValidationError(_("Thời hạn cho phép sửa phải ở tương lai."), code="invalid_until")
    exception = LockException.objects.create(unit=unit, year=year, until=until, reason=reason, granted_by=user)
    _audit("year_exception_granted", user, unit=unit.code, year=year, until=until.isoformat(), reason=reason)
    return exception


@transaction.atomic
def revoke_exception(*, exception: LockException, user) -> LockException:
    """End an exception before its time."""
    if not rules.is_above(user, exception.unit):
        raise PermissionDenied
    exception.revoked_at = timezone.now()
    exception.save(update_fields=["revoked_at"])
    _audit("year_exception_revoked", user, unit=exception.unit.code, year=exception.year)
    return exception
