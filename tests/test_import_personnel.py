"""Personnel rows: citizen IDs, leadership levels, terms, and the declared levels a re-import replaces."""

import pytest

from exchange.services import run_import
from exchange.testing import csv_bytes, template_rows
from personnel.models import Person


def person(code: str, **cells) -> dict:
    return {
        "Mã cán bộ": code,
        "Họ và tên": "Đặng Thu Trang",
        "Ngày sinh": "15/08/1988",
        "Mã đơn vị": "H02",
        "Đối tượng": "can_bo",
        **cells,
    }


def run(records: list[dict], dry_run: bool = False):
    content = csv_bytes(template_rows("nhan_su", records))
    return run_import(kind="nhan_su", file_name="nhan_su.csv", content=content, dry_run=dry_run)


def errors_of(outcome) -> list[tuple]:
    return [(e.line, e.column, e.value) for e in outcome.errors]


@pytest.mark.parametrize("citizen_id", ["00123456789", "0012345678901", "00123456789A", "001 234 567 89"])
def test_a_citizen_id_must_have_exactly_12_digits(units, citizen_id):
    assert errors_of(run([person("P1", **{"Số CCCD": citizen_id})], dry_run=True)) == [(2, "Số CCCD", citizen_id)]


def test_a_citizen_id_keeps_its_leading_zero_and_an_empty_one_is_none(units):
    run([person("P1", **{"Số CCCD": "001088012345"}), person("P2")])

    assert dict(Person.objects.values_list("code", "citizen_id")) == {"P1": "001088012345", "P2": None}


def test_a_citizen_id_twice_in_the_file_is_an_error_on_the_later_row(units):
    outcome = run([person("P1", **{"Số CCCD": "001088012345"}), person("P2", **{"Số CCCD": "001088012345"})])

    assert errors_of(outcome) == [(3, "Số CCCD", "001088012345")]
    assert "dòng 2" in outcome.errors[0].reason


def test_a_citizen_id_held_by_another_person_is_an_error_but_its_holder_may_keep_it(make_person):
    make_person(code="OLD", citizen_id="001088012345")

    outcome = run([person("OLD", **{"Số CCCD": "001088012345"}), person("NEW", **{"Số CCCD": "001088012345"})])

    assert errors_of(outcome) == [(3, "Số CCCD", "001088012345")]
    assert "«OLD»" in outcome.errors[0].reason


@pytest.mark.parametrize(("cell", "level"), [("", 0), ("0", 0), ("4", 4), ("Cấp phòng và tương đương", 2)])
def test_the_leadership_level_is_0_to_4_and_defaults_to_0(units, cell, level):
    run([person("P1", **{"Cấp chức vụ": cell})])

    assert Person.objects.get().leadership_level == level


@pytest.mark.parametrize("cell", ["5", "-1", "2.5", "trưởng phòng"])
def test_a_leadership_level_outside_0_to_4_is_an_error(units, cell):
    assert errors_of(run([person("P1", **{"Cấp chức vụ": cell})], dry_run=True)) == [(2, "Cấp chức vụ", cell)]


def test_the_level_columns_replace_the_declared_levels_on_reimport(units):
    run([person("P1", **{"Trình độ chuyên môn": "Thạc sĩ", "Ngoại ngữ": "B2", "Lý luận chính trị": "Cao cấp"})])

    outcome = run([person("P1", **{"Trình độ chuyên môn": "Đại học", "Ngoại ngữ": "", "Lý luận chính trị": "Cao cấp"})])

    assert outcome.rows[0].changed == ["Trình độ chuyên môn", "Ngoại ngữ"]
    assert Person.objects.values_list("education_level", "language_level", "political_level").get() == (4, 0, 3)


def test_a_deputy_term_must_read_like_2021_2026(units):
    outcome = run([person("P1", **{"Nhiệm kỳ HĐND": "2021 - 2026"}), person("P2", **{"Nhiệm kỳ HĐND": "2021"})])

    assert errors_of(outcome) == [(3, "Nhiệm kỳ HĐND", "2021")]


def test_leaving_before_starting_is_an_error(units):
    outcome = run([person("P1", **{"Ngày bắt đầu công tác": "01/09/2010", "Ngày thôi việc": "31/08/2010"})])

    assert errors_of(outcome) == [(2, "Ngày thôi việc", "31/08/2010")]


def test_required_cells_may_not_be_empty(units):
    outcome = run([person("P1", **{"Họ và tên": " ", "Ngày sinh": "", "Mã đơn vị": "", "Đối tượng": ""})])

    assert errors_of(outcome) == [
        (2, "Họ và tên", " "),
        (2, "Ngày sinh", ""),
        (2, "Mã đơn vị", ""),
        (2, "Đối tượng", ""),
    ]
    assert {e.reason for e in outcome.errors} == {"Không được để trống."}


def test_a_person_in_the_file_twice_is_an_error(units):
    assert errors_of(run([person("P1"), person("P1")])) == [(3, "Mã cán bộ", "P1")]
