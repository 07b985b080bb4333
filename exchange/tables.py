"""Read an uploaded spreadsheet into headers and rows: CSV (UTF-8, with or without BOM, comma or semicolon) or XLSX.

Line numbers are those the user sees in a spreadsheet: the header is line 1. Empty rows are skipped
but keep the numbering, so a reported line is always the line to fix.
"""

import csv
import datetime
import io
import zipfile
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from .cells import is_empty

XLSX_MAGIC = b"PK\x03\x04"


@dataclass
class Table:
    """A spreadsheet's header row (as written) and data rows, each with its line number."""

    headers: list[str]
    rows: list[list] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)


class TableError(Exception):
    """The file cannot be read as a table; ``errors`` lists (line, column, value, reason)."""

    def __init__(self, errors: list[tuple[int | None, str, str, str]]):
        super().__init__("; ".join(str(error[3]) for error in errors))
        self.errors = errors


def read_table(file_name: str, content: bytes) -> Table:
    """Return the table held in a CSV or XLSX file (maybe with no data rows); raise TableError when unreadable."""
    if not content or not content.strip().lstrip(b"\xef\xbb\xbf").strip():
        raise TableError([(None, "", "", _("Tệp rỗng."))])
    name = (file_name or "").lower()
    if content.startswith(XLSX_MAGIC) or name.endswith((".xlsx", ".xlsm")):
        raw_rows = _xlsx_rows(content)
    elif name.endswith(".xls"):
        raise TableError([(None, "", "", _("Không hỗ trợ tệp .xls cũ: hãy lưu thành .xlsx hoặc CSV UTF-8."))])
    else:
        raw_rows = _csv_rows(content)
    return _table(raw_rows)


def _csv_rows(content: bytes):
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise TableError(
            [
                (
                    None,
                    "",
                    "",
                    _("Tệp không được mã hóa UTF-8 (lỗi ở byte thứ %(position)s): hãy lưu lại dạng CSV UTF-8.")
                    % {"position": error.start + 1},
                )
            ]
        ) from None
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def _xlsx_rows(content: bytes):
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise TableError([(None, "", "", _("Không đọc được tệp XLSX: %(error)s") % {"error": error})]) from None
    try:
        if not workbook.worksheets:
            return []
        rows = []
        for row in workbook.worksheets[0].iter_rows(values_only=True):
            rows.append([_xlsx_value(value) for value in row])
        return rows
    finally:
        workbook.close()


def _xlsx_value(value):
    """Return a date cell as a date (a spreadsheet date has no time of day); other cells unchanged."""
    if isinstance(value, datetime.datetime) and value.time() == datetime.time(0):
        return value.date()
    return value


def _table(raw_rows) -> Table:
    rows_iter = iter(raw_rows)
    header_row = next(rows_iter, None)
    if header_row is None or all(is_empty(cell) for cell in header_row):
        raise TableError([(1, "", "", _("Dòng 1 phải là dòng tiêu đề các cột."))])
    headers = ["" if cell is None else str(cell).strip() for cell in header_row]
    # Spreadsheets often carry empty columns after the last header: drop them if no row uses them.
    width = len(headers)
    while width and not headers[width - 1]:
        width -= 1
    table = Table(headers=headers[:width])
    errors = []
    for line, row in enumerate(rows_iter, start=2):
        cells = list(row)
        if all(is_empty(cell) for cell in cells):
            continue
        extra = cells[width:]
        if any(not is_empty(cell) for cell in extra):
            errors.append(
                (line, "", str(next(c for c in extra if not is_empty(c))), _("Ô nằm ngoài các cột có tiêu đề."))
            )
            continue
        cells = cells[:width] + [""] * (width - len(cells))
        table.rows.append(cells)
        table.lines.append(line)
    if errors:
        raise TableError(errors)
    return table
