"""Read an uploaded spreadsheet into headers and rows: CSV (UTF-8, with or without BOM, comma or semicolon) or XLSX.

Line numbers are those the user sees in a spreadsheet: the header is line 1. Empty rows are skipped
but keep the numbering, so a reported line is always the line to fix.

The safety limits (settings ``IMPORT_MAX_FILE_SIZE``, ``IMPORT_MAX_ROWS``, ``IMPORT_MAX_XLSX_UNCOMPRESSED``)
are enforced here, so every way in (command, pages, API) gets them: an oversized file is refused unread,
a workbook declaring too much uncompressed data is refused before any part is opened, an XML part
declaring a DOCTYPE or entities is refused, and reading stops once the row limit is passed.
"""

import csv
import io
from dataclasses import dataclass, field

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from . import xlsx
from .cells import is_empty

XLSX_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls (and encrypted workbooks)
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


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


def file_error(reason: str) -> TableError:
    return TableError([(None, "", "", reason)])


# Columns a file may have beyond its template's: unknown ones are reported by name (a typo never drops data),
# and no more than this many are read, so a header 100,000 columns wide is refused before anything is padded.
EXTRA_COLUMNS = 10
MAX_COLUMNS = 64  # when the caller names no template (a refused file's failed rows, read again)


def limits() -> dict[str, int]:
    """Return the import limits from the settings."""
    return {
        "max_size": settings.IMPORT_MAX_FILE_SIZE,
        "max_rows": settings.IMPORT_MAX_ROWS,
        "max_uncompressed": settings.IMPORT_MAX_XLSX_UNCOMPRESSED,
    }


def too_wide_error(columns: int, max_columns: int) -> str:
    return _(
        "Tệp có ô ở cột thứ %(columns)s, quá số cột cho phép (%(max)s: các cột của mẫu và vài cột thừa): "
        "tệp bị từ chối mà không đọc. Hãy xóa các cột, ô thừa ở bên phải rồi gửi lại."
    ) % {"columns": f"{columns:,}".replace(",", "."), "max": max_columns}


def too_large_error(size: int) -> str:
    return _("Tệp quá lớn (%(size)s); giới hạn là %(max)s. Hãy chia thành nhiều tệp nhỏ hơn.") % {
        "size": filesizeformat(size),
        "max": filesizeformat(settings.IMPORT_MAX_FILE_SIZE),
    }


def read_table(file_name: str, content: bytes, *, on_progress=None, max_columns: int = MAX_COLUMNS) -> Table:
    """Return the table held in a CSV or XLSX file (maybe with no data rows); raise TableError when unreadable.

    ``max_columns`` bounds the columns read (a template's columns plus ``EXTRA_COLUMNS``): a wider file is
    refused before its rows are stored, whatever it holds.
    """
    limit = limits()
    limit["max_columns"] = max_columns
    if len(content or b"") > limit["max_size"]:
        raise file_error(too_large_error(len(content)))
    if not content or not content.strip().lstrip(b"\xef\xbb\xbf").strip():
        raise file_error(_("Tệp rỗng."))
    name = (file_name or "").lower()
    if content.startswith(OLE2_MAGIC) or (name.endswith(".xls") and not content.startswith(XLSX_MAGIC)):
        raise file_error(_("Không hỗ trợ tệp .xls cũ: hãy lưu thành .xlsx hoặc CSV UTF-8."))
    if content.startswith(XLSX_MAGIC) or name.endswith((".xlsx", ".xlsm")):
        numbered = _xlsx_rows(content, limit, on_progress)
    else:
        numbered = _bounded(enumerate(_csv_rows(content), start=1), max_columns)
    return _table(numbered, limit["max_rows"])


def _bounded(numbered_rows, max_columns: int):
    """Yield the CSV's rows, refusing the file at the first row holding a value past ``max_columns``."""
    for line, row in numbered_rows:
        if len(row) > max_columns:
            extra = row[max_columns:]
            if not _blank(extra):
                last = max(i for i, cell in enumerate(extra) if not is_empty(cell))
                raise file_error(too_wide_error(max_columns + last + 1, max_columns))
            del row[max_columns:]
        yield line, row


def _csv_rows(content: bytes):
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        if content.startswith(UTF16_BOMS):
            reason = _("Tệp được mã hóa UTF-16 (Unicode), không phải UTF-8: hãy lưu lại dạng «CSV UTF-8».")
        else:
            reason = _("Tệp không được mã hóa UTF-8 (lỗi ở byte thứ %(position)s): hãy lưu lại dạng CSV UTF-8.") % {
                "position": error.start + 1
            }
        raise file_error(reason) from None
    if "\x00" in text:
        raise file_error(_("Tệp chứa ký tự NUL: đây không phải một tệp CSV văn bản."))
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def _xlsx_rows(content: bytes, limit: dict, on_progress) -> list[tuple[int, list]]:
    try:
        return xlsx.read_first_sheet(
            content,
            max_uncompressed=limit["max_uncompressed"],
            max_rows=limit["max_rows"],
            max_columns=limit["max_columns"],
            on_row=on_progress,
        )
    except xlsx.TooLarge as error:
        raise file_error(
            _(
                "Tệp XLSX khai báo %(size)s dữ liệu khi giải nén, vượt giới hạn %(max)s "
                "(có thể là «bom nén»): tệp bị từ chối mà không mở."
            )
            % {"size": filesizeformat(error.declared), "max": filesizeformat(limit["max_uncompressed"])}
        ) from None
    except xlsx.UnsafeXml:
        raise file_error(
            _(
                "Tệp XLSX có khai báo DOCTYPE/thực thể XML (kiểu tấn công «billion laughs»): "
                "bị từ chối vì lý do an toàn. Hãy mở tệp bằng Excel rồi lưu lại."
            )
        ) from None
    except xlsx.TooManyRows:
        raise file_error(too_many_rows_error(limit["max_rows"])) from None
    except xlsx.TooWide as error:
        raise file_error(too_wide_error(error.column, limit["max_columns"])) from None
    except xlsx.TooManyCells:
        raise file_error(
            _(
                "Tệp XLSX có nhiều ô hoặc chuỗi hơn số dòng và số cột cho phép: tệp bị từ chối mà không đọc. "
                "Hãy mở tệp bằng Excel, xóa các ô thừa rồi lưu lại."
            )
        ) from None
    except xlsx.XlsxError as error:
        raise file_error(_("Không đọc được tệp XLSX: %(error)s") % {"error": error}) from None
    except MemoryError:
        raise file_error(_("Tệp XLSX quá lớn để đọc: hãy chia thành nhiều tệp nhỏ hơn.")) from None


def too_many_rows_error(max_rows: int) -> str:
    return _("Tệp có hơn %(max)s dòng dữ liệu: hãy chia thành nhiều tệp nhỏ hơn.") % {
        "max": f"{max_rows:,}".replace(",", ".")
    }


def _blank(cells: list) -> bool:
    """Return whether every cell is empty (nothing, or only spaces)."""
    for cell in cells:
        if cell is None:
            continue
        if cell.__class__ is not str or (cell and not cell.isspace()):
            return False
    return True


def _table(numbered_rows, max_rows: int) -> Table:
    rows_iter = iter(numbered_rows)
    try:
        first = next(rows_iter, None)
        if first is None or first[0] != 1 or all(is_empty(cell) for cell in first[1]):
            raise TableError([(1, "", "", _("Dòng 1 phải là dòng tiêu đề các cột."))])
        headers = ["" if cell is None else str(cell).strip() for cell in first[1]]
        # Spreadsheets often carry empty columns after the last header: drop them if no row uses them.
        width = len(headers)
        while width and not headers[width - 1]:
            width -= 1
        table = Table(headers=headers[:width])
        errors = []
        for line, row in rows_iter:
            cells = list(row)
            if _blank(cells):
                continue
            if len(cells) > width:
                extra = cells[width:]
                if not _blank(extra):
                    errors.append(
                        (line, "", str(next(c for c in extra if not is_empty(c))), _("Ô nằm ngoài các cột có tiêu đề."))
                    )
                    continue
                del cells[width:]
            elif len(cells) < width:
                cells.extend([""] * (width - len(cells)))
            table.rows.append(cells)
            table.lines.append(line)
            if len(table.rows) > max_rows:
                raise file_error(too_many_rows_error(max_rows))
    except csv.Error as error:
        raise file_error(_("Không đọc được tệp CSV: %(error)s") % {"error": error}) from None
    if errors:
        raise TableError(errors)
    return table
