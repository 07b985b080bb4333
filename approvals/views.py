"""The sign-off pages: a unit's years and its children's (approve, accept, return, open for corrections),
"now vs approved", the programme's final report (print and XLSX), and the city admin's bulk approval.

The selection (programme, unit, year, view) and the scoping are those of the dashboard (``reports.views.select``);
every write goes through ``approvals.services``.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.roles import role_of
from accounts.scoping import can_see_unit
from core.params import year_param
from personnel.choices import UnitLevel
from personnel.models import OrgUnit
from reports.views import default_programme, reader_required, select
from targets import years as target_years
from targets.models import Programme

from . import final_report, rules, selectors, services
from .models import LOCKING, BulkApproval, LockException, Status


def _year_query(selection, year: int) -> str:
    return urlencode(
        {"programme": selection.programme.code, "year": year, "unit": selection.unit.code, "view": selection.view}
    )


@reader_required
def unit_page(request):
    """A unit's approval of each programme year, its children's for the chosen year, and what the user may do."""
    selection = select(request)
    unit, programme = selection.unit, selection.programme
    years = target_years.begun_years(programme)
    children = list(OrgUnit.objects.filter(parent=unit).order_by("code"))
    found = selectors.approvals_of(programme, [unit.pk, *(c.pk for c in children)], years)
    approval = found.get((unit.pk, selection.year))
    rows = [
        {
            "year": y,
            "approval": found.get((unit.pk, y)),
            "query": _year_query(selection, y),
        }
        for y in years
    ]
    child_rows = []
    for child in children:
        child_approval = found.get((child.pk, selection.year))
        actions = rules.next_actions(request.user, child, child_approval)
        child_rows.append({"unit": child, "approval": child_approval, "actions": actions})
    exceptions = LockException.objects.filter(unit__path__startswith=unit.path, year=selection.year).select_related(
        "unit", "granted_by"
    )[:50]
    context = {
        "selection": selection,
        "query": selection.query(),
        "rows": rows,
        "approval": approval,
        "steps": selectors.steps_of(approval) if approval else [],
        "actions": rules.next_actions(request.user, unit, approval),
        "child_rows": child_rows,
        "exceptions": exceptions,
        "now": timezone.now(),
        "year_open": selection.year in years,
        "may_bulk": rules.may_bulk_approve(request.user),
    }
    return render(request, "approvals/unit.html", context)


def _unit_from_post(request) -> OrgUnit:
    unit = OrgUnit.objects.filter(code=request.POST.get("unit", "")).first()
    if unit is None or not can_see_unit(request.user, unit):
        raise Http404(_("Không có đơn vị này trong phạm vi được xem."))
    return unit


def _programme_from_post(request) -> Programme:
    programme = Programme.objects.filter(code=request.POST.get("programme", "")).first()
    if programme is None:
        raise Http404(_("Không có chương trình mục tiêu này."))
    return programme


@login_required
@require_POST
def act(request):
    """Approve, accept, return a unit's year or open it for corrections (one button of the unit page)."""
    if role_of(request.user) is None:
        raise PermissionDenied
    programme, unit = _programme_from_post(request), _unit_from_post(request)
    year = year_param(request.POST.get("year"))
    if year is None:
        raise Http404(_("Năm không hợp lệ."))
    action = request.POST.get("action")
    back = (
        request.POST.get("back")
        or f"{reverse('approvals:unit')}?programme={programme.code}&unit={unit.code}&year={year}"
    )
    if not back.startswith("/"):
        back = reverse("approvals:unit")
    try:
        if action == "approve":
            services.approve(programme=programme, unit=unit, year=year, user=request.user)
            messages.success(
                request, _("Đã phê duyệt số liệu năm %(year)s của %(unit)s.") % {"year": year, "unit": unit.name}
            )
        elif action == "accept":
            services.accept(programme=programme, unit=unit, year=year, user=request.user)
            messages.success(
                request, _("Đã chấp nhận số liệu năm %(year)s của %(unit)s.") % {"year": year, "unit": unit.name}
            )
        elif action == "return":
            services.return_year(
                programme=programme, unit=unit, year=year, user=request.user, reason=request.POST.get("reason", "")
            )
            messages.success(
                request, _("Đã trả lại số liệu năm %(year)s của %(unit)s.") % {"year": year, "unit": unit.name}
            )
        elif action == "except":
            days = request.POST.get("days", "7")
            days = int(days) if days.isdigit() and 0 < int(days) <= 90 else 7
            services.grant_exception(
                unit=unit, year=year, until=timezone.now() + datetime.timedelta(days=days),
                reason=request.POST.get("reason", ""), user=request.user,
            )  # fmt: skip
            messages.success(
                request,
                _("Đã cho phép sửa số liệu năm %(year)s của %(unit)s trong %(days)s ngày.")
                % {"year": year, "unit": unit.name, "days": days},
            )
        else:
            raise Http404(_("Thao tác không hợp lệ."))
    except PermissionDenied as error:
        messages.error(request, str(error) or _("Bạn không có quyền thực hiện thao tác này."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(back)


@reader_required
def compare_page(request):
    """Show how the live data differs from an approved year's frozen figures, by indicator and by person."""
    selection = select(request)
    approval = selectors.locking_approval(selection.programme, selection.unit, selection.year)
    comparison = selectors.compare(approval, selection.view) if approval else None
    return render(
        request,
        "approvals/compare.html",
        {"selection": selection, "approval": approval, "comparison": comparison, "query": selection.query()},
    )


def _final(request):
    code = request.GET.get("programme")
    programme = Programme.objects.filter(code=code).first() if code else None
    query = request.GET.copy()
    if programme is None:
        programme = default_programme()
        if programme is None:
            raise Http404(_("Không có chương trình mục tiêu này."))
    final_year = min(programme.end_date.year, timezone.localdate().year)
    query["year"] = str(final_year)
    request.GET = query
    selection = select(request)
    return final_report.build(selection)


@reader_required
def final_report_page(request):
    """The programme's final report, printable (A4, page numbers, signature block)."""
    report = _final(request)
    return render(
        request,
        "approvals/final_report.html",
        {"report": report, "selection": report.selection, "today": timezone.localdate()},
    )


@reader_required
def final_report_xlsx(request):
    """The programme's final report as an XLSX a leader can forward as it is."""
    report = _final(request)
    name = f"bao-cao-tong-ket-{report.selection.programme.code}-{report.selection.unit.code}.xlsx"
    response = HttpResponse(
        final_report.workbook(report), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


@login_required
def bulk_page(request):
    """A city admin approves many units and years at once (e.g. the past years of every commune-level unit)."""
    if not rules.may_bulk_approve(request.user):
        raise PermissionDenied
    programme = default_programme()
    years = target_years.ended_years(programme)
    levels = UnitLevel.choices
    if request.method == "POST":
        chosen_years = [year for text in request.POST.getlist("years") if (year := year_param(text)) is not None]
        level = request.POST.get("level", "")
        units = list(OrgUnit.objects.filter(level=level).order_by("code")) if level else []
        if request.POST.get("open_only"):
            today = timezone.localdate()
            units = [u for u in units if u.closed_on is None or u.closed_on > today]
        if not units or not chosen_years:
            messages.error(request, _("Chọn cấp đơn vị và ít nhất một năm."))
        else:
            try:
                batch = services.bulk_approve(
                    programme=programme, units=units, years=chosen_years, user=request.user,
                    note=request.POST.get("note", ""),
                )  # fmt: skip
            except (PermissionDenied, ValidationError) as error:
                messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
            else:
                messages.success(
                    request,
                    _("Đã phê duyệt %(approved)s số liệu năm (%(skipped)s đã có từ trước), %(seconds).1f giây.")
                    % {"approved": batch.approved, "skipped": batch.skipped, "seconds": batch.seconds},
                )
                return redirect("approvals:bulk")
    batches = BulkApproval.objects.select_related("user", "programme")[:20]
    return render(
        request,
        "approvals/bulk.html",
        {
            "programme": programme,
            "years": years,
            "levels": levels,
            "batches": batches,
            "locking": LOCKING,
            "Status": Status,
        },
    )
