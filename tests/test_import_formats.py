"""File formats: XLSX (first sheet, real date cells), CSV with or without BOM, comma or semicolon; bad files."""

import datetime
import unicodedata

import pytest

from exchange.services import RowError, read_table, run_import
from exchange.testing import csv_bytes, template_rows, xlsx_bytes
from personnel.models import Person

HEADERS = template_rows("nhan_su", [])[0]


def person(code: str, birth=datetime.date(1980, 2, 1), **cells) -> dict:
    return {
        "Mã cán bộ": code,
        "Họ và tên": "Lê Văn Cường",
        "Ngày sinh": birth,
        "Mã đơn vị": "H01",
        "Đối tượng": "vien_chuc",
        **cells,
    }


def dry_run(content: bytes, name: str = "nhan_su.csv"):
    return run_import(kind="nhan_su", file_name=name, content=content, dry_run=True)


def test_an_xlsx_file_with_real_date_cells_is_read_from_its_first_sheet(units):
    rows = template_rows(
        "nhan_su", [person("X1", **{"Ngày bắt đầu công tác": "01/09/2005"}), person("X2", birth="1990-12-31")]
    )
    content = xlsx_bytes(rows, extra_sheets=("Hướng dẫn",))

    outcome = run_import(kind="nhan_su", file_name="nhan_su.xlsx", content=content, dry_run=False)

    assert outcome.ok, outcome.errors
    assert dict(Person.objects.values_list("code", "birth_date")) == {
        "X1": datetime.date(1980, 2, 1),
        "X2": datetime.date(1990, 12, 31),
    }
    assert Person.objects.get(code="X1").start_date == datetime.date(2005, 9, 1)


def test_an_xlsx_number_cell_is_read_as_text_where_text_is_expected(units):
    rows = template_rows(
        "nhan_su", [person("X1", **{"Cấp chức vụ": 2, "Trình độ chuyên môn": 4.0, "Số CCCD": 1234567890})]
    )

    outcome = dry_run(xlsx_bytes(rows), "nhan_su.xlsx")

    assert [(e.column, e.value) for e in outcome.errors] == [("Số CCCD", "1234567890")]


@pytest.mark.parametrize(("delimiter", "bom"), [(",", False), (",", True), (";", False), (";", True)])
def test_csv_is_read_with_or_without_bom_and_with_commas_or_semicolons(units, delimiter, bom):
    rows = template_rows("nhan_su", [person("C1", birth="01/02/1980"), person("C2", birth="1981-03-04")])

    outcome = dry_run(csv_bytes(rows, delimiter=delimiter, bom=bom))

    assert outcome.ok, outcome.errors
    assert outcome.new == 2


def test_read_table_keeps_the_spreadsheet_line_numbers_across_empty_rows():
    content = csv_bytes([["Mã cán bộ", "Họ và tên"], ["A1", "An"], ["", ""], ["A2", "Bình"]], bom=True)

    table = read_table("x.csv", content)

    assert table.headers == ["Mã cán bộ", "Họ và tên"]
    assert (table.rows, table.lines) == ([["A1", "An"], ["A2", "Bình"]], [2, 4])


def test_headers_match_ignoring_case_accents_and_surrounding_spaces(units):
    headers = ["  ma can bo ", "HỌ VÀ TÊN", "ngay sinh", "Mã Đơn Vị", "doi tuong"]
    content = csv_bytes([headers, ["H1", "Phạm Thị Dung", "02/03/1985", "H01", "Công chức"]])

    outcome = dry_run(content)

    assert outcome.ok, outcome.errors


def test_an_unknown_column_is_an_error_naming_it_and_nothing_is_read(units):
    headers = [*HEADERS[:3], "Ngày sinhh", *HEADERS[3:]]
    rows = [headers, ["U1", "Ngô Văn E", "01/01/1980", "x", "", "", "H01", "cong_chuc"] + [""] * (len(HEADERS) - 7)]

    outcome = dry_run(csv_bytes(rows))

    assert outcome.errors == [RowError(1, "Ngày sinhh", "Ngày sinhh", "Cột không có trong mẫu «Nhân sự».")]
    assert outcome.rows == []


def test_a_missing_required_column_is_an_error(units):
    headers = [h for h in HEADERS if h != "Đối tượng"]

    outcome = dry_run(csv_bytes([headers, ["U1", "Ngô Văn E", "01/01/1980"] + [""] * (len(headers) - 3)]))

    assert outcome.errors == [RowError(1, "Đối tượng", "", "Thiếu cột bắt buộc.")]


def test_optional_columns_may_be_left_out(units):
    content = csv_bytes(
        [["Mã cán bộ", "Họ và tên", "Ngày sinh", "Mã đơn vị", "Đối tượng"], ["O1", "An", "01/01/1980", "H01", "khac"]]
    )

    assert dry_run(content).ok


@pytest.mark.parametrize("encoding", ["utf-16", "cp1258"])
def test_a_file_not_in_utf8_is_refused_with_a_file_level_error(units, encoding):
    text = csv_bytes(template_rows("nhan_su", [person("E1", birth="01/02/1980")])).decode()
    # Windows' Vietnamese code page writes decomposed accents.
    content = unicodedata.normalize("NFD", text).encode(encoding, errors="replace")

    outcome = dry_run(content)

    assert len(outcome.errors) == 1
    error = outcome.errors[0]
    assert (error.line, error.column, error.value) == (None, "", "")
    assert "UTF-8" in error.reason
    assert outcome.rows == []


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "Tệp rỗng."),
        (b"\xef\xbb\xbf \r\n", "Tệp rỗng."),
        ("Mã cán bộ,Họ và tên,Ngày sinh,Mã đơn vị,Đối tượng\r\n".encode(), "Tệp không có dòng dữ liệu nào."),
    ],
)
def test_an_empty_file_is_refused(db, content, reason):
    assert dry_run(content).errors == [RowError(None, "", "", reason)]


def test_a_cell_outside_the_headed_columns_is_an_error(units):
    content = csv_bytes(
        [
            ["Mã cán bộ", "Họ và tên", "Ngày sinh", "Mã đơn vị", "Đối tượng"],
            ["O1", "An", "01/01/1980", "H01", "khac", "lạc"],
        ]
    )

    assert dry_run(content).errors == [RowError(2, "", "lạc", "Ô nằm ngoài các cột có tiêu đề.")]


def test_a_broken_xlsx_file_is_refused(db):
    outcome = dry_run(b"PK\x03\x04 not really a workbook", "nhan_su.xlsx")

    assert outcome.errors[0].reason.startswith("Không đọc được tệp XLSX")
