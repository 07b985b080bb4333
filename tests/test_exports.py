"""Exports of the dashboard: XLSX (summary, units × indicators, who does not meet each indicator) and CSV."""

import csv
import datetime
import io
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.db import connection
from django.urls import reverse
from django.utils import translation

from personnel.choices import Category
from reports.exports import safe_cell
from targets import compliance

pytestmark = pytest.mark.usefixtures("figures_in_request")

TODAY = datetime.datetime(2025, 11, 20, 9, 30, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
CODES = ["BTV-1", "BTV-2", "BTV-3", "CC-1", "CC-2", "CC-3", "CC-4"]
CODES += ["XA-1", "XA-2", "XA-3", "XA-4", "VC-1", "VC-2", "VC-3", "HDND-1"]
SUMMARY_HEADERS = (
    "Nhóm",
    "Mã chỉ tiêu",
    "Tên chỉ tiêu",
    "Chỉ tiêu (%)",
    "Số đạt",
    "Tổng số đối tượng",
    "Tỷ lệ (%)",
    "Đánh giá",
    "Còn thiếu (người)",
)
HYPERLINK = '=HYPERLINK("http://ke-xau.example/","Bấm vào đây")'


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def scene(make_person, make_course, complete, units):
    law = make_course("phap_luat", year=2025)
    an = make_person(full_name="Nguyễn Văn An", unit="H01", code="CB-AN")
    complete(an, law)
    make_person(full_name=HYPERLINK, unit="H01", code="CB-XAU", position_title="\t=1+1")
    make_person(full_name="-1+2", unit="H01X1", code="CB-TRU", position_title="\r@SUM(A1)")
    make_person(full_name="@Cuong", unit="H01X2", code="CB-A-CONG", position_title="+84 912")
    units["H01X2"].name = "=CMD|' /C calc'!A0"
    units["H01X2"].save()
    return {"an": an}


@pytest.fixture
def leader_client(client, make_user):
    client.force_login(make_user("lanhdao", role="leader", unit="H01"))
    return client


def workbook(client, **params) -> openpyxl.Workbook:
    response = client.get(reverse("reports:export_xlsx"), params)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return openpyxl.load_workbook(io.BytesIO(response.getvalue()))


def table(sheet, first_header: str) -> tuple[int, list[tuple]]:
    """Return (header row number, data rows) of a sheet whose header row starts with ``first_header``."""
    rows = list(sheet.iter_rows(values_only=True))
    index = next(i for i, row in enumerate(rows) if row and row[0] == first_header)
    return index + 1, rows[index + 1 :]


def every_value(book) -> list:
    return [cell for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for cell in row]


@pytest.mark.parametrize(
    ("value", "escaped"),
    [
        ("=1+1", "'=1+1"),
        ("+84 912", "'+84 912"),
        ("-1+2", "'-1+2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        (HYPERLINK, "'" + HYPERLINK),
        ("Nguyễn Văn An", "Nguyễn Văn An"),
        ("a=1", "a=1"),
        ("", ""),
        (-3, -3),
        (12.5, 12.5),
        (None, None),
        (datetime.date(2025, 1, 2), datetime.date(2025, 1, 2)),
    ],
)
def test_a_cell_that_a_spreadsheet_would_read_as_a_formula_is_escaped(value, escaped):
    assert safe_cell(value) == escaped


def test_the_xlsx_has_a_summary_a_units_sheet_and_one_sheet_per_indicator(leader_client, scene):
    book = workbook(leader_client)
    assert book.sheetnames == ["Tổng hợp", "Theo đơn vị", *CODES]


def test_the_summary_sheet_holds_the_figures_of_the_unit(leader_client, scene, programme, units):
    sheet = workbook(leader_client)["Tổng hợp"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "BÁO CÁO KẾT QUẢ THỰC HIỆN CHỈ TIÊU ĐÀO TẠO, BỒI DƯỠNG"
    assert rows[2][0] == "Đơn vị: UBND quận Ba Đình · Năm: 2025 · Số liệu tính đến ngày 20/11/2025"
    assert rows[3][0].startswith("Số liệu tính lúc 09:30 20/11/2025")
    header, data = table(sheet, "Nhóm")
    assert tuple(cell.value for cell in sheet[header]) == SUMMARY_HEADERS
    assert sheet.freeze_panes == f"A{header + 1}"
    assert sheet.cell(header, 1).font.bold
    report = compliance.evaluate(programme, units["H01"], year=2025)
    assert [row[1] for row in data] == CODES
    for row, result in zip(data, report.indicators, strict=True):
        assert row[:7] == (
            result.group,
            result.code,
            result.name,
            float(result.target),
            result.numerator,
            result.denominator,
            None if result.percent is None else float(result.percent),
        )
        assert row[8] == result.gap
    cc3 = data[CODES.index("CC-3")]
    assert cc3[4:] == (1, 4, 25.0, "Chưa đạt", 3)
    assert data[CODES.index("VC-1")][6:8] == (None, "Không có đối tượng")


def test_the_units_sheet_puts_the_unit_and_its_children_against_each_indicator(leader_client, scene, programme, units):
    sheet = workbook(leader_client)["Theo đơn vị"]
    header, data = table(sheet, "Mã đơn vị")
    headers = [cell.value for cell in sheet[header]]
    assert headers[:4] == ["Mã đơn vị", "Tên đơn vị", "BTV-1 tỷ lệ (%)", "BTV-1 còn thiếu"]
    assert len(headers) == 2 + 2 * 15
    assert sheet.freeze_panes == f"A{header + 1}"
    assert [row[0] for row in data] == ["H01", "H01X1", "H01X2"]
    for row in data:
        report = compliance.evaluate(programme, units[row[0]], year=2025)
        for index, result in enumerate(report.indicators):
            assert row[2 + 2 * index] == (None if result.percent is None else float(result.percent))
            assert row[3 + 2 * index] == result.gap


def test_each_indicator_sheet_lists_who_does_not_meet_it(leader_client, scene, programme, units):
    book = workbook(leader_client)
    header, data = table(book["CC-3"], "STT")
    assert book["CC-3"].freeze_panes == f"A{header + 1}"
    expected = list(compliance.unmet(programme, "CC-3", units["H01"], year=2025).values_list("code", flat=True))
    assert [row[1] for row in data] == expected
    assert "CB-AN" not in expected
    assert {row[-1] for row in data} == {
        "chưa có khóa cập nhật kiến thức pháp luật hoặc bồi dưỡng đạo đức công vụ năm 2025"
    }
    _header, nobody = table(book["VC-1"], "STT")
    assert [row[:3] for row in nobody] == [(None, None, "Không có ai chưa đạt chỉ tiêu này.")]


def test_the_lists_name_each_persons_category_in_the_chosen_language(leader_client, scene):
    _header, data = table(workbook(leader_client)["CC-3"], "STT")
    assert {row[5] for row in data} == {"Công chức"}
    leader_client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    content = leader_client.get(reverse("reports:drilldown_csv", args=["CC-3"])).getvalue().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content)))
    with translation.override("en"):
        english = str(Category.CIVIL_SERVANT.label)
    assert english != "Công chức"
    assert {row[5] for row in rows[1:]} == {english}


def test_no_exported_xlsx_cell_starts_like_a_formula(leader_client, scene):
    values = [value for value in every_value(workbook(leader_client)) if isinstance(value, str)]
    assert "'" + HYPERLINK in values
    assert "'-1+2" in values
    assert "'@Cuong" in values
    assert "'\t=1+1" in values
    assert "'_x000D_@SUM(A1)" in values  # a carriage return, escaped as Excel reads it (openpyxl leaves it so)
    assert "'+84 912" in values
    assert "'=CMD|' /C calc'!A0" in values
    assert not [value for value in values if value[:1] in ("=", "+", "-", "@", "\t", "\r")]


def test_no_exported_csv_cell_starts_like_a_formula(leader_client, scene):
    exports = [
        leader_client.get(reverse("reports:export_csv")).content,
        b"".join(leader_client.get(reverse("reports:drilldown_csv", args=["CC-3"])).streaming_content),
    ]
    cells = []
    for content in exports:
        cells += [cell for row in csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";") for cell in row]
    assert "'" + HYPERLINK in cells
    assert "'-1+2" in cells
    assert "'\t=1+1" in cells
    assert "'=CMD|' /C calc'!A0" in cells
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]


def test_the_csv_has_one_row_per_unit_and_indicator(leader_client, scene, programme, units):
    response = leader_client.get(reverse("reports:export_csv"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="bao-cao-chi-tieu-H01-2025.csv"' in response["Content-Disposition"]
    content = response.content.decode("utf-8")
    assert content.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(content[1:]), delimiter=";"))  # Vietnamese: ";" between fields, "," in numbers
    assert rows[0] == ["Mã đơn vị", "Tên đơn vị", *SUMMARY_HEADERS]
    assert len(rows) == 1 + 3 * 15
    by_key = {(row[0], row[3]): row for row in rows[1:]}
    result = compliance.evaluate(programme, units["H01X1"], year=2025).by_code()["CC-3"]
    assert by_key[("H01X1", "CC-3")][4:] == [
        result.name,
        "80,0",
        str(result.numerator),
        str(result.denominator),
        "0,0",
        "Chưa đạt",
        str(result.gap),
    ]


def test_an_english_csv_keeps_the_point_and_the_comma(leader_client, scene):
    leader_client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    content = leader_client.get(reverse("reports:export_csv")).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content)))
    assert rows[0][:2] == ["Unit code", "Unit name"]
    assert "80.0" in [cell for row in rows for cell in row]


def test_exports_follow_the_chosen_unit_and_year_and_stay_in_scope(leader_client, scene):
    book = workbook(leader_client, unit="H01X1", year="2023")
    _header, data = table(book["Tổng hợp"], "Nhóm")
    assert book["Tổng hợp"]["A3"].value.startswith("Đơn vị: UBND phường Phúc Xá · Năm: 2023")
    assert data[CODES.index("CC-3")][4:6] == (0, 1)
    for name in ("reports:export_xlsx", "reports:export_csv", "reports:print"):
        assert leader_client.get(reverse(name), {"unit": "H02"}).status_code == 404


def test_the_dashboard_exports_take_the_same_queries_whatever_the_data_size(
    leader_client, scene, make_person, django_assert_num_queries
):
    leader_client.get(reverse("reports:dashboard"))  # stores the figures
    # On PostgreSQL each of the 15 lists is read in a transaction planned for all its rows (one SET LOCAL).
    xlsx_queries = 26 + (len(CODES) if connection.vendor == "postgresql" else 0)
    for _size in ("small", "larger"):  # each export also writes one access-log row (the role: kept with the session)
        with django_assert_num_queries(9):
            leader_client.get(reverse("reports:export_csv"))
        with django_assert_num_queries(xlsx_queries):
            leader_client.get(reverse("reports:export_xlsx"))
        for index in range(20):  # more people on the lists already drawn (an empty list costs fewer queries)
            make_person(full_name=f"Người {index}", unit="H01X1")
        leader_client.get(reverse("reports:dashboard"))  # recomputes the stored figures once
