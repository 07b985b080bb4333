"""Import a class roster from a CSV or XLSX file, all or nothing.

Columns: ``Mã cán bộ`` (required), ``Kết quả`` (Hoàn thành / Không đạt / Bỏ học, or empty: nominate only),
``Ngày hoàn thành`` (dd/mm/yyyy), ``Số chứng chỉ``. A person not yet on the roster is nominated (seated
while places remain, then waiting); a row with a result enters it (the person must then hold a place).
Every error names the row, the column, the value and the reason, in Vietnamese, and nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.scoping import visible_persons
from exchange.cells import CodeList, display, folded, parse_date, parse_text
from exchange.tables import TableError, read_table

from .models import Roster, RosterResult
from .services import ResultLine, ResultsRefused, enter_results, nominate, person_not_found

COLUMNS = {
    "person": gettext_lazy("Mã cán bộ"),
    "result": gettext_lazy("Kết quả"),
    "completed_on": gettext_lazy("Ngày hoàn thành"),
    "certificate_number": gettext_lazy("Số chứng chỉ"),
}
REQUIRED = ("person",)


@dataclass(frozen=True)
class RowError:
    line: int | None
    column: str
    value: str
    reason: str

    def __str__(self) -> str:
        if self.line is None:
            return self.reason
        return _("Dòng %(line)s, cột “%(column)s”, giá trị “%(value)s”: %(reason)s") % {
            "line": self.line,
            "column": self.column,
            "value": self.value,
            "reason": self.reason,
        }


class RosterImportError(Exception):
    def __init__(self, errors: list[RowError]):
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


@dataclass(frozen=True)
class RosterImported:
    nominated: int
    waiting: int
    results: int


def _header_map(headers: list[str]) -> dict[str, int]:
    wanted = {folded(str(label)): key for key, label in COLUMNS.items()}
    found = {}
    for index, header in enumerate(headers):
        key = wanted.get(folded(header))
        if key and key not in found:
            found[key] = index
    return found


def import_roster(*, roster: Roster, file_name: str, content: bytes, user) -> RosterImported:
    """Read the file and apply it to the roster, all or nothing; raise RosterImportError listing every error."""
    table, columns = _read(file_name, content)
    rows, errors = _parse_rows(table, columns)
    if not rows and not errors:
        errors.append(RowError(None, "", "", _("Tệp không có dòng dữ liệu nào.")))
    codes = [row["person"] for row in rows if row["person"]]
    visible = set(visible_persons(user).filter(code__in=codes).values_list("code", flat=True))
    for row in rows:
        if row["person"] and row["person"] not in visible:
            errors.append(RowError(row["line"], str(COLUMNS["person"]), row["person"], person_not_found(row["person"])))
    if errors:
        raise RosterImportError(errors)
    return _apply(roster=roster, rows=rows, codes=codes, user=user)


def _read(file_name: str, content: bytes):
    """Return the file's table and where each known column is; raise RosterImportError when the file cannot
    be read or lacks a required column."""
    try:
        table = read_table(file_name, content)
    except TableError as error:
        raise RosterImportError(
            [RowError(line, column, value, reason) for line, column, value, reason in error.errors]
        ) from None
    columns = _header_map(table.headers)
    missing = [str(COLUMNS[key]) for key in REQUIRED if key not in columns]
    if missing:
        raise RosterImportError(
            [RowError(1, name, "", _("Thiếu cột bắt buộc “%(column)s”.") % {"column": name}) for name in missing]
        )
    return table, columns


def _parse_rows(table, columns: dict[str, int]) -> tuple[list[dict], list[RowError]]:
    """Return the parsed rows (a cell that cannot be parsed is None) and the errors of every row."""
    results = CodeList(RosterResult)
    parsers = (
        ("person", lambda v: parse_text(v, max_length=40, required=True)),
        ("result", lambda v: results.parse(v, required=False)),
        ("completed_on", lambda v: parse_date(v)),
        ("certificate_number", lambda v: parse_text(v, max_length=100)),
    )
    errors: list[RowError] = []
    rows = []
    seen: dict[str, int] = {}
    for line, values in zip(table.lines, table.rows, strict=True):
        row = {"line": line}
        for key, parse in parsers:
            value = values[columns[key]] if key in columns else None
            try:
                row[key] = parse(value)
            except ValueError as error:
                errors.append(RowError(line, str(COLUMNS[key]), display(value), str(error)))
                row[key] = None
        code = row["person"]
        if code:
            if code in seen:
                errors.append(
                    RowError(line, str(COLUMNS["person"]), code,
                             _("Trùng với dòng %(line)s.") % {"line": seen[code]})
                )  # fmt: skip
            seen.setdefault(code, line)
        if not row["result"] and (row["completed_on"] or row["certificate_number"]):
            errors.append(
                RowError(
                    line, str(COLUMNS["result"]), "", _("Cần ghi kết quả khi có ngày hoàn thành hoặc số chứng chỉ.")
                )
            )
        rows.append(row)
    return rows, errors


def _apply(*, roster: Roster, rows: list[dict], codes: list[str], user) -> RosterImported:
    """Nominate the persons not yet on the roster and enter the results, in one transaction; raise
    RosterImportError (nothing written) when the services refuse."""
    line_of = {row["person"]: row["line"] for row in rows}
    try:
        with transaction.atomic():
            on_roster = set(roster.nominations.active().values_list("person__code", flat=True))
            new_codes = [code for code in codes if code not in on_roster]
            done = nominate(roster=roster, persons=new_codes, user=user) if new_codes else None
            nominations = {n.person.code: n for n in roster.nominations.active().select_related("person")}
            lines = [
                ResultLine(
                    nominations[row["person"]], row["result"], row["completed_on"], row["certificate_number"] or ""
                )
                for row in rows
                if row["result"]
            ]
            if lines:
                enter_results(roster=roster, lines=lines, user=user)
    except ResultsRefused as error:
        column_of = {"person": COLUMNS["person"], "result": COLUMNS["result"], "completed_on": COLUMNS["completed_on"],
                     "certificate_number": COLUMNS["certificate_number"]}  # fmt: skip
        raise RosterImportError(
            [RowError(line_of.get(code), str(column_of.get(field, "")), value, reason)
             for code, field, value, reason in error.errors]
        ) from None  # fmt: skip
    except ValidationError as error:
        raise RosterImportError([RowError(None, "", "", message) for message in error.messages]) from None
    return RosterImported(
        nominated=len(done.seated) if done else 0, waiting=len(done.waiting) if done else 0, results=len(lines)
    )
