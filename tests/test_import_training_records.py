"""Training records: the completion-date rules of data-exchange §5, and references to persons and courses."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from exchange.services import run_import
from exchange.testing import csv_bytes, template_rows
from training.models import TrainingRecord


@pytest.fixture
def on_1_august_2025():
    with time_machine.travel(datetime.datetime(2025, 8, 1, 9, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")), tick=False):
        yield


@pytest.fixture
def courses(make_course):
    """K2024 runs 01/06/2024–30/06/2024, K2025 01/02/2025–20/02/2025, KFUT (after today) September 2025."""
    return {
        "K2024": make_course("phap_luat", code="K2024", year=2024),
        "K2025": make_course(
            "phap_luat", code="K2025", start_date=datetime.date(2025, 2, 1), end_date=datetime.date(2025, 2, 20)
        ),
        "KFUT": make_course(
            "phap_luat", code="KFUT", start_date=datetime.date(2025, 9, 1), end_date=datetime.date(2025, 9, 30)
        ),
    }


def record(course: str, result: str = "hoan_thanh", on: str = "", person: str = "P1") -> dict:
    return {"Mã cán bộ": person, "Mã khóa học": course, "Kết quả": result, "Ngày hoàn thành": on}


def run(records: list[dict], dry_run: bool = False):
    content = csv_bytes(template_rows("ket_qua", records))
    return run_import(kind="ket_qua", file_name="ket_qua.csv", content=content, dry_run=dry_run)


def test_completion_dates_within_the_rules_are_accepted(make_person, courses, on_1_august_2025):
    make_person(code="P1")
    make_person(code="P2")

    outcome = run(
        [
            record("K2024", on="30/06/2025"),  # exactly one year after the end
            record("K2025", on="2025-02-01"),  # on the first day
            record("KFUT", result="dang_hoc"),
            record("K2024", person="P2"),  # no date: counts from the course's end
            record("K2025", result="Không đạt", person="P2"),
        ]
    )

    assert outcome.ok, outcome.errors
    assert outcome.new == 5
    assert TrainingRecord.objects.get(person__code="P2", course__code="K2024").completed_on is None


def test_every_broken_completion_rule_is_reported_and_nothing_is_written(make_person, courses, on_1_august_2025):
    make_person(code="P1")
    make_person(code="P2")
    make_person(code="P3")

    outcome = run(
        [
            record("K2024", on="31/05/2024"),
            record("K2025", on="2025-08-02"),
            record("K2024", on="01/07/2025", person="P2"),
            record("K2025", result="khong_dat", on="20/02/2025", person="P2"),
            record("KFUT", person="P3"),
            record("K2024", result="dang_hoc", person="P3"),
        ]
    )

    assert [(e.line, e.column, e.value) for e in outcome.errors] == [
        (2, "Ngày hoàn thành", "31/05/2024"),
        (3, "Ngày hoàn thành", "2025-08-02"),
        (4, "Ngày hoàn thành", "01/07/2025"),
        (5, "Ngày hoàn thành", "20/02/2025"),
        (6, "Ngày hoàn thành", ""),
    ]
    reasons = [e.reason for e in outcome.errors]
    assert "trước ngày bắt đầu khóa học (01/06/2024)" in reasons[0]
    assert "tương lai" in reasons[1]
    assert "sau ngày kết thúc khóa học quá một năm (muộn nhất 30/06/2025)" in reasons[2]
    assert "Hoàn thành" in reasons[3]
    assert "30/09/2025" in reasons[4]
    assert [row.status for row in outcome.rows][-1] == "new"  # valid, but the file is refused as a whole
    assert not TrainingRecord.objects.exists()


def test_a_missing_person_or_course_code_is_an_error(make_person, courses, on_1_august_2025):
    make_person(code="P1")

    outcome = run([record("K9999"), record("K2024", person="P404"), record("K2024")])

    assert [(e.line, e.column, e.value) for e in outcome.errors] == [
        (2, "Mã khóa học", "K9999"),
        (3, "Mã cán bộ", "P404"),
    ]
    assert "Không có khóa học mã «K9999»" in outcome.errors[0].reason
    assert "Không có cán bộ mã «P404»" in outcome.errors[1].reason
    assert not TrainingRecord.objects.exists()


def test_the_same_person_and_course_twice_in_a_file_is_an_error(make_person, courses, on_1_august_2025):
    make_person(code="P1")

    outcome = run([record("K2024"), record("K2025"), record("K2024", result="khong_dat")], dry_run=True)

    assert [(e.line, e.column, e.reason) for e in outcome.errors] == [
        (4, "Mã cán bộ", "Trùng khóa với dòng 2 của tệp.")
    ]
