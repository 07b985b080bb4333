"""The programme's final report ("Báo cáo tổng kết"): for each target, the final value against it, met or not,
the gap in people, the trend over the programme's years, for a unit and its child units, in either view, with
the approval status of each figure. Figures are those of the dashboard (``reports.freshness.load_figures``:
stored, and frozen where approved), so the report and the dashboard never disagree.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reports import freshness
from targets import compliance

TITLES = {"HN-2021-2025": gettext_lazy("Báo cáo tổng kết Chương trình 01-CTr/TU giai đoạn 2021–2025")}


def title_of(programme) -> str:
    return str(TITLES.get(programme.code) or _("Báo cáo tổng kết %(programme)s") % {"programme": programme.name})


@dataclass
class TrendPoint:
    year: int
    result: compliance.IndicatorResult | None
    approval: dict | None


@dataclass
class Row:
    result: compliance.IndicatorResult
    trend: list[TrendPoint]


@dataclass
class ChildRow:
    report: compliance.UnitReport
    met: int
    assessed: int
    gap: int
    approval: dict | None


@dataclass
class FinalReport:
    selection: object
    figures: object
    title: str
    rows: list[Row] = field(default_factory=list)
    children: list[ChildRow] = field(default_factory=list)

    @property
    def approval(self) -> dict | None:
        return self.figures.approval

    @property
    def years(self) -> list[int]:
        return sorted(self.figures.trend)

    @property
    def met_count(self) -> int:
        return sum(1 for row in self.rows if row.result.met)


def build(selection) -> FinalReport:
    """Return the final report of the selection's unit (its year is the programme's last year up to today)."""
    programme = selection.programme
    years = [y for y in programme.years if y <= selection.year]
    figures = freshness.load_figures(
        programme, selection.unit, year=selection.year, trend_years=years, view=selection.view
    )
    report = FinalReport(selection=selection, figures=figures, title=title_of(programme))
    approvals = getattr(figures, "approvals", {})
    for result in figures.report.indicators:
        trend = [
            TrendPoint(year, point, approvals.get((year, selection.unit.pk)))
            for year, point in figures.trend_of(result.code)
        ]
        report.rows.append(Row(result=result, trend=trend))
    for child in figures.children:
        assessed = [r for r in child.indicators if r.met is not None]
        report.children.append(
            ChildRow(
                report=child,
                met=sum(1 for r in assessed if r.met),
                assessed=len(assessed),
                gap=sum(r.gap for r in child.indicators),
                approval=approvals.get((selection.year, child.unit.id)),
            )
        )
    return report


def _percent(result) -> str:
    if result is None or result.percent is None:
        return "—"
    return f"{result.percent}%".replace(".", ",")


def _met(result) -> str:
    if result is None or result.met is None:
        return _("Không có đối tượng")
    return _("Đạt") if result.met else _("Chưa đạt")


def _approval_text(approval: dict | None) -> str:
    if not approval:
        return _("Chưa phê duyệt")
    return f"{approval['status_label']} · {approval['by']} · {approval['at']:%d/%m/%Y}"


def workbook(report: FinalReport) -> bytes:
    """Return the final report as an XLSX file (one sheet, headed and signed like the printed page)."""
    import openpyxl
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    selection = report.selection
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = _("Tổng kết")
    bold = Font(bold=True)
    thin = Side(style="thin", color="999999")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    header_fill = PatternFill("solid", fgColor="DDE6F0")
    wrap = Alignment(wrap_text=True, vertical="top")
    years = report.years
    width = 8 + len(years)
    today = timezone.localdate()

    sheet.append([_("UBND THÀNH PHỐ HÀ NỘI")])
    sheet.append([selection.unit.name.upper()])
    sheet.append([])
    sheet.append([report.title])
    sheet["A4"].font = Font(bold=True, size=14)
    sheet.append(
        [
            _("Đơn vị: %(unit)s · Năm cuối kỳ: %(year)s · Số liệu tính đến ngày %(date)s")
            % {"unit": selection.unit.name, "year": selection.year, "date": f"{report.figures.as_of:%d/%m/%Y}"}
        ]
    )
    view = _("quy về đơn vị hiện nay") if selection.view == "today" else _("theo cơ cấu khi đó")
    status = _approval_text(report.approval)
    sheet.append(
        [
            _("Cách xem: %(view)s · Phê duyệt năm %(year)s: %(status)s")
            % {"view": view, "year": selection.year, "status": status}
        ]
    )
    sheet.append([])
    header = [_("Mã"), _("Chỉ tiêu"), _("Mục tiêu (%)"), _("Kết quả cuối kỳ"), _("Đạt/Chưa đạt")]
    header += [_("Còn thiếu (người)"), _("Tử số/Mẫu số"), *(str(y) for y in years), _("Phê duyệt")]
    sheet.append(header)
    for cell in sheet[sheet.max_row]:
        cell.font, cell.fill, cell.border, cell.alignment = bold, header_fill, box, wrap
    for row in report.rows:
        r = row.result
        values = [r.code, r.name, float(r.target), _percent(r), _met(r), r.gap, f"{r.numerator}/{r.denominator}"]
        values += [_percent(p.result) + (" ✔" if p.approval else "") for p in row.trend]
        values.append(_approval_text(row.trend[-1].approval if row.trend else report.approval))
        sheet.append(values)
        for cell in sheet[sheet.max_row]:
            cell.border, cell.alignment = box, wrap
    sheet.append([_("Số chỉ tiêu đạt: %(met)s/%(total)s") % {"met": report.met_count, "total": len(report.rows)}])
    sheet.append([_("✔: số liệu năm đã được phê duyệt (giữ nguyên như lúc phê duyệt).")])
    if report.children:
        sheet.append([])
        sheet.append([_("Các đơn vị trực thuộc, năm %(year)s") % {"year": selection.year}])
        sheet[f"A{sheet.max_row}"].font = bold
        sheet.append([_("Mã"), _("Đơn vị"), _("Số chỉ tiêu đạt"), _("Tổng số còn thiếu (người)"), _("Phê duyệt")])
        for cell in sheet[sheet.max_row]:
            cell.font, cell.fill, cell.border = bold, header_fill, box
        for child in report.children:
            sheet.append([child.report.unit.code, child.report.unit.name, f"{child.met}/{child.assessed}", child.gap,
                          _approval_text(child.approval)])  # fmt: skip
            for cell in sheet[sheet.max_row]:
                cell.border = box
    sheet.append([])
    sheet.append(
        [
            "",
            "",
            "",
            "",
            "",
            _("Hà Nội, ngày %(d)s tháng %(m)s năm %(y)s") % {"d": f"{today:%d}", "m": f"{today:%m}", "y": today.year},
        ]
    )
    sheet.append(["", _("NGƯỜI LẬP BIỂU"), "", "", "", _("THỦ TRƯỞNG ĐƠN VỊ")])
    sheet[f"B{sheet.max_row}"].font = bold
    sheet[f"F{sheet.max_row}"].font = bold
    sheet.append(["", _("(Ký, ghi rõ họ tên)"), "", "", "", _("(Ký tên, đóng dấu)")])
    widths = [8, 60, 11, 14, 14, 12, 14] + [10] * len(years) + [36]
    for index, value in enumerate(widths[:width], start=1):
        sheet.column_dimensions[get_column_letter(index)].width = value
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.oddFooter.center.text = _("Trang &P / &N")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
