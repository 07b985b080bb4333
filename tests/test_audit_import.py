"""Audit trail of imports: one history row per record an import created or changed, with who, when and the batch.

Runs on both databases: on PostgreSQL the import writes records and history rows with COPY
(``exchange.bulk``), elsewhere with simple-history's bulk helpers; both must tag every row alike.
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from exchange.services import run_import
from exchange.testing import csv_bytes, template_rows
from personnel.models import Appointment, Person, Qualification
from training.models import TrainingRecord

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
BEFORE = datetime.datetime(2026, 11, 20, 8, 0, tzinfo=HANOI)
LOAD_TIME = datetime.datetime(2026, 11, 26, 10, 15, tzinfo=HANOI)
D = datetime.date
MODEL_OF_KIND = {"nhan_su": Person, "van_bang": Qualification, "ket_qua": TrainingRecord, "bo_nhiem": Appointment}


@pytest.fixture
def importer(make_user):
    return make_user("nhap_lieu", role="admin", unit="HN", first_name="Đỗ Thị Nhập")


@pytest.fixture
def stored(make_person, make_course, qualify, appoint, complete):
    """Return the records the files below find already stored (made a week before the load)."""
    with time_machine.travel(BEFORE, tick=False):
        changed = make_person(code="P-SUA", full_name="Nguyễn Văn Sửa", position_title="Chuyên viên")
        same = make_person(code="P-GIU", full_name="Trần Thị Giữ", position_title="Chuyên viên")
        course = make_course("phap_luat", code="K-2025", year=2025)
        make_course("ky_nang_cong_vu", code="K-KN", year=2025)
        qualify(changed, "ngoai_ngu", 3, D(2020, 1, 1))
        qualify(same, "ngoai_ngu", 3, D(2020, 1, 1))
        appoint(changed, "ngach", D(2021, 3, 1), title="Chuyên viên")
        appoint(same, "ngach", D(2021, 3, 1), title="Chuyên viên")
        complete(changed, course, result="dang_hoc")
        complete(same, course, result="dang_hoc")
    return {"changed": changed, "same": same}


def person_row(code: str, name: str, **cells) -> dict:
    return {
        "Mã cán bộ": code,
        "Họ và tên": name,
        "Ngày sinh": "01/01/1980",
        "Mã đơn vị": "H01",
        "Đối tượng": "cong_chuc",
        **cells,
    }


# Per template: rows that create (N), change (M) and leave unchanged (1) records.
FILES = {
    "nhan_su": [
        person_row("P-MOI-1", "Lê Văn Một", **{"Chức vụ": "Chuyên viên"}),
        person_row("P-MOI-2", "Lê Thị Hai"),
        person_row("P-SUA", "Nguyễn Văn Sửa", **{"Chức vụ": "Trưởng phòng"}),
        person_row("P-GIU", "Trần Thị Giữ", **{"Chức vụ": "Chuyên viên"}),
    ],
    "van_bang": [
        {
            "Mã cán bộ": "P-SUA",
            "Loại": "ngoai_ngu",
            "Trình độ": "3",
            "Ngày cấp": "01/01/2020",
            "Số hiệu văn bằng": "B1",
        },
        {"Mã cán bộ": "P-GIU", "Loại": "ngoai_ngu", "Trình độ": "3", "Ngày cấp": "01/01/2020"},
        {"Mã cán bộ": "P-SUA", "Loại": "ly_luan_chinh_tri", "Trình độ": "3", "Ngày cấp": "01/06/2024"},
    ],
    "ket_qua": [
        {"Mã cán bộ": "P-SUA", "Mã khóa học": "K-2025", "Kết quả": "hoan_thanh"},
        {"Mã cán bộ": "P-GIU", "Mã khóa học": "K-2025", "Kết quả": "dang_hoc"},
        {"Mã cán bộ": "P-SUA", "Mã khóa học": "K-KN", "Kết quả": "hoan_thanh"},
        {"Mã cán bộ": "P-MOI-1", "Mã khóa học": "K-KN", "Kết quả": "dang_hoc"},
    ],
    "bo_nhiem": [
        {
            "Mã cán bộ": "P-SUA",
            "Loại bổ nhiệm": "ngach",
            "Chức danh": "Chuyên viên chính",
            "Ngày bổ nhiệm": "01/03/2021",
        },
        {"Mã cán bộ": "P-GIU", "Loại bổ nhiệm": "ngach", "Chức danh": "Chuyên viên", "Ngày bổ nhiệm": "01/03/2021"},
        {"Mã cán bộ": "P-SUA", "Loại bổ nhiệm": "chuc_vu", "Chức danh": "Trưởng phòng", "Ngày bổ nhiệm": "01/10/2026"},
    ],
}
# (new, updated, unchanged) each file must report.
EXPECTED_COUNTS = {"nhan_su": (2, 1, 1), "van_bang": (1, 1, 1), "ket_qua": (2, 1, 1), "bo_nhiem": (1, 1, 1)}


@pytest.fixture
def loads(stored, importer):
    """Import the four files, in order, as the importer at LOAD_TIME; return {kind: outcome}."""
    outcomes = {}
    with time_machine.travel(LOAD_TIME, tick=False):
        for kind, rows in FILES.items():
            content = csv_bytes(template_rows(kind, rows))
            outcome = run_import(kind=kind, file_name=f"{kind}.csv", content=content, dry_run=False, user=importer)
            assert outcome.ok, outcome.errors
            outcomes[kind] = outcome
    return outcomes


@pytest.mark.parametrize("kind", list(FILES))
def test_an_import_writes_one_history_row_per_record_it_created_or_changed(loads, importer, kind):
    outcome = loads[kind]
    batch = outcome.batch
    assert (outcome.new, outcome.updated, outcome.unchanged) == EXPECTED_COUNTS[kind]
    assert (batch.new_count, batch.updated_count) == (outcome.new, outcome.updated)

    rows = list(batch.history(MODEL_OF_KIND[kind]).select_related("history_user"))

    assert len(rows) == outcome.new + outcome.updated  # unchanged rows leave no history
    assert sorted(row.history_type for row in rows) == sorted("+" * outcome.new + "~" * outcome.updated)
    assert {row.history_user for row in rows} == {importer}
    assert {row.history_date for row in rows} == {LOAD_TIME}
    written = {row.object_id for row in outcome.rows if row.status in ("new", "updated")}
    assert {row.id for row in rows} == written


def test_the_audited_changes_of_all_the_imports_add_up_to_the_changes_they_reported(loads):
    reported = sum(outcome.new + outcome.updated for outcome in loads.values())
    audited = sum(
        model.history.filter(history_change_reason__startswith="import:").count() for model in MODEL_OF_KIND.values()
    )
    assert audited == reported == 10


def test_an_updated_record_keeps_its_earlier_versions_and_the_import_records_the_new_one(loads, stored):
    changed = Person.objects.get(pk=stored["changed"].pk)
    versions = list(changed.history.order_by("history_date", "history_id"))
    assert [(v.history_type, v.position_title, v.history_date) for v in versions] == [
        ("+", "Chuyên viên", BEFORE),
        ("~", "Trưởng phòng", LOAD_TIME),
    ]
    assert versions[-1].history_change_reason == loads["nhan_su"].batch.history_reason
    assert versions[-1].version == changed.version == 2


def test_the_person_page_shows_the_imports_changes_with_who_and_when(loads, stored, make_user):
    client = Client()
    client.force_login(make_user("hr_h01", role="hr", unit="H01"))
    person = stored["changed"]

    response = client.get(reverse("personnel:person_detail", args=[person.code]))

    assert response.status_code == 200
    imported = [entry for entry in response.context["history"] if entry.reason.startswith("import:")]
    tagged = sum(
        model.history.filter(**{lookup: person.pk}, history_change_reason__startswith="import:").count()
        for model, lookup in [
            (Person, "id"),
            (Qualification, "person_id"),
            (TrainingRecord, "person_id"),
            (Appointment, "person_id"),
        ]
    )
    assert len(imported) == tagged == 7  # profile, 2 qualifications, 2 results, 2 appointments
    assert {entry.who for entry in imported} == {"Đỗ Thị Nhập"}
    assert {entry.when for entry in imported} == {LOAD_TIME}
    profile = next(entry for entry in imported if entry.subject == "Hồ sơ cán bộ")
    assert (profile.action, profile.changes) == ("Sửa", [("Chức vụ", "Chuyên viên", "Trưởng phòng")])
    assert {entry.action for entry in imported} == {"Thêm", "Sửa"}
    page = response.content.decode()
    assert "Đỗ Thị Nhập" in page
    assert "26/11/2026 10:15" in page
    assert "Chức vụ: <del>Chuyên viên</del> → <ins>Trưởng phòng</ins>" in page
    assert f"({loads['nhan_su'].batch.history_reason})" in page


def test_an_import_that_changes_nothing_writes_no_history(loads, importer):
    before = sum(model.history.count() for model in MODEL_OF_KIND.values())
    with time_machine.travel(LOAD_TIME + datetime.timedelta(hours=1), tick=False):
        again = run_import(
            kind="bo_nhiem",
            file_name="bo_nhiem.csv",
            content=csv_bytes(template_rows("bo_nhiem", FILES["bo_nhiem"])),
            dry_run=False,
            user=importer,
        )
    assert (again.new, again.updated, again.unchanged) == (0, 0, 3)
    assert not again.batch.history(Appointment).exists()
    assert sum(model.history.count() for model in MODEL_OF_KIND.values()) == before
