"""The planning pages: training needs, annual plans, class rosters (nominations, results, import), planned against
done, and the reminders of the week. Reads go through ``planning.selectors`` (scoped by ``accounts.scoping``:
another unit's plan, class or person is a 404); writes through ``planning.services``."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import record_access
from accounts.models import AccessAction
from accounts.roles import can_write
from accounts.scoping import scope_unit, visible_units
from core.params import year_param
from exchange.cells import parse_date
from hr.views import reader_required, writer_required
from personnel.models import OrgUnit
from reports.exports import XLSX_TYPE
from reports.views import attachment, file_name
from reports.views import reader_required as report_reader_required
from targets import years as target_years
from targets.models import Programme
from training.models import Course, CourseType

from . import exports, services
from .forms import ImportForm, NominateForm, PlanForm, PlannedClassForm, ReviewForm, RosterForm
from .imports import RosterImportError, import_roster
from .models import NominationStatus, PlannedClass, RosterResult
from .progress import plan_progress
from .reminders import reminder_for
from .selectors import (
    need_indicators,
    roster_counts,
    training_needs,
    visible_nominations,
    visible_plans,
    visible_rosters,
)

PERSONS_SHOWN = 1000  # the page lists the first ones; the XLSX holds everyone


def _programme() -> Programme:
    programme = Programme.objects.default()
    if programme is None:
        raise Http404
    return programme


def _year(request) -> int:
    return year_param(request.GET.get("year")) or timezone.localdate().year


def _unit(request, key: str = "unit") -> OrgUnit:
    """Return the unit asked for (its code) inside the user's scope; another unit reads like an unknown one (404)."""
    code = request.GET.get(key, "").strip()
    if not code:
        unit = scope_unit(request.user)
        if unit is None:
            raise Http404
        return unit
    return get_object_or_404(visible_units(request.user), code=code)


# ---------------------------------------------------------------------------------------------
# Training needs


def _needs(request):
    programme = _programme()
    unit, year = _unit(request), _year(request)
    indicator = request.GET.get("indicator", "").strip()
    course_type = request.GET.get("course_type", "").strip()
    needs = training_needs(programme=programme, unit=unit, year=year, indicator=indicator, course_type=course_type)
    return programme, needs, indicator, course_type


@report_reader_required
def needs(request):
    """The people of a unit who need each course type, why, and how many each target still needs."""
    programme, found, indicator, course_type = _needs(request)
    type_names = dict(CourseType.objects.values_list("code", "name"))
    rosters = []
    if can_write(request.user):
        rosters = list(
            roster_counts(visible_rosters(request.user))
            .filter(course__end_date__gte=datetime.date(found.year, 1, 1))  # the year's classes, run or to come
            .select_related("course")
            .order_by("course__start_date", "course__code")
        )
    codes = {roster.course.code for roster in rosters}
    context = {
        "needs": found,
        "persons": found.persons[:PERSONS_SHOWN],
        "chosen": request.GET.get("lop", "") if request.GET.get("lop", "") in codes else "",
        "type_names": type_names,
        "indicators": need_indicators(programme),
        "course_types": CourseType.objects.order_by("order", "code"),
        "indicator": indicator,
        "course_type": course_type,
        "rosters": rosters,
        "query": request.GET.urlencode(),
        "years": target_years.plannable_years(programme),
    }
    return render(request, "planning/needs.html", context)


@report_reader_required
def needs_xlsx(request):
    found = _needs(request)[1]
    content = exports.needs_workbook(found, dict(CourseType.objects.values_list("code", "name")))
    name = file_name("nhu-cau-dao-tao", found.unit.code, found.year) + ".xlsx"
    # A list of named persons leaves the system: the access log of personal data records it.
    record_access(user=request.user, action=AccessAction.EXPORT, target=name, request=request, unit=found.unit)
    return attachment(content, filename=name, content_type=XLSX_TYPE)


# ---------------------------------------------------------------------------------------------
# Plans


@reader_required
def plan_list(request):
    """The plans of the user's scope for a year, with their status and budget."""
    year = _year(request)
    plans = (
        visible_plans(request.user)
        .filter(year=year)
        .select_related("unit")
        .annotate(budget=Sum("classes__estimated_cost"), places=Sum("classes__places"))
        .order_by("unit__path")
    )
    form = PlanForm(initial={"year": year, "unit": getattr(scope_unit(request.user), "code", "")})
    context = {"plans": plans, "year": year, "form": form, "can_write": can_write(request.user)}
    return render(request, "planning/plan_list.html", context)


@writer_required
@require_POST
def plan_create(request):
    form = PlanForm(request.POST)
    if form.is_valid():
        unit = visible_units(request.user).filter(code=form.cleaned_data["unit"]).first()
        if unit is None:
            form.add_error("unit", _("Không tìm thấy đơn vị mã “%(code)s”.") % {"code": form.cleaned_data["unit"]})
        else:
            try:
                plan = services.create_plan(unit=unit, year=form.cleaned_data["year"], user=request.user)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                return redirect("planning:plan_detail", pk=plan.pk)
    for error in form.errors.values():
        messages.error(request, " ".join(error))
    return redirect("planning:plan_list")


def _plan(request, pk):
    return get_object_or_404(visible_plans(request.user).select_related("unit", "programme"), pk=pk)


def _plan_context(request, plan, **extra):
    classes = list(plan.classes.select_related("course_type", "indicator").prefetch_related("rosters__course"))
    context = {
        "plan": plan,
        "classes": classes,
        "budget": sum(c.estimated_cost for c in classes),
        "places": sum(c.places for c in classes),
        "can_write": can_write(request.user),
        "can_review": can_write(request.user) and services.can_review(request.user, plan),
        "class_form": PlannedClassForm(programme=plan.programme),
        "review_form": ReviewForm(),
        "warnings": services.uncovered_gaps(plan) if plan.editable else [],
        "history": plan.history.select_related("history_user").order_by("-history_date")[:20],
    }
    context.update(extra)
    return context


@reader_required
def plan_detail(request, pk):
    """A plan: its classes, budget, the targets it leaves uncovered, and its review."""
    plan = _plan(request, pk)
    return render(request, "planning/plan_detail.html", _plan_context(request, plan))


@writer_required
def plan_class_add(request, pk):
    plan = _plan(request, pk)
    form = PlannedClassForm(request.POST or None, programme=plan.programme)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.add_planned_class(plan=plan, user=request.user, **data)
        except ValidationError as error:
            form.add_error(None, error) if not hasattr(error, "error_dict") else _add_errors(form, error)
        else:
            messages.success(request, _("Đã thêm lớp “%(title)s”.") % {"title": data["title"]})
            return redirect("planning:plan_detail", pk=plan.pk)
    return render(request, "planning/plan_detail.html", _plan_context(request, plan, class_form=form))


def _add_errors(form, error: ValidationError) -> None:
    for field, messages_ in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages_)


@writer_required
def plan_class_remove(request, pk, class_pk):
    plan = _plan(request, pk)
    if request.method != "POST":  # after the lookup: another unit's record is a 404 first
        return HttpResponseNotAllowed(["POST"])
    planned = get_object_or_404(PlannedClass, pk=class_pk, plan=plan)
    try:
        services.remove_planned_class(planned_class=planned, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("planning:plan_detail", pk=plan.pk)


@writer_required
def plan_submit(request, pk):
    """Submit a plan; a plan leaving a gap uncovered is shown again with its warnings until the user confirms."""
    plan = _plan(request, pk)
    if request.method != "POST":  # after the lookup: another unit's record is a 404 first
        return HttpResponseNotAllowed(["POST"])
    try:
        services.submit_plan(plan=plan, user=request.user, confirm_gaps=request.POST.get("confirm_gaps") == "on")
    except services.GapsUncovered as warned:
        return render(
            request,
            "planning/plan_detail.html",
            _plan_context(request, plan, warnings=warned.warnings, confirm_needed=True),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Đã trình kế hoạch lên cấp trên."))
    return redirect("planning:plan_detail", pk=plan.pk)


@writer_required
def plan_review(request, pk):
    plan = _plan(request, pk)
    if request.method != "POST":  # after the lookup: another unit's record is a 404 first
        return HttpResponseNotAllowed(["POST"])
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            services.review_plan(
                plan=plan,
                user=request.user,
                approve=form.cleaned_data["decision"] == "approve",
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Đã ghi ý kiến duyệt kế hoạch."))
    else:
        messages.error(request, _("Chọn duyệt hoặc trả lại."))
    return redirect("planning:plan_detail", pk=plan.pk)


# ---------------------------------------------------------------------------------------------
# Class rosters


@reader_required
def roster_list(request):
    """Classes with places: how many are seated and waiting; HR opens a roster for a course."""
    rosters = (
        roster_counts(visible_rosters(request.user))
        .select_related("course", "unit")
        .order_by("-course__start_date", "course__code")
    )
    form = RosterForm(initial={"unit": getattr(scope_unit(request.user), "code", "")})
    return render(
        request, "planning/roster_list.html", {"rosters": rosters, "form": form, "can_write": can_write(request.user)}
    )


@writer_required
def roster_open(request):
    initial = {"unit": getattr(scope_unit(request.user), "code", "")}
    if request.GET.get("planned_class", "").isdigit():  # "carry out" on an approved plan's class
        initial["planned_class"] = int(request.GET["planned_class"])
    form = RosterForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        course = Course.objects.filter(code=data["course"]).first()
        unit = visible_units(request.user).filter(code=data["unit"]).first()
        planned = None
        if data["planned_class"]:
            planned = PlannedClass.objects.filter(
                pk=data["planned_class"], plan__in=visible_plans(request.user)
            ).first()
            if planned is None:
                form.add_error(
                    "planned_class", _("Không tìm thấy lớp số %(pk)s trong kế hoạch.") % {"pk": data["planned_class"]}
                )
        if course is None:
            form.add_error("course", _("Không tìm thấy khóa học mã “%(code)s”.") % {"code": data["course"]})
        if unit is None:
            form.add_error("unit", _("Không tìm thấy đơn vị mã “%(code)s”.") % {"code": data["unit"]})
        if not form.errors:
            try:
                roster = services.open_roster(
                    course=course,
                    unit=unit,
                    capacity=data["capacity"],
                    user=request.user,
                    planned_class=planned,
                    actual_cost=data["actual_cost"],
                )
            except ValidationError as error:
                _add_errors(form, error) if hasattr(error, "error_dict") else form.add_error(None, error)
            else:
                return redirect("planning:roster_detail", code=roster.course.code)
    return render(request, "planning/roster_form.html", {"form": form})


def _roster(request, code):
    return get_object_or_404(
        visible_rosters(request.user).select_related("course", "unit", "planned_class__plan"), course__code=code
    )


def _roster_context(request, roster, **extra):
    nominations = list(
        visible_nominations(request.user)
        .filter(roster=roster)
        .exclude(status=NominationStatus.WITHDRAWN)
        .select_related("person", "person__unit", "indicator")
        .order_by("position")
    )
    counts = roster_counts(type(roster).objects.filter(pk=roster.pk)).values("seated", "waiting").get()
    seated = [n for n in nominations if n.status == NominationStatus.SEATED]
    waiting = [n for n in nominations if n.status == NominationStatus.WAITING]
    context = {
        "roster": roster,
        "course": roster.course,
        "seated": seated,
        "waiting": waiting,
        "free": max(0, roster.capacity - counts["seated"]),
        "counts": counts,
        "results": RosterResult.choices,
        "can_write": can_write(request.user),
        "nominate_form": NominateForm(),
        "import_form": ImportForm(),
        "errors": [],
    }
    context.update(extra)
    return context


@reader_required
def roster_detail(request, code):
    """A class's roster: who holds a place, who waits (in order), why each was nominated, and their results."""
    roster = _roster(request, code)
    return render(request, "planning/roster_detail.html", _roster_context(request, roster))


@writer_required
def roster_nominate(request, code):
    roster = _roster(request, code)
    if request.method != "POST":  # after the lookup: another unit's record is a 404 first
        return HttpResponseNotAllowed(["POST"])
    codes = request.POST.getlist("person") + request.POST.get("codes", "").split()
    form = NominateForm(request.POST)
    form.is_valid()
    try:
        done = services.nominate(
            roster=roster, persons=codes, user=request.user, waiting_list=form.cleaned_data.get("waiting_list", False)
        )
    except ValidationError as error:
        return render(
            request,
            "planning/roster_detail.html",
            _roster_context(request, roster, errors=error.messages, nominate_form=form),
        )
    messages.success(
        request,
        _("Đã đề cử %(seated)s người vào lớp, %(waiting)s người vào danh sách chờ.")
        % {"seated": len(done.seated), "waiting": len(done.waiting)},
    )
    return redirect("planning:roster_detail", code=roster.course.code)


@writer_required
def roster_withdraw(request, code, pk):
    roster = _roster(request, code)
    if request.method != "POST":  # after the lookup: another unit's record is a 404 first
        return HttpResponseNotAllowed(["POST"])
    nomination = get_object_or_404(visible_nominations(request.user).select_related("person"), pk=pk, roster=roster)
    try:
        moved = services.withdraw(nomination=nomination, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        text = _("Đã rút %(name)s khỏi lớp.") % {"name": nomination.person.full_name}
        if moved is not None:
            text += " " + _("%(name)s được đưa từ danh sách chờ lên.") % {"name": moved.person.full_name}
        messages.success(request, text)
    return redirect("planning:roster_detail", code=roster.course.code)


@writer_required
def roster_results(request, code):
    """Enter the results of the seated persons (rows left without a result are skipped), all or nothing."""
    roster = _roster(request, code)
    if request.method != "POST":  # after the lookup: another unit's record is a 404 first
        return HttpResponseNotAllowed(["POST"])
    nominations = {
        n.pk: n
        for n in visible_nominations(request.user)
        .filter(roster=roster, status=NominationStatus.SEATED)
        .select_related("person")
    }
    lines, errors = [], []
    for pk, nomination in nominations.items():
        result = request.POST.get(f"result-{pk}", "")
        if not result:
            continue
        raw_date = request.POST.get(f"completed_on-{pk}", "")
        try:
            completed_on = parse_date(raw_date)  # dd/mm/yyyy or yyyy-mm-dd, as every form and import
        except ValueError:
            errors.append(
                _("%(code)s, cột “Ngày hoàn thành”, giá trị “%(value)s”: ngày không hợp lệ, cần dạng dd/mm/yyyy.")
                % {"code": nomination.person.code, "value": raw_date}
            )
            continue
        certificate = request.POST.get(f"certificate-{pk}", "").strip()
        lines.append(services.ResultLine(nomination, result, completed_on, certificate))
    if not lines and not errors:
        errors.append(_("Chưa chọn kết quả cho ai."))
    if not errors:
        try:
            services.enter_results(roster=roster, lines=lines, user=request.user)
        except services.ResultsRefused as refused:
            labels = {"person": _("Cán bộ"), "result": _("Kết quả"), "completed_on": _("Ngày hoàn thành"),
                      "certificate_number": _("Số chứng chỉ")}  # fmt: skip
            errors = [
                _("%(code)s, cột “%(column)s”, giá trị “%(value)s”: %(reason)s")
                % {"code": person, "column": labels.get(field, field), "value": value, "reason": reason}
                for person, field, value, reason in refused.errors
            ]
        except ValidationError as error:  # e.g. a year already approved and locked
            errors = error.messages
        else:
            messages.success(request, _("Đã ghi kết quả cho %(count)s người.") % {"count": len(lines)})
            return redirect("planning:roster_detail", code=roster.course.code)
    return render(request, "planning/roster_detail.html", _roster_context(request, roster, errors=errors))


@writer_required
def roster_import(request, code):
    roster = _roster(request, code)
    form = ImportForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            done = import_roster(roster=roster, file_name=upload.name, content=upload.read(), user=request.user)
        except RosterImportError as error:
            errors = [str(e) for e in error.errors]
        else:
            messages.success(
                request,
                _("Đã nhập: %(nominated)s người vào lớp, %(waiting)s người chờ, %(results)s kết quả.")
                % {"nominated": done.nominated, "waiting": done.waiting, "results": done.results},
            )
            return redirect("planning:roster_detail", code=roster.course.code)
    return render(
        request,
        "planning/roster_import.html",
        {"roster": roster, "course": roster.course, "form": form, "errors": errors},
    )


# ---------------------------------------------------------------------------------------------
# Planned against done, and the reminders


@report_reader_required
def progress(request):
    unit, year = _unit(request), _year(request)
    found = plan_progress(programme=_programme(), unit=unit, year=year)
    return render(request, "planning/progress.html", {"progress": found, "query": request.GET.urlencode()})


@report_reader_required
def progress_xlsx(request):
    unit, year = _unit(request), _year(request)
    found = plan_progress(programme=_programme(), unit=unit, year=year)
    return attachment(
        exports.progress_workbook(found),
        filename=file_name("ke-hoach-thuc-hien", unit.code, year) + ".xlsx",
        content_type=XLSX_TYPE,
    )


@report_reader_required
def reminders(request):
    """What the user's weekly reminder says now (HR officers also receive it by e-mail)."""
    return render(request, "planning/reminders.html", {"reminder": reminder_for(request.user)})
