"""The training screens: courses (shared city-wide), their attendees in the user's scope, and recording a class."""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import record_list_access
from accounts.models import AccessAction
from accounts.roles import can_write
from accounts.scoping import visible_persons
from core.concurrency import StaleEdit, save_versioned
from core.params import year_param
from hr.training_forms import CourseForm, RecordClassForm
from hr.views import default_programme, page_of, partial_or_page, reader_required, writer_required
from personnel.qualifications import level_label
from targets import years as target_years
from training.choices import TrainingResult
from training.models import Course, CourseType
from training.scoping import can_change_course, changeable_courses, course_used_outside_scope, visible_training_records
from training.services import ClassRecordError, record_class

SEARCH_LIMIT = 20


@reader_required
def course_list(request):
    """List courses, newest first, with how many persons of the user's scope attended and completed each."""
    courses = Course.objects.prefetch_related("types").order_by("-start_date", "code")
    text = request.GET.get("q", "").strip()
    if text:
        courses = courses.filter(Q(code__icontains=text) | Q(title__icontains=text) | Q(provider__icontains=text))
    type_code = request.GET.get("type", "")
    if type_code:
        courses = courses.filter(types__code=type_code)
    years = target_years.selectable_years(default_programme())
    year = request.GET.get("year", "")
    if year_param(year) is not None:
        courses = courses.filter(
            start_date__lte=datetime.date(year_param(year), 12, 31), end_date__gte=datetime.date(year_param(year), 1, 1)
        )
    page = page_of(courses, request.GET.get("page"), params=request.GET)
    counts = {
        row["course_id"]: row
        for row in visible_training_records(request.user)
        .filter(course_id__in=[course.pk for course in page.rows])
        .order_by()
        .values("course_id")
        .annotate(attendees=Count("pk"), completed=Count("pk", filter=Q(result=TrainingResult.COMPLETED)))
    }
    for course in page.rows:
        row = counts.get(course.pk, {})
        course.attendees, course.completed = row.get("attendees", 0), row.get("completed", 0)
    context = {
        "page": page,
        "q": text,
        "type_code": type_code,
        "year": year,
        "years": list(reversed(years)),
        "types": CourseType.objects.order_by("order", "code"),
        "can_write": can_write(request.user),
    }
    return partial_or_page(request, "training/_course_results.html", "training/course_list.html", context)


@reader_required
def course_detail(request, code):
    """Show a course and the results of its attendees in the user's scope."""
    course = get_object_or_404(Course.objects.select_related("unit").prefetch_related("types"), code__iexact=code)
    course.grants_label = level_label(course.grants_kind, course.grants_level) if course.grants_kind else ""
    records = (
        visible_training_records(request.user)
        .filter(course=course)
        .with_counted_date()
        .select_related("person", "person__unit")
        .order_by("person__sort_key", "person__code")
    )
    summary = records.order_by().aggregate(
        total=Count("pk"),
        **{value: Count("pk", filter=Q(result=value)) for value in TrainingResult.values},
    )
    results = [(label, summary[value], value) for value, label in TrainingResult.choices]
    page = page_of(records, request.GET.get("page"), params=request.GET, per_page=100)
    context = {
        "course": course,
        "page": page,
        "total": summary["total"],
        "results": results,
        "can_write": can_write(request.user),
        "can_change": can_write(request.user) and can_change_course(request.user, course),
    }
    return render(request, "training/course_detail.html", context)


@writer_required
def course_create(request):
    """Create a course (courses are shared by the whole city)."""
    form = CourseForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        course = form.save()
        messages.success(request, _("Đã thêm khóa học %(code)s.") % {"code": course.code})
        return redirect("training:course_detail", code=course.code)
    return render(request, "training/course_form.html", {"form": form, "course": None})


@writer_required
def course_edit(request, code):
    """Edit a course; dates may not move so that recorded completion dates become invalid."""
    # accounts.scoping: HR change only the courses their subtree runs; another unit's course is not found.
    course = get_object_or_404(changeable_courses(request.user), code__iexact=code)
    shown = {"code": course.code, "title": course.title}
    shared = course_used_outside_scope(request.user, course)
    form = CourseForm(request.POST or None, instance=course, user=request.user, shared=shared)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            course = save_versioned(instance=form.instance, version=form.edited_version, save=form.save)
        except StaleEdit as error:
            form.refuse_stale(error)
            status = 409
        else:
            messages.success(request, _("Đã lưu khóa học %(code)s.") % {"code": course.code})
            return redirect("training:course_detail", code=course.code)
    return render(request, "training/course_form.html", {"form": form, "course": shown}, status=status)


@writer_required
def record_class_view(request):
    """Record one result for a whole class in one step: pick the course, list the persons, save."""
    initial = {"result": TrainingResult.COMPLETED}
    if request.method == "GET" and request.GET.get("khoa"):
        initial["course"] = Course.objects.filter(code__iexact=request.GET["khoa"]).first()
    form = RecordClassForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        course = form.cleaned_data["course"]
        try:
            done = record_class(
                course=course,
                persons=form.persons,
                result=form.cleaned_data["result"],
                completed_on=form.cleaned_data["completed_on"],
                user=request.user,
            )
        except ClassRecordError as error:
            form.add_error("codes", error.messages)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _(
                    "Đã ghi kết quả cho %(count)s cán bộ: %(created)s mới, %(updated)s cập nhật, "
                    "%(unchanged)s không đổi."
                )
                % {
                    "count": done.created + done.updated + done.unchanged,
                    "created": done.created,
                    "updated": done.updated,
                    "unchanged": done.unchanged,
                },
            )
            return redirect("training:course_detail", code=course.code)
    return render(request, "training/record_class.html", {"form": form})


@reader_required
def person_search(request):
    """Return the persons of the user's scope matching ``q`` (htmx fragment of the class recorder)."""
    text = request.GET.get("q", "").strip()
    persons = []
    if text:
        persons = list(
            visible_persons(request.user)
            .employed_at(timezone.localdate())
            .search(text)
            .select_related("unit")
            .in_vietnamese_order()[: SEARCH_LIMIT + 1]
        )
        record_list_access(
            user=request.user, action=AccessAction.LIST_PERSONS, request=request, persons=len(persons[:SEARCH_LIMIT])
        )
    context = {"persons": persons[:SEARCH_LIMIT], "more": len(persons) > SEARCH_LIMIT, "q": text}
    return render(request, "training/_person_search.html", context)
