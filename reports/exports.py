"""Spreadsheet exports of the dashboard and of the drill-down lists (XLSX and CSV).

Every cell of every export goes through ``safe_cell``: a text that a spreadsheet would read as a formula
(starting with =, +, -, @, tab or carriage return) gets a leading apostrophe, so a person named
"=HYPERLINK(…)" stays a name. django-import-export's own escaping handles only "=".
"""

from __future__ import annotations

import csv
import datetime
import functools
import io
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

import xlsxwriter
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from core.names import english, localized_name
from personnel.models import Appointment, Person
from targets.models import indicator_name

from . import charts
from .lists import UnmetRow

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
REPORT_TITLE = gettext_lazy("BÁO CÁO KẾT QUẢ THỰC HIỆN CHỈ TIÊU ĐÀO TẠO, BỒI DƯỠNG")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"


# Look-alikes a spreadsheet may also read as a formula's start: the minus sign (NFKC keeps it apart from "-").
FORMULA_LOOKALIKES = ("\u2212",)


def starts_like_formula(text: str) -> bool:
    """Return whether a spreadsheet could read ``text`` as a formula.

    Its first visible character, once folded (NFKC: full-width "＝", small "﹦" become "="), is = + - or @; or it
    starts with a tab or a carriage return. Leading spaces and invisible format characters do not hide it.
    """
    verdict = _first_character_verdict(text[:1])
    if verdict is not None:
        return verdict
    visible = text.lstrip()
    while visible and unicodedata.category(visible[0]) in ("Cf", "Cc", "Zs"):
        visible = visible[1:]
    if not visible:
        return False
    first = unicodedata.normalize("NFKC", visible[0])
    return first.startswith(FORMULA_PREFIXES) or visible[0] in FORMULA_LOOKALIKES


@functools.lru_cache(maxsize=4096)
def _first_character_verdict(first: str) -> bool | None:
    """Return whether a text starting with ``first`` starts like a formula, or None when the characters after it
    decide (a space or an invisible character first). Kept per character: an export asks for a million cells."""
    if not first:
        return False
    if first.startswith(FORMULA_PREFIXES):
        return True
    if first.isspace() or unicodedata.category(first) in ("Cf", "Cc", "Zs"):
        return None
    return unicodedata.normalize("NFKC", first).startswith(FORMULA_PREFIXES) or first in FORMULA_LOOKALIKES


def safe_cell(value):
    """Return a cell value no spreadsheet reads as a formula (``starts_like_formula``): such a text gets a "'"."""
    if isinstance(value, Promise):
        value = str(value)
    if isinstance(value, str) and starts_like_formula(value):
        return "'" + value
    return value


# ---------------------------------------------------------------------------------------------
# What an export says about itself


@dataclass(frozen=True)
class Heading:
    """The lines above every sheet: what the figures are, of which unit and year, as of when."""

    programme: str
    unit: str
    year: int
    as_of: datetime.date
    computed_at: datetime.datetime
    approved: str = ""  # approvals: "Số liệu đã phê duyệt: …" when the year's figures are frozen

    def lines(self, title=None) -> list[str]:
        computed = timezone.localtime(self.computed_at)
        lines = [
            str(title or REPORT_TITLE),
            _("Chương trình: %(programme)s") % {"programme": self.programme},
            _("Đơn vị: %(unit)s · Năm: %(year)s · Số liệu tính đến ngày %(as_of)s")
            % {"unit": self.unit, "year": self.year, "as_of": date_format(self.as_of, "d/m/Y")},
            _("Số liệu tính lúc %(time)s · Xuất lúc %(now)s")
            % {
                "time": date_format(computed, "H:i d/m/Y"),
                "now": date_format(timezone.localtime(), "H:i d/m/Y"),
            },
        ]
        return [*lines, self.approved] if self.approved else lines


def met_label(met: bool | None) -> str:
    """Return "Đạt", "Chưa đạt", or "Không có đối tượng"."""
    if met is None:
        return _("Không có đối tượng")
    return _("Đạt") if met else _("Chưa đạt")


def _number(value):
    return None if value is None else float(value) if isinstance(value, Decimal) else value


def summary_headers() -> list[str]:
    return [
        _("Nhóm"),
        _("Mã chỉ tiêu"),
        _("Tên chỉ tiêu"),
        _("Chỉ tiêu (%)"),
        _("Số đạt"),
        _("Tổng số đối tượng"),
        _("Tỷ lệ (%)"),
        _("Đánh giá"),
        _("Còn thiếu (người)"),
    ]


def summary_row(result) -> list:
    return [
        result.group,
        result.code,
        indicator_name(result),
        _number(result.target),
        result.numerator,
        result.denominator,
        _number(result.percent),
        met_label(result.met),
        result.gap,
    ]


def units_headers(indicators) -> list[str]:
    headers = [_("Mã đơn vị"), _("Tên đơn vị")]
    for indicator in indicators:
        headers += [
            _("%(code)s tỷ lệ (%%)") % {"code": indicator.code},
            _("%(code)s còn thiếu") % {"code": indicator.code},
        ]
    return headers


def units_row(report) -> list:
    row = [report.unit.code, report.unit.name]
    for result in report.indicators:
        row += [_number(result.percent), result.gap]
    return row


def list_headers(appointments: bool) -> list[str]:
    headers = [_("STT"), _("Mã cán bộ"), _("Họ và tên"), _("Ngày sinh"), _("Đơn vị"), _("Đối tượng"), _("Chức vụ")]
    if appointments:
        headers += [_("Loại bổ nhiệm"), _("Chức danh bổ nhiệm"), _("Ngày bổ nhiệm")]
    return [*headers, _("Còn thiếu")]


class ListRows:
    """Makes the rows of a list of who does not meet an indicator, with the choice labels of the active language
    looked up once per list (``get_FOO_display`` rebuilds its field's table of labels, translating each, for
    every row it is asked: a third of a city-wide export's time)."""

    def __init__(self):
        self.categories = choice_labels(Person, "category")
        self.kinds = choice_labels(Appointment, "kind")

    def __call__(self, number: int, row: UnmetRow) -> list:
        person = row.person
        values = [
            number,
            person.code,
            person.full_name,
            person.birth_date,
            person.unit.name,
            self.categories.get(person.category, person.category),
            person.position_title,
        ]
        appointment = row.appointment
        if appointment is not None:
            values += [self.kinds.get(appointment.kind, appointment.kind), appointment.title, appointment.appointed_on]
        return [*values, row.missing_text]


def choice_labels(model, name: str) -> dict:
    """Return {stored value: label in the active language} of a model field's choices."""
    return {value: str(label) for value, label in model._meta.get_field(name).flatchoices}


# ---------------------------------------------------------------------------------------------
# XLSX


BRAND = "A50F15"
THIN = Side(style="thin", color="B7BEC8")
BAND_FILLS = {
    "met": "E6F4EA",
    "near": "FFF4D6",
    "mid": "FDE3C8",
    "far": "F9D2CF",
    "empty": "EEF1F5",
}


class SheetWriter:
    """One sheet of an openpyxl workbook (the planning pages' short files): heading lines, a styled header row
    frozen in place, then data rows. The reports' long lists use ``StreamedWorkbook``."""

    def __init__(self, workbook: Workbook, title: str, heading: list[str], headers: list[str], widths: list[int]):
        self.sheet = workbook.create_sheet(title=title[:31])
        for index, width in enumerate(widths, start=1):
            self.sheet.column_dimensions[get_column_letter(index)].width = width
        header_row = len(heading) + 2
        self.sheet.freeze_panes = f"A{header_row + 1}"
        self.sheet.print_title_rows = f"{header_row}:{header_row}"
        self.sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
        self.sheet.page_setup.orientation = Worksheet.ORIENTATION_LANDSCAPE
        for index, line in enumerate(heading):
            cell = WriteOnlyCell(self.sheet, value=safe_cell(line))
            cell.font = Font(bold=True, size=14 if index == 0 else 11, color=BRAND if index == 0 else "1D2430")
            self.sheet.append([cell])
        self.sheet.append([])
        cells = []
        for header in headers:
            cell = WriteOnlyCell(self.sheet, value=safe_cell(header))
            cell.font = Font(bold=True, color="FFFFFF")
            cell.fill = PatternFill("solid", fgColor=BRAND)
            cell.alignment = Alignment(wrap_text=True, vertical="center")
            cell.border = Border(top=THIN, bottom=THIN, left=THIN, right=THIN)
            cells.append(cell)
        self.sheet.append(cells)

    def row(self, values: list, fills: list[str | None] | None = None) -> None:
        cells = []
        for index, value in enumerate(values):
            cell = WriteOnlyCell(self.sheet, value=safe_cell(value))
            cell.border = Border(bottom=THIN)
            if isinstance(value, datetime.date):
                cell.number_format = "DD/MM/YYYY"
            elif isinstance(value, float):
                cell.number_format = "0.0"
            elif isinstance(value, str) and len(value) > 40:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            if fills and fills[index]:
                cell.fill = PatternFill("solid", fgColor=BAND_FILLS[fills[index]])
            cells.append(cell)
        self.sheet.append(cells)


class StreamedSheet:
    """One sheet of a ``StreamedWorkbook``: heading lines, a styled header row frozen in place, then data rows,
    written to disk as they come (the same look as ``SheetWriter``'s)."""

    def __init__(self, book: StreamedWorkbook, title: str, heading: list[str], headers: list[str], widths: list[int]):
        self.book = book
        self.sheet = book.workbook.add_worksheet(title[:31])
        for index, width in enumerate(widths):
            self.sheet.set_column(index, index, width)
        header_row = len(heading) + 1  # 0-based: the heading, one blank row, then the headers
        self.sheet.freeze_panes(header_row + 1, 0)
        self.sheet.repeat_rows(header_row)
        self.sheet.set_paper(9)  # A4
        self.sheet.set_landscape()
        for index, line in enumerate(heading):
            self.sheet.write_string(index, 0, str(safe_cell(line)), book.style("title" if index == 0 else "heading"))
        for index, header in enumerate(headers):
            self.sheet.write_string(header_row, index, str(safe_cell(header)), book.style("header"))
        self.next_row = header_row + 1

    def row(self, values: list, fills: list[str | None] | None = None) -> None:
        write, style, number = self.sheet, self.book.style, self.next_row
        for index, value in enumerate(values):
            fill = fills[index] if fills else None
            value = safe_cell(value)
            if value is None:
                write.write_blank(number, index, None, style("cell", fill))
            elif isinstance(value, str):
                write.write_string(number, index, value, style("long" if len(value) > 40 else "cell", fill))
            elif isinstance(value, bool):
                write.write_boolean(number, index, value, style("cell", fill))
            elif isinstance(value, datetime.date):
                write.write_datetime(number, index, value, style("date", fill))
            elif isinstance(value, float):
                write.write_number(number, index, value, style("decimal", fill))
            elif isinstance(value, int | Decimal):
                write.write_number(number, index, value, style("cell", fill))
            else:
                write.write_string(number, index, str(value), style("cell", fill))
        self.next_row += 1


class StreamedWorkbook:
    """An XLSX file written row by row to a temporary file, in constant memory (xlsxwriter's ``constant_memory``
    mode: each row goes to disk once the next begins), then read out by the response a chunk at a time.

    A city-wide export lists hundreds of thousands of rows: held in memory, or styled cell by cell as
    openpyxl does, it took minutes and as much memory as the file; here its cells share a handful of formats.
    """

    def __init__(self):
        self.file = tempfile.TemporaryFile()  # noqa: SIM115 (the response closes it)
        options = {"constant_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
                   "strings_to_urls": False, "default_date_format": "DD/MM/YYYY"}  # fmt: skip
        self.workbook = xlsxwriter.Workbook(self.file, options)
        self._styles: dict[tuple, object] = {}

    def sheet(self, title: str, heading: list[str], headers: list[str], widths: list[int]) -> StreamedSheet:
        return StreamedSheet(self, title, heading, headers, widths)

    def style(self, kind: str, fill: str | None = None):
        """Return the shared format of a kind of cell (title, heading, header, cell, long, date, decimal)."""
        key = (kind, fill)
        if key not in self._styles:
            spec = dict(STREAMED_STYLES[kind])
            if fill:
                spec.update(pattern=1, bg_color="#" + BAND_FILLS[fill])
            self._styles[key] = self.workbook.add_format(spec)
        return self._styles[key]

    def close(self):
        """Finish the file and return it, rewound, for the response to read (it deletes itself when closed)."""
        self.workbook.close()
        self.file.seek(0)
        return self.file


_ROW_BORDER = {"bottom": 1, "bottom_color": "#B7BEC8"}
STREAMED_STYLES = {
    "title": {"bold": True, "font_size": 14, "font_color": "#" + BRAND},
    "heading": {"bold": True, "font_size": 11, "font_color": "#1D2430"},
    "header": {
        "bold": True,
        "font_color": "#FFFFFF",
        "pattern": 1,
        "bg_color": "#" + BRAND,
        "text_wrap": True,
        "valign": "vcenter",
        "border": 1,
        "border_color": "#B7BEC8",
    },
    "cell": _ROW_BORDER,
    "long": {**_ROW_BORDER, "text_wrap": True, "valign": "top"},
    "date": {**_ROW_BORDER, "num_format": "DD/MM/YYYY"},
    "decimal": {**_ROW_BORDER, "num_format": "0.0"},
}


def _write_list(sheet: StreamedSheet, rows: Iterable[UnmetRow]) -> int:
    count = 0
    make = ListRows()
    for count, row in enumerate(rows, start=1):
        sheet.row(make(count, row))
    if not count:
        sheet.row([None, None, _("Không có ai chưa đạt chỉ tiêu này.")])
    return count


LIST_WIDTHS = [6, 14, 28, 12, 30, 22, 24]


def list_widths(appointments: bool) -> list[int]:
    return [*LIST_WIDTHS, *([16, 26, 14] if appointments else []), 60]


def dashboard_workbook(figures, heading: Heading, lists: dict[str, Iterator[UnmetRow]]):
    """Return the dashboard as an XLSX file, rewound, to stream: summary, units × indicators, and one sheet per
    indicator (who does not meet it)."""
    book = StreamedWorkbook()
    lines = heading.lines()
    summary = book.sheet(_("Tổng hợp"), lines, summary_headers(), [10, 12, 70, 12, 10, 14, 10, 16, 14])
    for result in figures.report.indicators:
        fills = [None] * 6 + [charts.band(result), charts.band(result), None]
        summary.row(summary_row(result), fills)

    indicators = list(figures.report.indicators)
    units = book.sheet(_("Theo đơn vị"), lines, units_headers(indicators), [12, 34, *([10, 9] * len(indicators))])
    for report in [figures.report, *figures.children]:
        fills = [None, None]
        for result in report.indicators:
            fills += [charts.band(result), None]
        units.row(units_row(report), fills)

    for indicator in figures.indicators:
        rows = lists.get(indicator.code)
        if rows is None:
            continue
        appointments = indicator.kind == "appointment"
        title = _("Danh sách chưa đạt %(code)s: %(name)s") % {"code": indicator.code, "name": localized_name(indicator)}
        sheet = book.sheet(indicator.code, heading.lines(title), list_headers(appointments), list_widths(appointments))
        _write_list(sheet, rows)
    return book.close()


def list_workbook(indicator, heading: Heading, rows: Iterable[UnmetRow]):
    """Return one indicator's list of who does not meet it as an XLSX file, rewound, to stream."""
    book = StreamedWorkbook()
    appointments = indicator.kind == "appointment"
    title = _("Danh sách chưa đạt %(code)s: %(name)s") % {"code": indicator.code, "name": localized_name(indicator)}
    sheet = book.sheet(indicator.code, heading.lines(title), list_headers(appointments), list_widths(appointments))
    _write_list(sheet, rows)
    return book.close()


def _save(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------
# CSV (UTF-8 with a byte-order mark, so that spreadsheet programs read the Vietnamese letters)


def csv_format() -> tuple[str, str]:
    """Return (field separator, decimal separator) of a CSV in the user's language.

    A spreadsheet program set to Vietnamese reads "80,0" as a number and splits fields on ";"; set to
    English, it reads "80.0" and splits on ",".
    """
    return (",", ".") if english() else (";", ",")


def csv_value(value, decimal: str = "."):
    """Return a value as written in a CSV cell: dates dd/mm/yyyy, decimals with ``decimal``, escaped text."""
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", decimal)
    if isinstance(value, Decimal):
        return str(value).replace(".", decimal)
    return safe_cell(str(value) if isinstance(value, Promise) else value)


class _Echo:
    def write(self, value):
        return value


def csv_lines(rows: Iterable[list]) -> Iterator[str]:
    """Return the CSV text of the rows, line by line, starting with the byte-order mark, in the user's format.

    The format is read now, in the request's language: the lines may be written after the view returned.
    """
    delimiter, decimal = csv_format()
    writer = csv.writer(_Echo(), delimiter=delimiter)

    def lines():
        yield "\ufeff"
        for row in rows:
            yield writer.writerow([csv_value(value, decimal) for value in row])

    return lines()


def dashboard_csv_rows(figures) -> Iterator[list]:
    """Yield the dashboard as CSV rows: one per unit (the unit, then its children) and indicator."""
    yield [_("Mã đơn vị"), _("Tên đơn vị"), *summary_headers()]
    for report in [figures.report, *figures.children]:
        for result in report.indicators:
            yield [report.unit.code, report.unit.name, *summary_row(result)]


def list_csv_rows(indicator, rows: Iterable[UnmetRow]) -> Iterator[list]:
    """Yield a list of who does not meet an indicator as CSV rows."""
    yield list_headers(indicator.kind == "appointment")
    make = ListRows()
    for number, row in enumerate(rows, start=1):
        yield make(number, row)
