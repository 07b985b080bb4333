"""The leaders' pages: the compliance dashboard, the drill-down lists, their exports and the print view.

Every page is read-only and scoped: the unit comes from ``accounts.scoping`` (the user's own unit by
default; a unit outside the user's scope is a 404). Figures come from ``reports.freshness`` (stored
results of ``targets.compliance``); lists from ``targets.compliance.unmet``. Nothing here computes a figure.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from accounts import pickers
from accounts.access import record_access
from accounts.models import AccessAction
from accounts.roles import role_of
from accounts.scoping import can_see_unit, scope_unit
from core.names import localized_name
from core.params import year_param
from core.widgets import mark_chosen
from personnel.models import OrgUnit
from targets import compliance
from targets import years as target_years
from targets.expiry import expiring_in
from targets.models import Programme

from . import charts, exports, freshness, lists

GROUP_LABELS = {
    "BTV": gettext_lazy("Cán bộ diện Ban Thường vụ Thành ủy quản lý"),
    "CC": gettext_lazy("Cán bộ, công chức"),
    "XA": gettext_lazy("Cán bộ, công chức cấp xã"),
    "VC": gettext_lazy("Viên chức"),
    "HĐND": gettext_lazy("Đại biểu Hội đồng nhân dân"),
}
PAGE_SIZE = 50
FRAGMENT_SECONDS = 24 * 3600  # drawn figures are keyed by their stored run, so they never go stale


def reader_required(view):
    """Let in any signed-in user with a role (admin, hr, leader, viewer); the pages change nothing."""

    @wraps(view)
    @login_required
    @require_safe
    def wrapped(request, *args, **kwargs):
        if role_of(request.user) is None:
            raise PermissionDenied(_("Tài khoản chưa được phân quyền."))
        return view(request, *args, **kwargs)

    return wrapped


# ---------------------------------------------------------------------------------------------
# What the user chose: programme, year, unit


@dataclass(frozen=True)
class Selection:
    programme: Programme
    year: int
    unit: OrgUnit
    years: list[int]
    view: str = "today"

    @property
    def other_view(self) -> str:
        """Return the view the page switches to in one click."""
        return "then" if self.view == "today" else "today"

    @property
    def unit_closed(self) -> bool:
        """Return whether the unit is closed today (shown in view ``then`` only)."""
        return self.unit.closed_on is not None and self.unit.closed_on <= timezone.localdate()

    def query(self, **extra) -> str:
        """Return the query string naming this selection (plus ``extra``)."""
        params = {"programme": self.programme.code, "year": self.year, "unit": self.unit.code, "view": self.view}
        params.update({key: value for key, value in extra.items() if value not in (None, "")})
        return urlencode(params)


def default_programme() -> Programme | None:
    """Return the programme of the settings, else the one marked default."""
    return Programme.objects.filter(code=settings.DEFAULT_PROGRAMME).first() or Programme.objects.default()


def select(request) -> Selection:
    """Return the programme, year and unit of the request, checked against the user's scope (404 outside it)."""
    code = request.GET.get("programme")
    programme = Programme.objects.filter(code__iexact=code).first() if code else default_programme()
    if programme is None:
        raise Http404(_("Không có chương trình mục tiêu này."))
    years = freshness.dashboard_years(programme)
    year = year_param(request.GET.get("year")) if request.GET.get("year") else target_years.default_year(programme)
    if year not in years:
        raise Http404(_("Năm không hợp lệ."))
    unit_code = request.GET.get("unit")
    if unit_code:
        unit = OrgUnit.objects.filter(code__iexact=unit_code).first()
        if unit is None or not can_see_unit(request.user, unit):
            raise Http404(_("Không có đơn vị này trong phạm vi được xem."))
    else:
        unit = scope_unit(request.user)
        if unit is None:
            raise PermissionDenied(_("Tài khoản chưa được gán đơn vị."))
    view = request.GET.get("view") or compliance.default_view(unit)
    if view not in compliance.VIEWS:
        raise Http404(_("Cách xem không hợp lệ."))
    if compliance.default_view(unit) == compliance.THEN:
        # A closed unit exists only as it was: view ``then``, in the years it has figures.
        view = compliance.THEN
        years = [y for y in years if compliance.unit_evaluation_date(programme, unit, year=y, view=view)[1]] or years
        if year not in years:
            year = years[-1]
    elif view == compliance.THEN and compliance.unit_evaluation_date(programme, unit, year=year, view=view)[1] is None:
        view = compliance.TODAY  # a unit opened after that year has figures only restated on today's units
    return Selection(programme=programme, year=year, unit=unit, years=years, view=view)


def record_export(request, selection: Selection, name: str, *, action=AccessAction.EXPORT, indicator=None) -> None:
    """Record in the access log that the user exported (or printed) ``name`` of the selection."""
    filters = {"programme": selection.programme.code, "year": selection.year, "unit": selection.unit.code}
    if indicator is not None:
        filters["indicator"] = indicator.code
    record_access(user=request.user, action=action, target=name, request=request, unit=selection.unit, filters=filters)


def heading(selection: Selection, figures) -> exports.Heading:
    """Return what an export says about itself: programme, unit, year, date of the data, time computed."""
    return exports.Heading(
        programme=f"{selection.programme.code} · {localized_name(selection.programme)}",
        unit=selection.unit.name,
        year=selection.year,
        as_of=figures.as_of,
        computed_at=figures.computed_at,
        approved=approval_line(getattr(figures, "approval", None)),
    )


def approval_line(approval: dict | None) -> str:
    """Return the line an export adds when the figures shown are the approved ones (approvals.overlay)."""
    if not approval:
        return ""
    return _("Số liệu đã phê duyệt: %(who)s lúc %(when)s (%(status)s)") % {
        "who": approval["by"],
        "when": approval["at"].strftime("%H:%M %d/%m/%Y"),
        "status": approval["status_label"],
    }


def attachment(content, *, filename: str, content_type: str, streaming: bool = False):
    """Return a download response: ``content`` as it is, or streamed (lines, or an open file read in chunks)."""
    if hasattr(content, "read"):
        response = FileResponse(content, content_type=content_type)
    else:
        response_class = StreamingHttpResponse if streaming else HttpResponse
        response = response_class(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


def file_name(*parts) -> str:
    """Return a download's file name made of safe characters only."""
    return "-".join(re.sub(r"[^A-Za-z0-9_.-]+", "_", str(part)) for part in parts)


# ---------------------------------------------------------------------------------------------
# Dashboard


@dataclass(frozen=True)
class IndicatorRow:
    result: object
    bar: charts.Bar
    percent_text: str
    target_text: str
    trend: charts.Trend | None
    drill_url: str


@dataclass(frozen=True)
class Cell:
    result: object
    band: str
    text: str
    url: str


@dataclass(frozen=True)
class UnitRow:
    report: object
    cells: list[Cell]
    url: str


SORTS = ("code", "name")


def indicator_rows(selection: Selection, figures) -> list[tuple[str, list[IndicatorRow]]]:
    """Return the unit's results grouped as the programme groups its indicators, each with its bar and trend."""
    groups: dict[str, list[IndicatorRow]] = {}
    drill = reverse("reports:drilldown", args=["CODE"])
    for result in figures.report.indicators:
        trend = None
        if result.kind in ("annual", "status") and figures.trend:
            trend = charts.trend(result.code, result.target, figures.trend_of(result.code))
        groups.setdefault(result.group, []).append(
            IndicatorRow(
                result=result,
                bar=charts.bar(result),
                percent_text=charts.percent_text(result.percent),
                target_text=charts.target_text(result),
                trend=trend,
                drill_url=drill.replace("CODE", result.code) + "?" + selection.query(),
            )
        )
    return [(str(GROUP_LABELS.get(group, group)), rows) for group, rows in groups.items()]


def unit_rows(selection: Selection, figures, sort: str) -> list[UnitRow]:
    """Return the child units' rows, sorted by code, name, or the gap of one indicator (largest first)."""
    rows = []
    for report in figures.children:
        url = "?" + urlencode(
            {"programme": selection.programme.code, "year": selection.year, "view": selection.view,
             "unit": report.unit.code}
        )  # fmt: skip
        cells = [Cell(r, charts.band(r), charts.percent_text(r.percent), url) for r in report.indicators]
        rows.append(UnitRow(report=report, cells=cells, url=url))
    if sort == "name":
        rows.sort(key=lambda row: row.report.unit.name)
    elif sort.startswith("gap:"):
        code = sort[4:]

        def gap_first(row: UnitRow) -> tuple[int, str]:
            gap = next((cell.result.gap for cell in row.cells if cell.result.code == code), 0)
            return -gap, row.report.unit.code

        rows.sort(key=gap_first)
    return rows


def unit_options(user, selected: OrgUnit, units_version: str) -> str:
    """Return the <option>s of the units the user may choose, valued by code (``accounts.pickers``), one chosen.

    A city-wide user chooses among hundreds of units: the options are drawn once per scope and version of
    the units, and only the selected one is marked per request.
    """
    return mark_chosen(pickers.unit_options(user, version=units_version, value="code"), [selected.code])


def programme_choices(version: str) -> list[tuple[str, str]]:
    """Return the programmes to choose from (read once per data version)."""
    key = f"reports:programmes:{version}"
    choices = cache.get(key)
    if choices is None:
        choices = list(Programme.objects.order_by("-start_date").values_list("code", "name"))
        cache.set(key, choices, FRAGMENT_SECONDS)
    return choices


def figures_fragment(template: str, selection: Selection, figures, sort: str) -> str:
    """Return the rendered figures (indicators and child units), cached per stored run, unit, sort and language.

    The key names the exact stored runs shown (``figures.token``), so new figures never meet an old
    drawing; drawing hundreds of cells is what costs most on a warm page.
    """
    name = "|".join([template, figures.token, str(selection.unit.pk), sort, get_language() or "", selection.query()])
    key = "reports:fragment:" + hashlib.sha256(name.encode()).hexdigest()
    html = cache.get(key)
    if html is None:
        html = render_to_string(template, dashboard_context(selection, figures, sort))
        cache.set(key, html, FRAGMENT_SECONDS)
    return mark_safe(html)  # rendered by our own template, escaped there


def dashboard_context(selection: Selection, figures, sort: str = "code") -> dict:
    """Return what the figures fragment draws: grouped indicators with bars and trends, and the child units."""
    indicators = figures.report.indicators
    return {
        "selection": selection,
        "report": figures.report,
        "groups": indicator_rows(selection, figures),
        "indicators": indicators,
        "unit_rows": unit_rows(selection, figures, sort),
        # approvals.overlay: the child units whose figures of the year are approved (frozen)
        "approved_units": {unit_id for year, unit_id in getattr(figures, "approvals", {}) if year == selection.year},
        "sort": sort,
        "columns": [
            {
                "result": r,
                "sort_url": "?" + selection.query(sort=f"gap:{r.code}") + "#don-vi-truc-thuoc",
                "sorted": sort == f"gap:{r.code}",
            }
            for r in indicators
        ],
        "sort_code_url": "?" + selection.query(sort="code") + "#don-vi-truc-thuoc",
        "sort_name_url": "?" + selection.query(sort="name") + "#don-vi-truc-thuoc",
    }


def page_context(selection: Selection, figures) -> dict:
    """Return what the page around the figures shows: selection, freshness, links."""
    return {
        "selection": selection,
        "figures": figures,
        "query": selection.query(),
        "computed_at": timezone.localtime(figures.computed_at),
        "title": exports.REPORT_TITLE,
        "today": timezone.localdate(),
    }


def chosen_sort(asked: str | None, figures) -> str:
    """Return the order asked for the child units when it is one the page offers, else "code".

    Only offered orders reach the drawn fragment's cache key: code, name, or the gap of one of the programme's
    indicators (a forged ``sort=`` would otherwise fill the cache with copies of the page).
    """
    if asked in SORTS:
        return asked
    if asked and asked.startswith("gap:") and any(asked == f"gap:{i.code}" for i in figures.indicators):
        return asked
    return "code"


@reader_required
def dashboard(request):
    """Show where the programme's targets stand for a unit and a year, and how its child units compare."""
    selection = select(request)
    figures = freshness.load_figures(
        selection.programme,
        selection.unit,
        year=selection.year,
        trend_years=freshness.trend_years(selection.programme),
        view=selection.view,
    )
    sort = chosen_sort(request.GET.get("sort"), figures)
    context = page_context(selection, figures)
    context["fragment"] = figures_fragment("reports/_figures.html", selection, figures, sort)
    context["unit_options"] = unit_options(request.user, selection.unit, figures.units_version)
    context["programmes"] = programme_choices(figures.version)
    context["switch_query"] = urlencode(
        {"programme": selection.programme.code, "year": selection.year, "unit": selection.unit.code,
         "view": selection.other_view}
    )  # fmt: skip
    return render(request, "reports/dashboard.html", context)


@reader_required
def print_view(request):
    """Show the dashboard as an A4 report that prints cleanly (to paper or PDF from the browser)."""
    selection = select(request)
    figures = freshness.load_figures(
        selection.programme,
        selection.unit,
        year=selection.year,
        trend_years=freshness.trend_years(selection.programme),
        view=selection.view,
    )
    context = page_context(selection, figures)
    context["fragment"] = figures_fragment("reports/_print_figures.html", selection, figures, "code")
    record_export(
        request,
        selection,
        file_name("bao-cao-chi-tieu", selection.unit.code, selection.year),
        action=AccessAction.PRINT,
    )
    return render(request, "reports/print.html", context)


@reader_required
def export_xlsx(request):
    """Download the dashboard as XLSX: summary, units × indicators, and who does not meet each indicator (written
    to a temporary file row by row, then streamed: the city's lists are long)."""
    selection = select(request)
    figures = freshness.load_figures(selection.programme, selection.unit, year=selection.year, view=selection.view)
    unmet_lists = {
        indicator.code: lists.iter_unmet(
            selection.programme, indicator, selection.unit, year=selection.year, view=selection.view
        )
        for indicator in figures.indicators
    }
    content = exports.dashboard_workbook(figures, heading(selection, figures), unmet_lists)
    name = file_name("bao-cao-chi-tieu", selection.unit.code, selection.year) + ".xlsx"
    record_export(request, selection, name)
    return attachment(content, filename=name, content_type=exports.XLSX_TYPE)


@reader_required
def export_csv(request):
    """Download the dashboard's figures as CSV: one row per unit (the unit and its children) and indicator."""
    selection = select(request)
    figures = freshness.load_figures(selection.programme, selection.unit, year=selection.year, view=selection.view)
    content = "".join(exports.csv_lines(exports.dashboard_csv_rows(figures)))
    name = file_name("bao-cao-chi-tieu", selection.unit.code, selection.year) + ".csv"
    record_export(request, selection, name)
    return attachment(content, filename=name, content_type=exports.CSV_TYPE)


# ---------------------------------------------------------------------------------------------
# Drill-down


def indicator_of(selection: Selection, code: str):
    for indicator in freshness.programme_indicators(selection.programme):
        if indicator.code == code:
            return indicator
    raise Http404(_("Không có chỉ tiêu này."))


@reader_required
def drilldown(request, code: str):
    """List who, in the unit's subtree, does not meet one indicator, and what each is missing."""
    selection = select(request)
    indicator = indicator_of(selection, code)
    figures = freshness.load_figures(selection.programme, selection.unit, year=selection.year, view=selection.view)
    result = figures.report.by_code().get(indicator.code)
    paginator = Paginator(
        lists.unmet_queryset(selection.programme, indicator, selection.unit, year=selection.year, view=selection.view),
        PAGE_SIZE,
    )
    page = paginator.get_page(request.GET.get("page"))
    rows = lists.with_missing(
        selection.programme, indicator, page.object_list, year=selection.year, as_of=figures.as_of
    )
    return render(
        request,
        "reports/drilldown.html",
        {
            "selection": selection,
            "indicator": indicator,
            "result": result,
            "bar": charts.bar(result) if result else None,
            "figures": figures,
            "computed_at": timezone.localtime(figures.computed_at),
            "page": page,
            "rows": rows,
            "first_number": page.start_index(),
            "by_appointment": lists.by_appointment(indicator),
            "query": selection.query(),
            "dashboard_url": reverse("reports:dashboard") + "?" + selection.query(),
            "expiring": expiring_in(
                selection.programme, indicator, selection.unit, year=selection.year, view=selection.view
            ),
        },
    )


@reader_required
def drilldown_xlsx(request, code: str):
    """Download who does not meet one indicator as XLSX (written to a temporary file, then streamed)."""
    selection = select(request)
    indicator = indicator_of(selection, code)
    figures = freshness.load_figures(selection.programme, selection.unit, year=selection.year, view=selection.view)
    rows = lists.iter_unmet(selection.programme, indicator, selection.unit, year=selection.year, view=selection.view)
    content = exports.list_workbook(indicator, heading(selection, figures), rows)
    name = file_name("chua-dat", indicator.code, selection.unit.code, selection.year) + ".xlsx"
    record_export(request, selection, name, indicator=indicator)
    return attachment(content, filename=name, content_type=exports.XLSX_TYPE)


@reader_required
def drilldown_csv(request, code: str):
    """Download who does not meet one indicator as CSV (streamed: a city-wide list is long)."""
    selection = select(request)
    indicator = indicator_of(selection, code)
    rows = lists.iter_unmet(selection.programme, indicator, selection.unit, year=selection.year, view=selection.view)
    name = file_name("chua-dat", indicator.code, selection.unit.code, selection.year) + ".csv"
    record_export(request, selection, name, indicator=indicator)
    lines = exports.csv_lines(exports.list_csv_rows(indicator, rows))
    return attachment(lines, filename=name, content_type=exports.CSV_TYPE, streaming=True)
