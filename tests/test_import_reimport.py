"""Natural keys: re-importing a file changes nothing; a changed row updates its record (and only it)."""

import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine

from exchange.services import RowStatus, run_import
from exchange.testing import csv_bytes, template_rows
from personnel.models import Appointment, OrgUnit, Person, Qualification
from training.models import Course, TrainingRecord

SAMPLE = Path(__file__).resolve().parents[2] / "shared" / "examples" / "sample"
ORDER = ["don_vi", "nhan_su", "van_bang", "khoa_hoc", "ket_qua", "bo_nhiem"]
MODELS = [OrgUnit, Person, Qualification, Course, TrainingRecord, Appointment]


@pytest.fixture
def after_the_sample():
    with time_machine.travel(datetime.datetime(2026, 11, 26, 12, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")), tick=False):
        yield


def load(kind: str, content: bytes, name: str = "file.csv"):
    return run_import(kind=kind, file_name=name, content=content, dry_run=False)


def test_reimporting_every_sample_file_changes_nothing(db, after_the_sample):
    for kind in ORDER:
        assert load(kind, (SAMPLE / f"{kind}.csv").read_bytes()).ok
    history_before = [model.history.count() for model in MODELS]
    through_history_before = Course.history.model.types.model.objects.count()

    for kind in ORDER:
        outcome = load(kind, (SAMPLE / f"{kind}.csv").read_bytes())
        assert outcome.ok, outcome.errors
        assert (outcome.new, outcome.updated) == (0, 0), kind
        assert outcome.unchanged == len(outcome.rows) > 0
        assert {row.status for row in outcome.rows} == {RowStatus.UNCHANGED}

    assert [model.history.count() for model in MODELS] == history_before
    assert Course.history.model.types.model.objects.count() == through_history_before


def person(code: str, **cells) -> dict:
    return {
        "Mã cán bộ": code,
        "Họ và tên": "Nguyễn Văn An",
        "Ngày sinh": "01/02/1980",
        "Mã đơn vị": "H01",
        "Đối tượng": "cong_chuc",
        "Trình độ chuyên môn": "Đại học",
        **cells,
    }


def test_a_changed_row_updates_its_record_and_reports_the_changed_columns(units):
    first_load = load("nhan_su", csv_bytes(template_rows("nhan_su", [person("A1"), person("A2")])))
    second = Person.objects.get(code="A2")
    assert [row.object_id for row in first_load.rows] == [Person.objects.get(code="A1").pk, second.pk]

    outcome = load(
        "nhan_su",
        csv_bytes(
            template_rows(
                "nhan_su", [person("A1"), person("A2", **{"Họ và tên": "Trần Thị Bình", "Trình độ chuyên môn": "5"})]
            )
        ),
    )

    assert (outcome.new, outcome.updated, outcome.unchanged) == (0, 1, 1)
    assert [(row.line, row.status, row.changed) for row in outcome.rows] == [
        (2, RowStatus.UNCHANGED, []),
        (3, RowStatus.UPDATED, ["Họ và tên", "Trình độ chuyên môn"]),
    ]
    second.refresh_from_db()
    assert (second.full_name, second.given_name, second.education_level) == ("Trần Thị Bình", "Bình", 5)
    assert second.search_text.startswith("tran thi binh")
    latest = second.history.first()
    assert (latest.history_type, latest.history_change_reason) == ("~", outcome.batch.history_reason)
    assert Person.objects.get(code="A1").history.count() == 1


def test_a_changed_training_record_updates_the_existing_record(make_person, make_course):
    someone = make_person(code="P1")
    make_course("phap_luat", code="K1", year=2024)
    rows = [{"Mã cán bộ": "P1", "Mã khóa học": "K1", "Kết quả": "dang_hoc"}]
    load("ket_qua", csv_bytes(template_rows("ket_qua", rows)))

    rows[0].update({"Kết quả": "Hoàn thành", "Ngày hoàn thành": "30/06/2024"})
    outcome = load("ket_qua", csv_bytes(template_rows("ket_qua", rows)))

    assert [row.changed for row in outcome.rows] == [["Kết quả", "Ngày hoàn thành"]]
    record = TrainingRecord.objects.get()
    assert (record.person, record.result, record.completed_on) == (someone, "hoan_thanh", datetime.date(2024, 6, 30))


def test_a_course_whose_types_change_keeps_the_types_of_each_version_in_its_history(db):
    row = {
        "Mã khóa học": "K1",
        "Tên khóa học": "Lớp pháp luật",
        "Loại khóa học": "phap_luat",
        "Từ ngày": "01/03/2024",
        "Đến ngày": "05/03/2024",
    }
    load("khoa_hoc", csv_bytes(template_rows("khoa_hoc", [row])))
    row["Loại khóa học"] = "phap_luat;dao_duc_cong_vu"

    outcome = load("khoa_hoc", csv_bytes(template_rows("khoa_hoc", [row])))

    assert [row.changed for row in outcome.rows] == [["Loại khóa học"]]
    course = Course.objects.get()
    assert sorted(course.types.values_list("code", flat=True)) == ["dao_duc_cong_vu", "phap_luat"]
    newest, oldest = course.history.all()
    assert sorted(newest.types.values_list("coursetype_id", flat=True)) == ["dao_duc_cong_vu", "phap_luat"]
    assert list(oldest.types.values_list("coursetype_id", flat=True)) == ["phap_luat"]


def test_text_with_backslashes_quotes_and_tabs_is_stored_as_written(make_person):
    make_person(code="P1")
    number = 'VB\\2021\t"số 7"; Ñ'
    rows = [{"Mã cán bộ": "P1", "Loại": "ngoai_ngu", "Trình độ": "B1", "Số hiệu văn bằng": number}]

    load("van_bang", csv_bytes(template_rows("van_bang", rows)))
    again = load("van_bang", csv_bytes(template_rows("van_bang", rows)))

    assert Qualification.objects.get().document_number == number
    assert Qualification.history.get().document_number == number
    assert again.unchanged == 1
