"""Undoing a load: created records deleted, changed ones restored, refused when anything changed them since."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from exchange.models import ImportBatch, ImportStatus
from exchange.services import run_import, undo_batch
from exchange.testing import csv_bytes, template_rows
from exchange.undo import UndoRefused
from personnel.models import OrgUnit, Person
from personnel.services import save_person
from training.models import Course, TrainingRecord


@pytest.fixture(autouse=True)
def jobs_run_inline(settings):
    settings.IMPORT_JOBS_INLINE = True


@pytest.fixture
def admin(make_user):
    return make_user("quantri", role="admin", unit="HN")


def person(code: str, **cells) -> dict:
    return {
        "Mã cán bộ": code,
        "Họ và tên": "Trịnh Văn Quang",
        "Ngày sinh": "09/09/1979",
        "Mã đơn vị": "H01X1",
        "Đối tượng": "cong_chuc",
        **cells,
    }


def load(kind: str, records: list[dict], user=None) -> ImportBatch:
    outcome = run_import(
        kind=kind, file_name=f"{kind}.csv", content=csv_bytes(template_rows(kind, records)), dry_run=False, user=user
    )
    assert outcome.ok, outcome.errors
    return outcome.batch


def test_undoing_a_load_deletes_the_records_it_created_and_records_why(admin, units):
    batch = load("nhan_su", [person("A1"), person("A2")], admin)

    result = undo_batch(batch=batch, user=admin)

    assert (result.deleted, result.restored) == (2, 0)
    assert not Person.objects.filter(code__in=["A1", "A2"]).exists()
    batch.refresh_from_db()
    assert (batch.status, batch.undone_by) == (ImportStatus.UNDONE, admin)
    deleted = Person.history.filter(history_change_reason=f"undo:{batch.pk}")
    assert sorted(deleted.values_list("code", "history_type", "history_user")) == [
        ("A1", "-", admin.pk),
        ("A2", "-", admin.pk),
    ]


def test_undoing_a_load_restores_the_previous_version_of_the_records_it_changed(admin, units):
    load("nhan_su", [person("A1", **{"Trình độ chuyên môn": "Đại học"}), person("A2")], admin)
    second = load(
        "nhan_su",
        [
            person("A1", **{"Họ và tên": "Trịnh Thị Mai", "Trình độ chuyên môn": "Thạc sĩ", "Mã đơn vị": "H02"}),
            person("A3"),
        ],
        admin,
    )

    result = undo_batch(batch=second, user=admin)

    assert (result.deleted, result.restored) == (1, 1)
    restored = Person.objects.get(code="A1")
    assert (restored.full_name, restored.given_name, restored.education_level, restored.unit.code) == (
        "Trịnh Văn Quang",
        "Quang",
        4,
        "H01X1",
    )
    assert restored.search_text.startswith("trinh van quang")
    assert sorted(Person.objects.values_list("code", flat=True)) == ["A1", "A2"]
    latest = restored.history.first()
    assert (latest.history_type, latest.history_change_reason) == ("~", f"undo:{second.pk}")


def test_an_undo_is_refused_when_a_record_was_changed_since_and_nothing_is_undone(admin, units):
    batch = load("nhan_su", [person("A1"), person("A2")], admin)
    changed = Person.objects.get(code="A2")
    changed.position_title = "Phó trưởng phòng"
    save_person(person=changed)

    with pytest.raises(UndoRefused) as refused:
        undo_batch(batch=batch, user=admin)

    assert "đã được sửa hoặc xóa sau đó" in refused.value.message
    assert refused.value.details == ["Trịnh Văn Quang (A2)"]
    assert Person.objects.filter(code__in=["A1", "A2"]).count() == 2
    assert ImportBatch.objects.get(pk=batch.pk).status == ImportStatus.APPLIED
    assert not Person.history.filter(history_change_reason=f"undo:{batch.pk}").exists()


def test_an_undo_is_refused_when_created_persons_have_records_from_another_load(admin, make_course):
    make_course("phap_luat", code="K1", year=2024)
    persons = load("nhan_su", [person("A1"), person("A2")], admin)
    with time_machine.travel(datetime.datetime(2025, 3, 1, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))):
        load("ket_qua", [{"Mã cán bộ": "A2", "Mã khóa học": "K1", "Kết quả": "hoan_thanh"}], admin)

    with pytest.raises(UndoRefused) as refused:
        undo_batch(batch=persons, user=admin)

    assert refused.value.details[0].startswith("1 kết quả đào tạo (không thuộc lần nhập này)")
    assert Person.objects.filter(code__in=["A1", "A2"]).count() == 2
    assert TrainingRecord.objects.count() == 1


def test_undoing_the_later_load_first_lets_the_earlier_one_be_undone(admin, make_course):
    make_course("phap_luat", code="K1", year=2024)
    persons = load("nhan_su", [person("A1")], admin)
    with time_machine.travel(datetime.datetime(2025, 3, 1, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))):
        records = load("ket_qua", [{"Mã cán bộ": "A1", "Mã khóa học": "K1", "Kết quả": "hoan_thanh"}], admin)

    undo_batch(batch=records, user=admin)
    undo_batch(batch=persons, user=admin)

    assert not TrainingRecord.objects.exists()
    assert not Person.objects.filter(code="A1").exists()


def test_a_batch_is_undone_once(admin, units):
    batch = load("nhan_su", [person("A1")], admin)
    undo_batch(batch=batch, user=admin)

    with pytest.raises(UndoRefused, match="Chỉ hoàn tác được lần nhập đã ghi"):
        undo_batch(batch=batch, user=admin)


def unit(code: str, parent: str = "", level: str = "xa", name: str = "") -> dict:
    return {"Mã đơn vị": code, "Tên đơn vị": name or f"Đơn vị {code}", "Mã đơn vị cấp trên": parent, "Cấp": level}


def test_undoing_a_units_load_deletes_new_units_restores_moved_ones_and_rebuilds_paths(admin, units):
    batch = load(
        "don_vi",
        [unit("N1", "H01", "huyen"), unit("N1A", "N1"), unit("H01X2", "H02", name="UBND phường Trúc Bạch")],
        admin,
    )
    assert OrgUnit.objects.get(code="H01X2").is_within(OrgUnit.objects.get(code="H02"))

    result = undo_batch(batch=batch, user=admin)

    assert (result.deleted, result.restored) == (2, 1)
    assert not OrgUnit.objects.filter(code__in=["N1", "N1A"]).exists()
    moved_back = OrgUnit.objects.get(code="H01X2")
    assert moved_back.parent.code == "H01"
    assert moved_back.path == f"{units['HN'].pk}/{units['H01'].pk}/{moved_back.pk}/"


def test_a_units_load_is_not_undone_once_persons_work_in_its_new_units(admin, units):
    batch = load("don_vi", [unit("N1", "H01", "huyen")], admin)
    load("nhan_su", [person("A1", **{"Mã đơn vị": "N1"})], admin)

    with pytest.raises(UndoRefused) as refused:
        undo_batch(batch=batch, user=admin)

    assert "cán bộ" in refused.value.details[0]
    assert OrgUnit.objects.filter(code="N1").exists()


def course(code: str, **cells) -> dict:
    return {
        "Mã khóa học": code,
        "Tên khóa học": "Lớp bồi dưỡng",
        "Loại khóa học": "phap_luat",
        "Từ ngày": "01/03/2024",
        "Đến ngày": "05/03/2024",
        **cells,
    }


def test_undoing_a_courses_load_restores_each_courses_types(admin, db):
    load("khoa_hoc", [course("K1")], admin)
    second = load(
        "khoa_hoc", [course("K1", **{"Loại khóa học": "dao_duc_cong_vu;hdnd", "Số tiết": "40"}), course("K2")]
    )

    undo_batch(batch=second, user=admin)

    restored = Course.objects.get()
    assert (restored.code, restored.hours) == ("K1", None)
    assert list(restored.types.values_list("code", flat=True)) == ["phap_luat"]
    newest = restored.history.first()
    assert list(newest.types.values_list("coursetype_id", flat=True)) == ["phap_luat"]


def test_the_undo_page_asks_first_then_undoes(client, admin, units):
    batch = load("nhan_su", [person("A1")], admin)
    client.force_login(admin)
    url = reverse("exchange:undo", args=[batch.pk])

    asked = client.get(url)
    assert "Hoàn tác lần nhập này" in asked.content.decode()
    assert Person.objects.filter(code="A1").exists()
    done = client.post(url, follow=True)

    assert not Person.objects.filter(code="A1").exists()
    assert done.context["batch"].status == ImportStatus.UNDONE
    assert "Đã hoàn tác: xóa 1 bản ghi đã tạo, khôi phục 0 bản ghi đã sửa." in done.content.decode()
    assert client.post(url, follow=True).context["batch"].status == ImportStatus.UNDONE  # once only


def test_the_batch_page_lists_the_records_that_block_an_undo(client, admin, units):
    batch = load("nhan_su", [person("A1")], admin)
    changed = Person.objects.get(code="A1")
    changed.full_name = "Trịnh Văn Quảng"
    save_person(person=changed)
    client.force_login(admin)

    response = client.post(reverse("exchange:undo", args=[batch.pk]), follow=True)

    assert response.context["batch"].status == ImportStatus.APPLIED
    page = response.content.decode()
    assert "Không hoàn tác được; không có gì thay đổi." in page
    assert "Trịnh Văn Quảng (A1)" in page
    assert Person.objects.filter(code="A1").exists()
    assert ImportBatch.objects.get(pk=batch.pk).undone_by is None


def test_after_undoing_a_later_load_the_earlier_one_can_be_undone_too(admin, units):
    first = load("nhan_su", [person("A1", **{"Chức vụ": "Chuyên viên"})], admin)
    second = load("nhan_su", [person("A1", **{"Chức vụ": "Phó trưởng phòng"})], admin)

    with pytest.raises(UndoRefused):
        undo_batch(batch=first, user=admin)  # the second load changed A1 since
    undo_batch(batch=second, user=admin)
    assert Person.objects.get(code="A1").position_title == "Chuyên viên"
    undo_batch(batch=first, user=admin)

    assert not Person.objects.filter(code="A1").exists()
