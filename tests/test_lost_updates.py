"""No lost updates: the second of two concurrent edits of a record is refused, on the pages, the API and imports."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from knox.models import AuthToken
from rest_framework.test import APIClient

from core.concurrency import StaleEdit, StaleRecords, claim_versions, save_versioned
from exchange.resources import PersonResource
from exchange.services import run_import, undo_batch
from exchange.testing import csv_bytes, template_rows
from personnel.models import Appointment, Person, Qualification
from training.models import Course, TrainingRecord
from training.services import record_class

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
MORNING = datetime.datetime(2026, 11, 26, 9, 0, tzinfo=HANOI)
RELOAD = "Hãy tải lại trang để xem thay đổi trước khi lưu."


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(MORNING, tick=False):
        yield


@pytest.fixture
def first_user(make_user):
    return make_user("hr_mot", role="hr", unit="H01", first_name="Trần Thị Một")


@pytest.fixture
def second_user(make_user):
    return make_user("hr_hai", role="hr", unit="H01", first_name="Lê Văn Hai")


@pytest.fixture
def first(first_user):
    client = Client()
    client.force_login(first_user)
    return client


@pytest.fixture
def second(second_user):
    client = Client()
    client.force_login(second_user)
    return client


def form_data(response) -> dict:
    """Return what a browser would post back from the form of a page, unchanged (hidden version included)."""
    assert response.status_code == 200
    data = {}
    for field in response.context["form"]:
        value = field.value()
        if isinstance(value, bool):
            value = "on" if value else ""
        elif isinstance(value, list | tuple):
            value = [str(item) for item in value]
        data[field.name] = "" if value is None else value
    return data


def hidden_version(response) -> int:
    """Return the version the page's form carries in its hidden field."""
    found = re.search(r'<input type="hidden" name="version" value="(\d+)"', response.content.decode())
    assert found, "the edit form carries no hidden version"
    return int(found.group(1))


def stale_message(user_name: str, at: str) -> str:
    return f"Hồ sơ này vừa được người khác ({user_name}) sửa lúc {at}. {RELOAD}"


# --- the HR pages ------------------------------------------------------------------------------------


def test_the_second_save_of_the_same_person_is_refused_and_the_first_save_is_kept(first, second, make_person):
    person = make_person(full_name="Nguyễn Văn An", position_title="Chuyên viên")
    url = reverse("personnel:person_edit", args=[person.code])
    page_a, page_b = first.get(url), second.get(url)
    assert hidden_version(page_a) == hidden_version(page_b) == 1
    form_a, form_b = form_data(page_a), form_data(page_b)

    with time_machine.travel(MORNING + datetime.timedelta(minutes=30), tick=False):
        assert first.post(url, {**form_a, "position_title": "Trưởng phòng"}).status_code == 302
    refused = second.post(url, {**form_b, "position_title": "Phó phòng", "full_name": "Nguyễn Văn Ân"})

    assert refused.status_code == 409
    page = refused.content.decode()
    assert stale_message("Trần Thị Một", "09:30 26/11/2026") in page
    assert 'id="stale-edit"' in page
    assert page.index('id="stale-edit"') < page.index('name="full_name"')
    form = refused.context["form"]
    assert (form["full_name"].value(), form["position_title"].value()) == ("Nguyễn Văn Ân", "Phó phòng")
    assert 'value="Phó phòng"' in page  # what the second user typed is still in the form
    person.refresh_from_db()
    assert (person.full_name, person.position_title, person.version) == ("Nguyễn Văn An", "Trưởng phòng", 2)
    assert person.history.count() == 2  # created, then the first save; nothing of the refused one


def test_after_reloading_the_page_the_second_user_saves_over_the_first_save(first, second, make_person):
    person = make_person(position_title="Chuyên viên")
    url = reverse("personnel:person_edit", args=[person.code])
    form_a, form_b = form_data(first.get(url)), form_data(second.get(url))
    assert first.post(url, {**form_a, "position_title": "Trưởng phòng"}).status_code == 302
    assert second.post(url, {**form_b, "position_title": "Phó phòng"}).status_code == 409

    reloaded = second.get(url)
    assert hidden_version(reloaded) == 2
    assert form_data(reloaded)["position_title"] == "Trưởng phòng"
    assert second.post(url, {**form_data(reloaded), "position_title": "Phó phòng"}).status_code == 302
    person.refresh_from_db()
    assert (person.position_title, person.version) == ("Phó phòng", 3)
    latest = person.history.first()
    assert (latest.version, latest.history_user.username) == (3, "hr_hai")


@pytest.fixture
def child_records(make_person, make_course, qualify, appoint, complete):
    """Return {kind: (person, record)} for a qualification, an appointment and a training record."""
    person = make_person()
    course = make_course("phap_luat", year=2025)
    return {
        "qualification": (person, qualify(person, "ngoai_ngu", 2, datetime.date(2020, 1, 1))),
        "appointment": (person, appoint(person, "ngach", datetime.date(2021, 3, 1))),
        "training_record": (person, complete(person, course)),
    }


# (kind, a field of the form, the first user's value, the second user's value)
CHILD_EDITS = [
    ("qualification", "document_number", "NN-001", "NN-002"),
    ("appointment", "title", "Chuyên viên chính", "Chuyên viên cao cấp"),
    ("training_record", "certificate_number", "CC-001", "CC-002"),
]


@pytest.mark.parametrize(("kind", "field", "mine", "theirs"), CHILD_EDITS)
def test_the_second_save_of_a_qualification_appointment_or_training_record_is_refused(
    first, second, child_records, kind, field, mine, theirs
):
    person, record = child_records[kind]
    url = reverse(f"personnel:{kind}_edit", args=[person.code, record.pk])
    form_a, form_b = form_data(first.get(url)), form_data(second.get(url))
    assert form_a["version"] == form_b["version"] == 1
    if kind == "appointment":  # the person lacks the rank's course: both users confirm the warning
        form_a["confirm_missing_training"] = form_b["confirm_missing_training"] = "on"

    assert first.post(url, {**form_a, field: mine}).status_code == 302
    refused = second.post(url, {**form_b, field: theirs})

    assert refused.status_code == 409
    assert stale_message("Trần Thị Một", "09:00 26/11/2026") in refused.content.decode()
    assert refused.context["form"][field].value() == theirs
    record.refresh_from_db()
    assert (getattr(record, field), record.version) == (mine, 2)
    assert type(record).history.filter(id=record.pk).count() == 2


def test_the_second_save_of_a_course_is_refused(first, second, make_course, units):
    course = make_course("phap_luat", year=2025, provider="Trường A", unit=units["H01"])
    url = reverse("training:course_edit", args=[course.code])
    form_a, form_b = form_data(first.get(url)), form_data(second.get(url))
    assert first.post(url, {**form_a, "provider": "Trường B", "types": ["phap_luat", "hdnd"]}).status_code == 302
    refused = second.post(url, {**form_b, "provider": "Trường C", "types": ["ky_nang_cong_vu"]})
    assert refused.status_code == 409
    assert RELOAD in refused.content.decode()
    course.refresh_from_db()
    assert (course.provider, course.version) == ("Trường B", 2)
    assert set(course.types.values_list("code", flat=True)) == {"phap_luat", "hdnd"}


def test_a_record_deleted_meanwhile_is_reported_as_deleted(first, second, child_records):
    person, record = child_records["qualification"]
    url = reverse("personnel:qualification_edit", args=[person.code, record.pk])
    form_b = form_data(second.get(url))
    record.delete()
    assert second.post(url, {**form_b, "document_number": "X"}).status_code == 404
    # a service caller holding the record meets the rule's own message
    with pytest.raises(StaleEdit, match="vừa bị người khác xóa"):
        save_versioned(instance=record, version=1)


# --- the API --------------------------------------------------------------------------------------------


def api_as(user) -> APIClient:
    _instance, token = AuthToken.objects.create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_an_api_edit_with_a_stale_version_is_refused_with_409_and_writes_nothing(first_user, second_user, make_person):
    person = make_person(position_title="Chuyên viên")
    url = f"/api/v1/persons/{person.code}/"
    a, b = api_as(first_user), api_as(second_user)
    read_a, read_b = a.get(url).json(), b.get(url).json()
    assert read_a["version"] == read_b["version"] == 1

    saved = a.patch(url, {"position_title": "Trưởng phòng", "version": read_a["version"]}, format="json")
    assert saved.status_code == 200
    assert saved.json()["version"] == 2
    refused = b.put(url, {**read_b, "position_title": "Phó phòng"}, format="json")

    assert refused.status_code == 409
    assert refused.json() == {"detail": stale_message("Trần Thị Một", "09:00 26/11/2026"), "version": 2}
    person.refresh_from_db()
    assert (person.position_title, person.version) == ("Trưởng phòng", 2)
    assert person.history.count() == 2


@pytest.mark.parametrize("kind", ["qualification", "appointment", "training_record"])
def test_api_edits_of_a_persons_records_are_refused_when_stale(first_user, child_records, kind):
    _person, record = child_records[kind]
    prefix = {"qualification": "qualifications", "appointment": "appointments", "training_record": "training-records"}
    url = f"/api/v1/{prefix[kind]}/{record.pk}/"
    client = api_as(first_user)
    assert client.patch(url, {"version": 1}, format="json").status_code == 200  # saved as is: version 2
    refused = client.patch(url, {"version": 1}, format="json")
    assert refused.status_code == 409
    assert refused.json()["version"] == 2
    record.refresh_from_db()
    assert record.version == 2


def test_an_api_edit_without_a_version_is_written_and_makes_older_reads_stale(
    first_user, make_person, make_course, units
):
    person = make_person()
    client = api_as(first_user)
    assert (
        client.patch(f"/api/v1/persons/{person.code}/", {"position_title": "Phó phòng"}, format="json").json()[
            "version"
        ]
        == 2
    )
    course = make_course("phap_luat", unit=units["H01"])
    refused = client.patch(f"/api/v1/courses/{course.code}/", {"hours": 8, "version": 7}, format="json")
    assert refused.status_code == 409
    new = client.post("/api/v1/persons/", {**_new_person(), "version": 9}, format="json")
    assert new.status_code == 201
    assert new.json()["version"] == 1


def _new_person() -> dict:
    return {
        "code": "CB0999",
        "full_name": "Phạm Văn Mới",
        "birth_date": "1990-01-01",
        "unit": "H01",
        "category": "cong_chuc",
    }


def test_the_schema_documents_the_version_and_the_409_of_a_stale_edit(first_user):
    schema = api_as(first_user).get("/api/v1/schema/", {"format": "json"}).json()
    person = schema["paths"]["/api/v1/persons/{code}/"]
    for method in ("put", "patch"):
        conflict = person[method]["responses"]["409"]
        assert "đã được người khác sửa" in conflict["description"]
        assert conflict["content"]["application/json"]["schema"]["$ref"].endswith("/StaleEditError")
    assert "409" in person["delete"]["responses"]  # still the "referred to" answer of a delete
    fields = schema["components"]["schemas"]
    assert "version" in fields["PatchedPersonRequest"]["properties"]
    assert "409" in fields["PersonRequest"]["properties"]["version"]["description"]
    assert set(fields["StaleEditError"]["properties"]) == {"detail", "version"}


# --- imports and other bulk writes ------------------------------------------------------------------------


def person_row(person: Person, **cells) -> dict:
    return {
        "Mã cán bộ": person.code,
        "Họ và tên": person.full_name,
        "Ngày sinh": person.birth_date.strftime("%d/%m/%Y"),
        "Mã đơn vị": person.unit.code,
        "Đối tượng": person.category,
        **cells,
    }


def load(kind: str, rows: list[dict], user=None):
    return run_import(
        kind=kind, file_name=f"{kind}.csv", content=csv_bytes(template_rows(kind, rows)), dry_run=False, user=user
    )


def test_an_import_that_changes_a_person_makes_an_open_edit_form_stale(first, first_user, make_person):
    person = make_person(position_title="Chuyên viên")
    url = reverse("personnel:person_edit", args=[person.code])
    opened = form_data(first.get(url))

    unchanged = load("nhan_su", [person_row(person, **{"Chức vụ": "Chuyên viên"})])
    assert unchanged.ok
    assert unchanged.unchanged == 1
    assert Person.objects.get(pk=person.pk).version == 1  # an unchanged row writes nothing

    changed = load("nhan_su", [person_row(person, **{"Chức vụ": "Trưởng phòng"})], user=first_user)
    assert changed.ok
    assert changed.updated == 1
    person.refresh_from_db()
    assert (person.position_title, person.version) == ("Trưởng phòng", 2)
    assert person.history.first().version == 2  # the history row records the version it wrote

    refused = first.post(url, {**opened, "position_title": "Phó phòng"})
    assert refused.status_code == 409
    person.refresh_from_db()
    assert person.position_title == "Trưởng phòng"


def test_every_import_template_with_versions_bumps_the_version_of_the_records_it_changes(
    make_person, make_course, qualify, appoint, complete
):
    person = make_person(code="P1")
    course = make_course("phap_luat", code="K1", year=2024)
    qualify(person, "ngoai_ngu", 3, datetime.date(2020, 1, 1))
    appoint(person, "ngach", datetime.date(2021, 3, 1))
    complete(person, course, result="dang_hoc")
    files = {
        "van_bang": [
            {"Mã cán bộ": "P1", "Loại": "ngoai_ngu", "Trình độ": "3", "Ngày cấp": "01/01/2020", "Số hiệu văn bằng": "X"}
        ],
        "bo_nhiem": [
            {
                "Mã cán bộ": "P1",
                "Loại bổ nhiệm": "ngach",
                "Chức danh": "Chuyên viên chính",
                "Ngày bổ nhiệm": "01/03/2021",
            }
        ],
        "ket_qua": [{"Mã cán bộ": "P1", "Mã khóa học": "K1", "Kết quả": "hoan_thanh"}],
        "khoa_hoc": [
            {
                "Mã khóa học": "K1",
                "Tên khóa học": course.title,
                "Loại khóa học": "phap_luat;hdnd",
                "Từ ngày": "01/06/2024",
                "Đến ngày": "30/06/2024",
            }
        ],
    }
    for kind, rows in files.items():
        outcome = load(kind, rows)
        assert outcome.ok, (kind, outcome.errors)
        assert outcome.updated == 1, (kind, outcome.errors)
    for model in (Qualification, Appointment, TrainingRecord, Course):
        assert list(model.objects.values_list("version", flat=True)) == [2], model


def test_an_import_refuses_the_file_when_a_record_was_saved_while_the_file_was_being_checked(make_person, monkeypatch):
    person = make_person(position_title="Chuyên viên")
    build = PersonResource.build

    def build_then_someone_saves(resource):
        built = build(resource)
        Person.objects.filter(pk=person.pk).update(position_title="Giám đốc", version=2)  # an HR save lands now
        return built

    monkeypatch.setattr(PersonResource, "build", build_then_someone_saves)
    outcome = load("nhan_su", [person_row(person, **{"Chức vụ": "Trưởng phòng"})])

    assert not outcome.ok
    assert [str(error) for error in outcome.errors] == [
        "Tệp: 1 cán bộ vừa được người khác sửa hoặc xóa trong lúc ghi; chưa ghi gì. Hãy thử lại."
    ]
    person.refresh_from_db()
    assert (person.position_title, person.version) == ("Giám đốc", 2)
    assert not person.history.filter(history_change_reason__startswith="import:").exists()


def test_recording_a_class_and_undoing_an_import_bump_versions_too(first_user, make_person, make_course, complete):
    person = make_person()
    course = make_course("phap_luat", year=2025)
    record = complete(person, course, result="dang_hoc")
    record_class(course=course, persons=[person], result="hoan_thanh", completed_on=None, user=first_user)
    record.refresh_from_db()
    assert (record.result, record.version) == ("hoan_thanh", 2)

    batch = load("nhan_su", [person_row(person, **{"Chức vụ": "Trưởng phòng"})], user=first_user).batch
    undo_batch(batch=batch, user=first_user)
    person.refresh_from_db()
    # Undo puts the values back, not the version: whoever read version 2 (the import's) is refused.
    assert (person.position_title, person.version) == ("", 3)


def test_a_bulk_claim_of_versions_refuses_records_read_before_someone_saved_them(make_person):
    from django.db import transaction

    people = [make_person(), make_person()]
    Person.objects.filter(pk=people[1].pk).update(version=5)
    with transaction.atomic(), pytest.raises(StaleRecords) as refused:
        claim_versions(Person, people)
    assert refused.value.pks == [people[1].pk]
    assert [p.version for p in people] == [1, 1]  # nothing bumped when refused
