"""Code-list cells accept the code or the Vietnamese label, ignoring case and accents; levels in every spelling."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from exchange.services import run_import
from exchange.testing import csv_bytes, template_rows
from personnel.models import Appointment, OrgUnit, Person, Qualification
from training.models import Course, TrainingRecord


def load(kind: str, records: list[dict]):
    outcome = run_import(
        kind=kind, file_name=f"{kind}.csv", content=csv_bytes(template_rows(kind, records)), dry_run=False
    )
    assert outcome.ok, outcome.errors
    return outcome


def dry_run(kind: str, records: list[dict]):
    return run_import(kind=kind, file_name=f"{kind}.csv", content=csv_bytes(template_rows(kind, records)), dry_run=True)


def test_unit_levels_accept_codes_and_labels(db):
    load(
        "don_vi",
        [
            {"Mã đơn vị": "HN", "Tên đơn vị": "Hà Nội", "Cấp": "Thành phố"},
            {"Mã đơn vị": "H1", "Tên đơn vị": "Quận 1", "Mã đơn vị cấp trên": "HN", "Cấp": "cap huyen"},
            {"Mã đơn vị": "X1", "Tên đơn vị": "Phường 1", "Mã đơn vị cấp trên": "H1", "Cấp": "CẤP XÃ"},
            {"Mã đơn vị": "X2", "Tên đơn vị": "Phường 2", "Mã đơn vị cấp trên": "H1", "Cấp": "xa"},
        ],
    )

    assert dict(OrgUnit.objects.values_list("code", "level")) == {
        "HN": "thanh_pho",
        "H1": "huyen",
        "X1": "xa",
        "X2": "xa",
    }


def person(code: str, **cells) -> dict:
    return {"Mã cán bộ": code, "Họ và tên": "Võ Thị Hoa", "Ngày sinh": "1990-05-06", "Mã đơn vị": "H01X1", **cells}


def test_personnel_code_lists_and_levels_accept_every_documented_spelling(units):
    load(
        "nhan_su",
        [
            person(
                "P1",
                **{
                    "Đối tượng": "Công chức cấp xã",
                    "Giới tính": "nữ",
                    "Cấp chức vụ": "2",
                    "Trình độ chuyên môn": "thac_si",
                    "Lý luận chính trị": "cao_cap",
                    "Quản lý nhà nước": "Chuyên viên chính",
                    "Ngoại ngữ": "B1",
                },
            ),
            person(
                "P2",
                **{
                    "Đối tượng": "VIEN CHUC",
                    "Giới tính": "Nam",
                    "Trình độ chuyên môn": "Đại học",
                    "Lý luận chính trị": "Cử nhân",
                    "Quản lý nhà nước": "3",
                    "Ngoại ngữ": "bậc 3",
                },
            ),
            person("P3", **{"Đối tượng": "khong_chuyen_trach", "Ngoại ngữ": "C2", "Lý luận chính trị": "Không"}),
        ],
    )

    rows = Person.objects.order_by("code").values_list(
        "category",
        "gender",
        "leadership_level",
        "education_level",
        "political_level",
        "state_management_level",
        "language_level",
    )
    assert list(rows) == [
        ("cong_chuc_xa", "nu", 2, 5, 3, 2, 3),
        ("vien_chuc", "nam", 0, 4, 4, 3, 3),
        ("khong_chuyen_trach", "", 0, 0, 0, 0, 6),
    ]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        *[("Có", True), ("co", True), ("x", True), ("X", True), ("1", True), ("yes", True)],
        *[("Không", False), ("KHÔNG", False), ("", False), ("0", False), ("no", False)],
    ],
)
def test_yes_no_cells_accept_every_documented_spelling(units, cell, expected):
    load("nhan_su", [person("P1", **{"Đối tượng": "cong_chuc_xa", "Chuyên môn phù hợp VTVL": cell})])

    assert Person.objects.get().field_suited is expected


def test_an_unknown_code_is_an_error_that_lists_the_accepted_values(units):
    outcome = dry_run("nhan_su", [person("P1", **{"Đối tượng": "công chức phường", "Giới tính": "khác"})])

    assert [(e.line, e.column, e.value) for e in outcome.errors] == [
        (2, "Giới tính", "khác"),
        (2, "Đối tượng", "công chức phường"),
    ]
    assert "cong_chuc_xa (Công chức cấp xã)" in outcome.errors[1].reason


def test_qualification_levels_follow_the_kind_of_the_row(units, make_person):
    make_person(code="P1")
    load(
        "van_bang",
        [
            {"Mã cán bộ": "P1", "Loại": "Lý luận chính trị", "Trình độ": "Cao cấp", "Ngày cấp": "2020-06-10"},
            {"Mã cán bộ": "P1", "Loại": "ngoai_ngu", "Trình độ": "B2"},
            {"Mã cán bộ": "P1", "Loại": "CHUYEN MON", "Trình độ": "Thạc sĩ", "Ngày cấp": "05/02/2021"},
        ],
    )

    assert sorted(Qualification.objects.values_list("kind", "level", "obtained_on")) == [
        ("chuyen_mon", 5, datetime.date(2021, 2, 5)),
        ("ly_luan_chinh_tri", 3, datetime.date(2020, 6, 10)),
        ("ngoai_ngu", 4, None),
    ]


def test_a_level_that_does_not_exist_on_the_kinds_ladder_is_an_error(units, make_person):
    make_person(code="P1")

    outcome = dry_run("van_bang", [{"Mã cán bộ": "P1", "Loại": "quan_ly_nha_nuoc", "Trình độ": "Thạc sĩ"}])

    assert [(e.column, e.value) for e in outcome.errors] == [("Trình độ", "Thạc sĩ")]


def test_level_zero_is_not_a_qualification_in_an_import_either(units, make_person):
    make_person(code="P1")

    outcome = dry_run("van_bang", [{"Mã cán bộ": "P1", "Loại": "ngoai_ngu", "Trình độ": "0"}])

    assert [(e.column, e.value) for e in outcome.errors] == [("Trình độ", "0")]
    assert "trình độ 0 không phải văn bằng" in outcome.errors[0].reason


def course(code: str, **cells) -> dict:
    return {
        "Mã khóa học": code,
        "Tên khóa học": f"Lớp {code}",
        "Loại khóa học": "phap_luat",
        "Từ ngày": "01/09/2023",
        "Đến ngày": "15/09/2024",
        **cells,
    }


def test_course_types_forms_and_granted_levels_accept_codes_and_labels(db):
    load(
        "khoa_hoc",
        [
            course("G1", **{"Hình thức": "Đào tạo", "Cấp trình độ": "ly_luan_chinh_tri:cao_cap"}),
            course("G2", **{"Hình thức": "boi_duong", "Cấp trình độ": "ngoai_ngu:B2"}),
            course("G3", **{"Cấp trình độ": "chuyen_mon:Trung cấp", "Loại khóa học": "bang_cap; Khác"}),
            course("G4", **{"Loại khóa học": "phap_luat;dao_duc_cong_vu;phap_luat;", "Số tiết": "40"}),
        ],
    )

    courses = {c.code: c for c in Course.objects.prefetch_related("types")}
    assert sorted((code, c.form, c.grants_kind, c.grants_level) for code, c in courses.items()) == [
        ("G1", "dao_tao", "ly_luan_chinh_tri", 3),
        ("G2", "boi_duong", "ngoai_ngu", 4),
        ("G3", "", "chuyen_mon", 2),
        ("G4", "", None, None),
    ]
    assert sorted(t.code for t in courses["G3"].types.all()) == ["bang_cap", "khac"]
    assert sorted(t.code for t in courses["G4"].types.all()) == ["dao_duc_cong_vu", "phap_luat"]
    assert courses["G4"].hours == 40


@pytest.mark.parametrize(
    ("cells", "column"),
    [
        ({"Loại khóa học": "phap_luat;bao_mat"}, "Loại khóa học"),
        ({"Loại khóa học": " ; "}, "Loại khóa học"),
        ({"Số tiết": "12,5"}, "Số tiết"),
        ({"Số tiết": "-3"}, "Số tiết"),
        ({"Cấp trình độ": "cao_cap"}, "Cấp trình độ"),
        ({"Cấp trình độ": "ngoai_ngu:D1"}, "Cấp trình độ"),
        ({"Hình thức": "tự học"}, "Hình thức"),
        ({"Đến ngày": "31/08/2023"}, "Đến ngày"),
    ],
)
def test_a_bad_course_cell_is_an_error(db, cells, column):
    outcome = dry_run("khoa_hoc", [course("G1", **cells)])

    assert [(e.line, e.column) for e in outcome.errors] == [(2, column)]


@time_machine.travel(datetime.datetime(2026, 11, 26, 12, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")), tick=False)
def test_results_and_appointment_kinds_accept_codes_and_labels(units, make_person, make_course):
    make_person(code="P1")
    make_course("phap_luat", code="K1", year=2024)
    make_course("dao_duc_cong_vu", code="K2", year=2024)
    make_course("ky_nang_cong_vu", code="K3", year=2024)
    load(
        "ket_qua",
        [
            {"Mã cán bộ": "P1", "Mã khóa học": "K1", "Kết quả": "Hoàn thành"},
            {"Mã cán bộ": "P1", "Mã khóa học": "K2", "Kết quả": "khong dat"},
            {"Mã cán bộ": "P1", "Mã khóa học": "K3", "Kết quả": "BỎ HỌC"},
        ],
    )
    load(
        "bo_nhiem",
        [
            {
                "Mã cán bộ": "P1",
                "Loại bổ nhiệm": "Bổ nhiệm chức vụ",
                "Chức danh": "Trưởng phòng",
                "Ngày bổ nhiệm": "01/03/2024",
            },
            {"Mã cán bộ": "P1", "Loại bổ nhiệm": "ngach", "Chức danh": "Chuyên viên", "Ngày bổ nhiệm": "2022-01-15"},
        ],
    )

    assert sorted(TrainingRecord.objects.values_list("course__code", "result")) == [
        ("K1", "hoan_thanh"),
        ("K2", "khong_dat"),
        ("K3", "bo_hoc"),
    ]
    assert sorted(Appointment.objects.values_list("kind", "appointed_on")) == [
        ("chuc_vu", datetime.date(2024, 3, 1)),
        ("ngach", datetime.date(2022, 1, 15)),
    ]
