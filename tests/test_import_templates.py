"""Templates to download: XLSX with the exact headers, an example row and drop-down lists; the same headers as CSV."""

import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from exchange.models import ImportKind
from exchange.resources import RESOURCES
from exchange.services import run_import
from exchange.spreadsheets import code_list
from personnel.models import Appointment, OrgUnit, Person, Qualification
from training.models import Course, TrainingRecord

KINDS = ImportKind.values
# The headers of data-exchange.md, sections 1–6, in order.
SPEC_HEADERS = {
    "don_vi": [
        "Mã đơn vị",
        "Tên đơn vị",
        "Mã đơn vị cấp trên",
        "Cấp",
        "Ngày thành lập",
        "Ngày giải thể",
        "Đơn vị kế thừa",
    ],
    "nhan_su": [
        "Mã cán bộ",
        "Họ và tên",
        "Ngày sinh",
        "Giới tính",
        "Số CCCD",
        "Mã đơn vị",
        "Đối tượng",
        "Chức vụ",
        "Cấp chức vụ",
        "Diện BTV Thành ủy quản lý",
        "Quy hoạch diện BTV",
        "Nhiệm kỳ HĐND",
        "Trình độ chuyên môn",
        "Chuyên môn phù hợp VTVL",
        "Lý luận chính trị",
        "Quản lý nhà nước",
        "Ngoại ngữ",
        "Ngày bắt đầu công tác",
        "Ngày thôi việc",
    ],
    "van_bang": ["Mã cán bộ", "Loại", "Trình độ", "Ngày cấp", "Số hiệu văn bằng"],
    "khoa_hoc": [
        "Mã khóa học",
        "Tên khóa học",
        "Loại khóa học",
        "Hình thức",
        "Cơ sở đào tạo",
        "Từ ngày",
        "Đến ngày",
        "Số tiết",
        "Cấp trình độ",
    ],
    "ket_qua": ["Mã cán bộ", "Mã khóa học", "Kết quả", "Ngày hoàn thành", "Số chứng chỉ"],
    "bo_nhiem": ["Mã cán bộ", "Loại bổ nhiệm", "Chức danh", "Ngày bổ nhiệm"],
    "qua_trinh_cong_tac": ["Mã cán bộ", "Mã đơn vị", "Đối tượng", "Cấp chức vụ", "Chức vụ", "Từ ngày", "Đến ngày"],
}


@pytest.fixture
def admin_client(client, make_user):
    client.force_login(make_user("quantri", role="admin", unit="HN"))
    return client


def download(client, kind: str, fmt: str) -> bytes:
    response = client.get(reverse("exchange:template_download", args=[kind, fmt]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="mau-{kind}.{fmt}"'
    return response.content


def headers_of(kind: str) -> list[str]:
    return SPEC_HEADERS[kind]


@pytest.mark.parametrize("kind", KINDS)
def test_the_xlsx_template_has_the_exact_headers_and_an_example_row(admin_client, kind):
    book = openpyxl.load_workbook(io.BytesIO(download(admin_client, kind, "xlsx")))
    sheet = book.worksheets[0]

    assert [cell.value for cell in sheet[1]] == headers_of(kind)
    example = [cell.value for cell in sheet[2]]
    assert example[0]  # the natural key of the example
    assert sheet.max_row == 2
    assert book["Hướng dẫn"]["A2"].value == headers_of(kind)[0]


@pytest.mark.parametrize("kind", KINDS)
def test_every_code_list_column_of_the_xlsx_template_has_a_drop_down_list(admin_client, kind):
    book = openpyxl.load_workbook(io.BytesIO(download(admin_client, kind, "xlsx")))
    sheet, lists = book.worksheets[0], book["Danh mục"]
    lists_by_header = {
        column[0].value: [cell.value for cell in column[1:] if cell.value is not None] for column in lists.iter_cols()
    }
    validations = {}
    for validation in sheet.data_validations.dataValidation:
        (cell_range,) = validation.sqref.ranges
        validations[cell_range.min_col] = (validation, str(cell_range))

    expected = {
        position: header
        for position, (name, header) in enumerate(RESOURCES[kind].column_names().items(), start=1)
        if code_list(kind, name)
    }
    assert expected, "every template has code-list columns"
    assert set(validations) == set(expected)
    assert lists.sheet_state == "hidden"
    for position, header in expected.items():
        validation, cell_range = validations[position]
        letter = openpyxl.utils.get_column_letter(position)
        assert validation.type == "list"
        assert cell_range == f"{letter}2:{letter}100001"
        assert validation.formula1.startswith("'Danh mục'!$")
        name = next(name for name, column in RESOURCES[kind].column_names().items() if column == header)
        assert lists_by_header[header] == code_list(kind, name)[0]


def test_the_drop_down_lists_offer_the_vietnamese_labels(db):
    assert code_list("nhan_su", "category") == (
        [
            "Cán bộ",
            "Công chức",
            "Cán bộ cấp xã",
            "Công chức cấp xã",
            "Người hoạt động không chuyên trách",
            "Viên chức",
            "Khác",
        ],
        True,
    )
    assert code_list("nhan_su", "btv_managed") == (["Có", "Không"], True)
    assert code_list("nhan_su", "political_level") == (["Chưa có", "Sơ cấp", "Trung cấp", "Cao cấp", "Cử nhân"], True)
    assert code_list("khoa_hoc", "types")[1] is False  # several types per cell: offered, not enforced
    assert code_list("nhan_su", "code") is None


@pytest.mark.parametrize("kind", KINDS)
def test_the_csv_template_has_the_same_headers(admin_client, kind):
    content = download(admin_client, kind, "csv")

    assert content.startswith(b"\xef\xbb\xbf")
    assert list(csv.reader(io.StringIO(content.decode("utf-8-sig")))) == [headers_of(kind)]


def test_the_example_rows_of_the_templates_load_in_order_without_an_error(admin_client, units):
    models = [OrgUnit, Person, Qualification, Course, TrainingRecord, Appointment]
    before = [model.objects.count() for model in models]

    for kind in KINDS:
        outcome = run_import(
            kind=kind, file_name=f"mau-{kind}.xlsx", content=download(admin_client, kind, "xlsx"), dry_run=False
        )
        assert outcome.ok, (kind, outcome.errors)
        # The history example is the one assignment the personnel example already gave its person.
        assert (outcome.new, outcome.unchanged) == ((0, 1) if kind == "qua_trinh_cong_tac" else (1, 0)), kind

    assert [model.objects.count() - count for model, count in zip(models, before, strict=True)] == [1] * 6
    assert Person.objects.get(code="VD0001").unit.code == "HN"  # the importer's own unit
    assert Person.objects.get(code="VD0001").assignments.count() == 1


def test_templates_are_for_importers_only(client, make_user):
    client.force_login(make_user("canbo", role="hr", unit="H01"))

    assert client.get(reverse("exchange:template_download", args=["nhan_su", "xlsx"])).status_code == 403
