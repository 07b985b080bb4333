"""The HR office's screens: the personnel list, a person's page, and the forms that keep it current.

Every screen reads through ``accounts.scoping`` (another unit's person is a 404) and runs a fixed number
of queries whatever the data size: lists are paginated with a LIMIT and a capped count, and figures
come from the compliance engine for the rows on the page only.
"""

import datetime
import math
from collections import defaultdict
from dataclasses import dataclass, field, replace
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Subquery
from django.db.models.expressions import RawSQL
from django.http import HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters

from accounts.access import record_access, record_list_access
from accounts.models import AccessAction
from accounts.privacy import sees_full_citizen_id, shown_citizen_id
from accounts.roles import can_write, role_of
from accounts.scoping import scope_unit, visible_persons
from core.concurrency import StaleEdit, delete_versioned, parse_version, save_versioned
from core.names import localized_names
from core.params import page_param, year_param
from hr.filters import PersonFilter
from hr.forms import AppointmentForm, PersonForm, QualificationForm, TrainingRecordForm, TransferForm
from hr.person_rows import HISTORY_LIMIT, PersonRows, read_person_rows
from hr.rows import person_rows_html
from personnel.choices import QualificationKind
from personnel.models import Appointment, OrgUnit, Person, Qualification
from personnel.qualifications import DECLARED_FIELD, level_label
from personnel.search import is_common
from personnel.services import save_person, transfer_person
from targets import years as target_years
from targets.compliance import evaluation_date, person_appointments, person_status, unmet_counts_by_person
from targets.expiry import expiring, expiring_from_records
from targets.models import Indicator, Programme
from training.choices import TrainingResult
from training.job_positions import still_required
from training.levels import levels_from_rows
from training.models import Course, TrainingRecord

PAGE_SIZE = 50
# Counting stops here: "more than 10,000" is all a reader needs, and a capped count stays fast at any size.
COUNT_CAP = 10_000
# The personnel list counts up to 1,000 only: a common name ("nguyen") matches a fifth of the city, and its page of
# 50 is read in a few milliseconds, which a count of 10,000 matches would multiply.
PERSON_COUNT_CAP = 1_000

# ---------------------------------------------------------------------------------------------
# Access


def reader_required(view):
    """Let in a logged-in user with a role; others get 403."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if role_of(request.user) is None:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def writer_required(view):
    """Let in a logged-in user who may change records (admin or HR); leaders and viewers get 403."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not can_write(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def default_programme() -> Programme | None:
    """Return the programme screens evaluate by default, its indicators read with it (one query)."""
    return programme_and_units_version(units_version=False)[0]


def programme_and_units_version(*, units_version: bool = True) -> tuple[Programme | None, str | None]:
    """Return the default programme with its indicators, and the version of the units (``OrgUnitQuerySet.version``).

    One query: the indicators with their programme (and the units' version beside them). ``compliance.load``
    then finds the indicators on the programme; a programme without indicators takes two queries more.
    """
    default = Programme.objects.order_by("-is_default", "-start_date").values("pk")[:1]
    indicators = (
        Indicator.objects.filter(programme_id=Subquery(default)).select_related("programme").order_by("order", "code")
    )
    if units_version:
        indicators = indicators.annotate(units_version=RawSQL(OrgUnit.objects.version_sql(), []))
    rows = list(indicators)
    if not rows:
        return Programme.objects.default(), OrgUnit.objects.version() if units_version else None
    programme = rows[0].programme
    for indicator in rows:
        indicator.programme = programme
    programme._cached_indicators = rows
    return programme, getattr(rows[0], "units_version", None)


def partial_or_page(request, partial: str, page: str, context: dict) -> HttpResponse:
    """Render only ``partial`` for an htmx request (not a history restore), else the whole page."""
    htmx = getattr(request, "htmx", None)
    template = partial if htmx and not htmx.history_restore_request else page
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


# ---------------------------------------------------------------------------------------------
# Pagination with a LIMIT and a capped count


@dataclass
class Page:
    """One page of rows, with the links to draw the page navigation."""

    rows: list
    number: int
    per_page: int
    total: int
    total_capped: bool
    has_next: bool
    prev_url: str = ""
    next_url: str = ""
    links: list = field(default_factory=list)  # (page number, url), or (None, "") for a gap

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def num_pages(self) -> int | None:
        return None if self.total_capped else max(1, math.ceil(self.total / self.per_page))

    @property
    def first_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.rows else 0

    @property
    def last_index(self) -> int:
        return (self.number - 1) * self.per_page + len(self.rows)


def page_of(queryset, number, *, params=None, per_page: int = PAGE_SIZE, cap: int = COUNT_CAP) -> Page:
    """Return a page of ``queryset`` in one query, whatever its size.

    The page's rows are read with an OFFSET and a LIMIT, and with them, in the same statement, how many rows
    match, counted up to ``cap`` + 1 only: the count never reads all the matches of a common search for a page
    of 50 ("more than 1,000"). A page past the last one (when the count is exact) costs two queries more: the
    count, and the last page. ``params`` (the request's GET) keeps the other query parameters in the page links.
    """
    number = page_param(number)
    counted = queryset.order_by().values("pk")[: cap + 1]
    sql, sql_params = counted.query.sql_with_params()
    total_sql = RawSQL(f"SELECT COUNT(*) FROM ({sql}) AS counted", sql_params)  # noqa: S608 (the list's own compiled SQL; its parameters bound)
    offset = (number - 1) * per_page
    rows = list(queryset.annotate(capped_count=total_sql)[offset : offset + per_page + 1])
    found = rows[0].capped_count if rows else counted.count()
    capped = found > cap
    total = min(found, cap)
    if not rows and not capped and number > 1 and total:
        number = max(1, math.ceil(total / per_page))  # past the last page: show the last one
        offset = (number - 1) * per_page
        rows = list(queryset[offset : offset + per_page + 1])
    has_next = len(rows) > per_page
    rows = rows[:per_page]
    page = Page(rows, number, per_page, total, capped, has_next=has_next)

    params = params.copy() if params is not None else QueryDict(mutable=True)
    params.pop("page", None)

    def url(n: int) -> str:
        params["page"] = str(n)
        return f"?{params.urlencode()}"

    last = page.num_pages or number + (1 if page.has_next else 0)
    previous_shown = 0
    for n in sorted({1, last, *range(max(1, number - 2), min(last, number + 2) + 1)}):
        if n > previous_shown + 1:
            page.links.append((None, ""))
        page.links.append((n, url(n)))
        previous_shown = n
    page.prev_url = url(number - 1) if page.has_previous else ""
    page.next_url = url(number + 1) if page.has_next else ""
    return page


# ---------------------------------------------------------------------------------------------
# The personnel list


@reader_required
def person_list(request):
    """List the persons in the user's scope, filtered, in Vietnamese name order, one page at a time."""
    programme, units_version = programme_and_units_version()
    scope = scope_unit(request.user)
    # A common search walks the sort-key index; a rare one is found first, then sorted (personnel.search).
    walk_index = is_common(request.GET.get("q", ""))
    queryset = visible_persons(request.user).select_related("unit").in_vietnamese_order(walk_index=walk_index)
    person_filter = PersonFilter(
        request.GET, queryset, request=request, programme=programme, scope=scope, units_version=units_version
    )
    year = person_filter.chosen_year
    page = page_of(person_filter.qs, request.GET.get("page"), params=request.GET, cap=PERSON_COUNT_CAP)
    counts = unmet_counts_by_person(programme, [p.pk for p in page.rows], year=year) if programme else {}
    # A list of persons is personal data: who asked, with which filters, how many were shown (one INSERT).
    record_list_access(user=request.user, action=AccessAction.LIST_PERSONS, request=request, persons=len(page.rows))
    full_citizen_id = sees_full_citizen_id(request.user)
    for person in page.rows:
        person.unmet_count = counts.get(person.pk, 0)
        person.shown_citizen_id = shown_citizen_id(person.citizen_id, full=full_citizen_id)
    context = {
        "filter": person_filter,
        "active_filters": sum(
            1 for name in person_filter.filters if name not in ("q", "year") and request.GET.get(name)
        ),
        "page": page,
        "rows_html": person_rows_html(page.rows),
        "year": year,
        "programme": programme,
        "can_write": can_write(request.user),
    }
    return partial_or_page(request, "personnel/_person_results.html", "personnel/person_list.html", context)


# ---------------------------------------------------------------------------------------------
# A person's page


def _visible_person(request, code: str) -> Person:
    """Return the person with ``code`` if the user may see them, else raise 404."""
    # Codes compare without regard to case (core.codes); another unit's person is a 404 like an unknown code.
    return get_object_or_404(visible_persons(request.user).select_related("unit"), code__iexact=code)


def chosen_year(request, programme: Programme | None) -> tuple[int, list[int]]:
    """Return the year asked for in ``?year=`` (default: targets.years.default_year) and the years one may pick."""
    year = target_years.chosen_year(year_param(request.GET.get("year")), programme)
    return year, target_years.selectable_years(programme)


def indicator_panel_context(
    programme: Programme | None,
    person: Person,
    year: int,
    years: list[int],
    *,
    has_appointments: bool = True,
    rows: PersonRows | None = None,
    appointments: list | None = None,
) -> dict:
    """Return what the indicator panel shows: each indicator that applies to the person, met or not, and why.

    ``has_appointments=False``: the person has no appointment (already read), so none is looked for. ``rows``
    (the person's rows already read, ``hr.person_rows``) and ``appointments`` (``person_appointments`` for
    ``year``) spare the engine's reads of levels, course-type names, appointments and expiring courses.
    """
    at = evaluation_date(programme, year=year)[1] if programme else None
    extra = {}
    if rows is not None and programme:
        extra = {
            "levels": levels_from_rows(person, rows.qualifications, rows.records, at),
            "type_names": localized_names(rows.type_names),
            "appointments": appointments,
        }
    statuses = (
        person_status(programme, person, year=year, has_appointments=has_appointments, **extra) if programme else []
    )
    # The engine read the indicators on the programme (``_cached_indicators``): their names cost no query.
    indicators = getattr(programme, "_cached_indicators", None) or []
    names = localized_names((i.code, i.name, i.name_en) for i in indicators)
    applicable = [replace(status, name=names.get(status.code, status.name)) for status in statuses if status.applies]
    # Recurring indicators met with a course that expires soon: "sắp hết hạn" (one query each, none from rows).
    met_codes = {status.code for status in applicable if status.met}
    warned = [i for i in indicators if i.code in met_codes and i.kind == "recurring" and i.warning_days]
    expiring_on = {}
    for indicator in warned:
        if rows is not None:
            found = expiring_from_records(indicator, person.pk, rows.records, at)
        else:
            found = expiring(indicator, [person.pk], at)
        if person.pk in found:
            expiring_on[indicator.code] = found[person.pk]
    applicable = [replace(status, expires_on=expiring_on.get(status.code)) for status in applicable]
    return {
        "person": person,
        "programme": programme,
        "year": year,
        "years": list(reversed(years)),
        "statuses": applicable,
        "unmet_total": sum(1 for status in applicable if not status.met),
    }


@dataclass
class LevelSummary:
    """One qualification kind of a person: declared level, dated documents, levels from courses, level today."""

    kind: str
    label: str
    declared: int
    declared_label: str
    documents: list
    granted: list
    current_label: str


def qualification_summary(
    person: Person, qualifications, records, today: datetime.date, *, current: dict | None = None
) -> list[LevelSummary]:
    """Return the person's qualifications per kind, with the course that granted each course-given level.

    ``current``: the person's levels today, if already worked out (``levels_from_rows``)."""
    if current is None:
        current = levels_from_rows(person, qualifications, records, today)
    summary = []
    for kind, name in DECLARED_FIELD.items():
        declared = getattr(person, name)
        summary.append(
            LevelSummary(
                kind=kind,
                label=QualificationKind(kind).label,
                declared=declared,
                declared_label=level_label(kind, declared),
                documents=[q for q in qualifications if q.kind == kind],
                granted=[r for r in records if r.course.grants_kind == kind and r.result == TrainingResult.COMPLETED],
                current_label=level_label(kind, current.get(kind, declared)),
            )
        )
    return summary


@reader_required
def person_detail(request, code):
    """Show a person's profile, qualifications, training, appointments, history and indicator panel.

    Eight queries at most whatever the data size: session, user, person, the access log's INSERT, the programme
    with its indicators, the person's own rows and history (``hr.person_rows``, one UNION ALL), the engine's
    figures for the person, and (for a person with appointments) the appointments with the engine's figures.
    """
    person = _visible_person(request, code)
    record_access(user=request.user, action=AccessAction.VIEW_PERSON, target=person, request=request)
    programme = default_programme()
    year, years = chosen_year(request, programme)
    today = timezone.localdate()
    rows = read_person_rows(person)
    # The engine's figures for each appointment are read with the appointments, when there are any.
    appointments = rows.appointments
    if programme:
        appointments = person_appointments(programme, person, year=year, read=appointments)
    full_citizen_id = sees_full_citizen_id(request.user)
    levels_today = levels_from_rows(person, rows.qualifications, rows.records, today)
    context = {
        "person": person,
        "citizen_id": shown_citizen_id(person.citizen_id, full=full_citizen_id),
        "employed": person.is_employed_at(today),
        "age": person.age_at(today),
        "levels": qualification_summary(person, rows.qualifications, rows.records, today, current=levels_today),
        "qualifications": rows.qualifications,
        "records": rows.records,
        "appointments": appointments[::-1],  # newest first
        "assignments": rows.assignments,
        "job": still_required(
            person,
            today,
            rows.assignments,
            requirements=rows.requirements,
            records=rows.records,
            levels=levels_today,
        ),
        "history": change_history(full_citizen_id, rows.history, rows.names),
        "can_write": can_write(request.user),
        **indicator_panel_context(programme, person, year, years, rows=rows, appointments=appointments),
    }
    return render(request, "personnel/person_detail.html", context)


@writer_required
def person_transfer(request, code):
    """Record a transfer (chuyển công tác) of a person of the user's scope to a unit of that scope."""
    person = _visible_person(request, code)
    initial = {name: request.GET[name] for name in ("on", "unit") if request.GET.get(name)}
    form = TransferForm(request.POST or None, user=request.user, initial=initial)
    # Changing the date redraws the unit list with the units open on that date, the chosen one kept (htmx).
    form.fields["on"].widget.attrs.update(
        {
            "hx-get": request.path,
            "hx-trigger": "change",
            "hx-include": "#id_unit",
            "hx-target": "#field-unit",
            "hx-select": "#field-unit",
            "hx-swap": "outerHTML",
        }
    )
    if request.method == "POST" and form.is_valid():
        try:
            transfer_person(person=person, **form.changes())
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(
                request,
                _("Đã ghi chuyển công tác của %(name)s sang %(unit)s.")
                % {"name": person.full_name, "unit": form.cleaned_data["unit"].name},
            )
            return redirect(f"{reverse('personnel:person_detail', args=[person.code])}#qua-trinh")
    back_url = f"{reverse('personnel:person_detail', args=[person.code])}#qua-trinh"
    return render(request, "personnel/transfer_form.html", {"form": form, "person": person, "back_url": back_url})


@reader_required
def person_indicators(request, code):
    """Return the indicator panel for another year (htmx), or the person's page at that year."""
    person = _visible_person(request, code)
    programme = default_programme()
    year, years = chosen_year(request, programme)
    if not getattr(request, "htmx", None):
        return redirect(f"{reverse('personnel:person_detail', args=[person.code])}?year={year}#chi-tieu")
    record_access(user=request.user, action=AccessAction.VIEW_INDICATORS, target=person, request=request)
    response = render(
        request, "personnel/_indicator_panel.html", indicator_panel_context(programme, person, year, years)
    )
    patch_vary_headers(response, ["HX-Request"])
    return response


# ---------------------------------------------------------------------------------------------
# Change history: who changed what, when (django-simple-history)

ACTIONS = {"+": gettext_lazy("Thêm"), "~": gettext_lazy("Sửa"), "-": gettext_lazy("Xóa")}


@dataclass
class HistoryEntry:
    when: datetime.datetime
    who: str
    action: str
    subject: str
    reason: str
    changes: list[tuple[str, str, str]]


def _display(model, name: str, value, record, names: dict, *, full_citizen_id: bool) -> str:
    """Return a history value as the reader knows it (labels, dd/mm/yyyy, names instead of ids).

    A citizen ID is shown as the profile shows it (``accounts.privacy``): masked unless ``full_citizen_id``.
    """
    if value is None or value == "":
        return "—"
    if model is Person and name == "citizen_id":
        return shown_citizen_id(value, full=full_citizen_id)
    model_field = model._meta.get_field(name)
    if model is Person and name in DECLARED_FIELD.values():
        kind = next(k for k, f in DECLARED_FIELD.items() if f == name)
        return level_label(kind, value)
    if model is Qualification and name == "level":
        return level_label(record.kind, value)
    if model_field.is_relation:
        return names.get((model_field.related_model, value), f"#{value}")
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("Có") if value else _("Không")
    if isinstance(value, datetime.date):
        return date_format(value, "SHORT_DATE_FORMAT")
    return str(value)


def _subject(model, record, names: dict) -> str:
    if model is Person:
        return _("Hồ sơ cán bộ")
    if model is Qualification:
        return _("Văn bằng: %(kind)s %(level)s") % {
            "kind": record.get_kind_display(),
            "level": level_label(record.kind, record.level),
        }
    if model is Appointment:
        return _("%(kind)s: %(title)s (%(date)s)") % {
            "kind": record.get_kind_display(),
            "title": record.title,
            "date": date_format(record.appointed_on, "SHORT_DATE_FORMAT"),
        }
    return _("Khóa học: %(course)s") % {"course": names.get((Course, record.course_id), f"#{record.course_id}")}


def change_history(full_citizen_id: bool, loaded: list, names: dict) -> list[HistoryEntry]:
    """Return the latest changes to a person and to their qualifications, appointments and training records.

    Citizen IDs in the changes are masked unless ``full_citizen_id`` (the reader's role, ``accounts.privacy``).
    ``loaded`` and ``names``: the history tables' latest rows and the names of the units and courses they refer
    to, read with the person's rows (``hr.person_rows``); no query. Diffs are computed in memory between
    consecutive versions.
    """
    entries = []
    for model, records in loaded:
        versions = defaultdict(list)
        for record in reversed(records):  # oldest first
            versions[record.id].append(record)
        for chain in versions.values():
            previous = None
            for record in chain:
                changes = []
                if record.history_type == "~" and previous is not None:
                    delta = record.diff_against(previous, excluded_fields=["updated_at", "version"])
                    changes = [
                        (
                            str(model._meta.get_field(change.field).verbose_name).capitalize(),
                            _display(model, change.field, change.old, previous, names, full_citizen_id=full_citizen_id),
                            _display(model, change.field, change.new, record, names, full_citizen_id=full_citizen_id),
                        )
                        for change in delta.changes
                    ]
                    if not changes:  # saved without a change worth showing
                        previous = record
                        continue
                user = record.history_user
                entries.append(
                    HistoryEntry(
                        when=record.history_date,
                        who=user.display_name() if user else _("Hệ thống (nhập dữ liệu)"),
                        action=str(ACTIONS.get(record.history_type, record.history_type)),
                        subject=_subject(model, record, names),
                        reason=record.history_change_reason or "",
                        changes=changes,
                    )
                )
                previous = record
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return entries[:HISTORY_LIMIT]


# ---------------------------------------------------------------------------------------------
# Persons: create and edit


@sensitive_post_parameters("citizen_id")  # an error report never shows the citizen ID typed in
@writer_required
def person_create(request):
    """Add a person to a unit of the user's scope."""
    form = PersonForm(request.POST or None, user=request.user, initial={"unit": request.user.unit_id})
    if request.method == "POST" and form.is_valid():
        person = save_person(person=form.save(commit=False))
        messages.success(request, _("Đã thêm cán bộ %(name)s.") % {"name": person.full_name})
        return redirect("personnel:person_detail", code=person.code)
    return render(request, "personnel/person_form.html", {"form": form, "person": None})


@sensitive_post_parameters("citizen_id")
@writer_required
def person_edit(request, code):
    """Edit a person of the user's scope; the unit may only move inside the scope."""
    person = _visible_person(request, code)
    record_access(user=request.user, action=AccessAction.EDIT_PERSON, target=person, request=request)
    shown = {"code": person.code, "full_name": person.full_name}
    form = PersonForm(request.POST or None, instance=person, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            person = save_person(person=form.save(commit=False), version=form.edited_version)
        except StaleEdit as error:
            form.refuse_stale(error)
            return render(request, "personnel/person_form.html", {"form": form, "person": shown}, status=409)
        messages.success(request, _("Đã lưu hồ sơ của %(name)s.") % {"name": person.full_name})
        return redirect("personnel:person_detail", code=person.code)
    return render(request, "personnel/person_form.html", {"form": form, "person": shown})


# ---------------------------------------------------------------------------------------------
# A person's qualifications, appointments and training records


@dataclass(frozen=True)
class ChildKind:
    model: type
    form_class: type
    noun: str  # lower-case, for titles and messages
    anchor: str  # section of the person's page to go back to


CHILDREN = {
    "qualification": ChildKind(Qualification, QualificationForm, gettext_lazy("văn bằng, chứng chỉ"), "van-bang"),
    "appointment": ChildKind(Appointment, AppointmentForm, gettext_lazy("bổ nhiệm"), "bo-nhiem"),
    "training_record": ChildKind(TrainingRecord, TrainingRecordForm, gettext_lazy("kết quả đào tạo"), "dao-tao"),
}


def _back_to(person: Person, kind: ChildKind) -> str:
    return f"{reverse('personnel:person_detail', args=[person.code])}#{kind.anchor}"


def _edit_child(request, code: str, kind_name: str, pk: int | None = None):
    kind = CHILDREN[kind_name]
    person = _visible_person(request, code)
    instance = get_object_or_404(kind.model, pk=pk, person=person) if pk is not None else None
    form = kind.form_class(request.POST or None, instance=instance, person=person)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            save_versioned(instance=form.instance, version=form.edited_version, save=form.save)
        except StaleEdit as error:
            form.refuse_stale(error)
            status = 409
        else:
            text = _("Đã lưu %(what)s.") if instance else _("Đã thêm %(what)s.")
            messages.success(request, text % {"what": kind.noun})
            return redirect(_back_to(person, kind))
    context = {
        "form": form,
        "person": person,
        "noun": kind.noun,
        "editing": instance is not None,
        "back_url": _back_to(person, kind),
    }
    return render(request, "personnel/child_form.html", context, status=status)


def _delete_child(request, code: str, kind_name: str, pk: int):
    kind = CHILDREN[kind_name]
    person = _visible_person(request, code)
    instance = get_object_or_404(kind.model, pk=pk, person=person)
    context = {"person": person, "object": instance, "noun": kind.noun, "back_url": _back_to(person, kind)}
    if request.method == "POST":
        # core.concurrency: the confirmation carries the version it showed; a record changed since is not deleted.
        try:
            with transaction.atomic():
                delete_versioned(instance=instance, version=parse_version(request.POST.get("version")))
        except StaleEdit as error:
            context["stale"] = error.message
            return render(request, "personnel/child_confirm_delete.html", context, status=409)
        except ValidationError as error:  # approvals.locks: a record of an approved year
            messages.error(request, " ".join(error.messages))
            return redirect(_back_to(person, kind))
        messages.success(request, _("Đã xóa %(what)s.") % {"what": kind.noun})
        return redirect(_back_to(person, kind))
    return render(request, "personnel/child_confirm_delete.html", context)


@writer_required
def qualification_add(request, code):
    """Add a dated qualification to a person."""
    return _edit_child(request, code, "qualification")


@writer_required
def qualification_edit(request, code, pk):
    """Edit a person's dated qualification."""
    return _edit_child(request, code, "qualification", pk)


@writer_required
def qualification_delete(request, code, pk):
    """Delete a person's dated qualification after confirmation."""
    return _delete_child(request, code, "qualification", pk)


@writer_required
def appointment_add(request, code):
    """Record an appointment; warn first when the training it requires is missing."""
    return _edit_child(request, code, "appointment")


@writer_required
def appointment_edit(request, code, pk):
    """Edit an appointment; warn first when the training it requires is missing."""
    return _edit_child(request, code, "appointment", pk)


@writer_required
def appointment_delete(request, code, pk):
    """Delete an appointment after confirmation."""
    return _delete_child(request, code, "appointment", pk)


@writer_required
def training_record_add(request, code):
    """Record a person's result in a course."""
    return _edit_child(request, code, "training_record")


@writer_required
def training_record_edit(request, code, pk):
    """Edit a person's result in a course."""
    return _edit_child(request, code, "training_record", pk)


@writer_required
def training_record_delete(request, code, pk):
    """Delete a person's result in a course after confirmation."""
    return _delete_child(request, code, "training_record", pk)
