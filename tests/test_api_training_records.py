"""Training records and courses through the API: the completion-date rules, and all-or-nothing bulk writes."""

import datetime

import pytest
import time_machine
from django.db import connection
from knox.models import AuthToken
from rest_framework.test import APIClient

from training.models import Course, TrainingRecord

TODAY = datetime.datetime(2025, 9, 15, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(TODAY, tick=False):
        yield TODAY.date()


def api_as(user) -> APIClient:
    _instance, token = AuthToken.objects.create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


@pytest.fixture
def hr_user(make_user):
    return make_user("hr_ba_dinh", "hr", "H01")


@pytest.fixture
def hr(hr_user):
    return api_as(hr_user)


@pytest.fixture
def course(make_course, units):
    """A legal-knowledge course from 01/06/2024 to 30/06/2024, run by district H01."""
    return make_course("phap_luat", year=2024, code="K2024-phap_luat", unit=units["H01"])


def post_record(client, person, course, **fields):
    payload = {"person": person.code, "course": course.code, "result": "hoan_thanh", **fields}
    return client.post("/api/v1/training-records/", payload, format="json")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"completed_on": "2024-05-31"}, "Ngày hoàn thành không được trước ngày bắt đầu khóa học (01/06/2024)."),
        (
            {"completed_on": "2025-07-01"},
            "Ngày hoàn thành không được sau ngày kết thúc khóa học quá một năm (muộn nhất 30/06/2025).",
        ),
        ({"result": "dang_hoc", "completed_on": "2024-06-30"}, "Chỉ ghi ngày hoàn thành khi kết quả là “Hoàn thành”."),
    ],
)
def test_a_completion_date_outside_the_rules_is_refused(hr, make_person, course, fields, message):
    response = post_record(hr, make_person(unit="H01"), course, **fields)
    assert response.status_code == 400
    assert response.json() == {"completed_on": [message]}
    assert not TrainingRecord.objects.exists()


def test_a_completion_date_in_the_future_is_refused(hr, make_person, make_course):
    current = make_course(
        "phap_luat", year=2025, start_date=datetime.date(2025, 9, 1), end_date=datetime.date(2025, 9, 30)
    )
    response = post_record(hr, make_person(unit="H01"), current, completed_on="2025-09-16")
    assert response.json() == {"completed_on": ["Ngày hoàn thành không được ở tương lai."]}
    assert post_record(hr, make_person(unit="H01"), current, completed_on="2025-09-15").status_code == 201


def test_a_record_is_created_and_changed_by_codes(hr, make_person, course):
    person = make_person(unit="H01X1")
    created = post_record(hr, person, course, result="dang_hoc")
    assert created.status_code == 201, created.content
    assert created.json()["counted_on"] is None
    record_url = f"/api/v1/training-records/{created.json()['id']}/"
    changed = hr.patch(record_url, {"result": "hoan_thanh", "certificate_number": "CC-01"}, format="json")
    assert changed.status_code == 200
    assert changed.json()["counted_on"] == "2024-06-30"  # the course's end date when none is given
    assert hr.patch(record_url, {"completed_on": "2023-01-01"}, format="json").status_code == 400


def test_the_same_person_and_course_cannot_be_recorded_twice(hr, make_person, course):
    person = make_person(unit="H01")
    assert post_record(hr, person, course).status_code == 201
    again = post_record(hr, person, course)
    assert again.status_code == 400
    assert again.json() == {"course": ["Cán bộ đã có kết quả của khóa học này; hãy sửa kết quả đó."]}


def test_bulk_creates_and_updates_by_person_and_course_and_keeps_history(hr, hr_user, make_person, course, complete):
    first, second, third = (make_person(unit="H01X1") for _ in range(3))
    ongoing = complete(first, course, result="dang_hoc")
    same = complete(third, course, on=datetime.date(2024, 6, 30))
    items = [
        {"person": first.code, "course": course.code, "result": "hoan_thanh", "completed_on": "2024-07-02"},
        {"person": second.code, "course": course.code, "result": "hoan_thanh", "certificate_number": "A-2"},
        {"person": third.code, "course": course.code, "result": "hoan_thanh", "completed_on": "2024-06-30"},
    ]
    response = hr.post("/api/v1/training-records/bulk/", items, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    new = TrainingRecord.objects.get(person=second)
    assert (body["created"], body["updated"], body["unchanged"]) == (1, 1, 1)
    assert body["results"] == [
        {"index": 0, "id": ongoing.pk, "status": "updated"},
        {"index": 1, "id": new.pk, "status": "created"},
        {"index": 2, "id": same.pk, "status": "unchanged"},
    ]
    ongoing.refresh_from_db()
    assert (ongoing.result, ongoing.completed_on) == ("hoan_thanh", datetime.date(2024, 7, 2))
    assert new.certificate_number == "A-2"
    assert ongoing.history.latest().history_user == hr_user
    assert new.history.get().history_user == hr_user
    assert same.history.count() == 1  # an unchanged record gets no new history row
    again = hr.post("/api/v1/training-records/bulk/", items, format="json").json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 3)


def test_bulk_writes_nothing_when_any_item_is_wrong_and_reports_each_error(hr, make_person, course):
    person, other = make_person(unit="H01"), make_person(unit="H01")
    items = [
        {"person": person.code, "course": course.code, "result": "hoan_thanh"},
        {"person": "KHONG_CO", "course": course.code, "result": "hoan_thanh"},
        {"person": other.code, "course": "K-KHONG-CO", "result": "Hoàn thành"},
        {"person": other.code, "course": course.code, "result": "hoan_thanh", "completed_on": "2026-01-01"},
        {"person": person.code, "course": course.code, "result": "dang_hoc"},
        "không phải một đối tượng",
    ]
    response = hr.post("/api/v1/training-records/bulk/", items, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "Có 5 lỗi; chưa ghi dữ liệu nào."
    assert [(error["index"], error["field"]) for error in body["errors"]] == [
        (1, "person"),
        (2, "result"),
        (3, "completed_on"),
        (4, "non_field_errors"),
        (5, "non_field_errors"),
    ]
    assert body["errors"][0]["messages"] == ["Không tìm thấy cán bộ mã “KHONG_CO” trong phạm vi bạn quản lý."]
    assert body["errors"][2]["messages"] == [
        "Ngày hoàn thành không được sau ngày kết thúc khóa học quá một năm (muộn nhất 30/06/2025).",
        "Ngày hoàn thành không được ở tương lai.",
    ]
    assert body["errors"][3]["messages"] == ["Trùng cán bộ và khóa học với phần tử thứ 0."]
    assert not TrainingRecord.objects.exists()


def test_bulk_refuses_what_is_not_a_list(hr):
    for payload in ({"person": "x"}, []):
        response = hr.post("/api/v1/training-records/bulk/", payload, format="json")
        assert response.status_code == 400
        assert response.json()["errors"][0]["index"] is None


@pytest.mark.parametrize("size", [5, 40])
def test_bulk_runs_the_same_number_of_queries_for_any_number_of_items(
    hr, make_person, make_course, complete, django_assert_num_queries, size
):
    courses = [make_course("phap_luat", year=2024) for _ in range(2)]
    persons = [make_person(unit="H01X1") for _ in range(size)]
    for person in persons[: size // 2]:
        complete(person, courses[0], result="dang_hoc")
    items = [{"person": p.code, "course": c.code, "result": "hoan_thanh"} for p in persons for c in courses]
    # token, the user's other tokens, three role checks, the user's unit, persons, courses, existing records,
    # the approved years (approvals.locks: none, so nothing more), savepoint, then training.upsert: the stored
    # records locked by key (their versions), the courses' end dates and the approved years again (the
    # records_writing signal), insert + its history, update + its history; release. On PostgreSQL the new
    # records first take their ids (one query), then go in by COPY (core.bulk).
    with django_assert_num_queries(19 + (connection.vendor == "postgresql")):
        response = hr.post("/api/v1/training-records/bulk/", items, format="json")
    assert response.json()["created"] == 2 * size - size // 2
    assert TrainingRecord.objects.filter(result="hoan_thanh").count() == 2 * size


def test_a_course_is_written_with_its_type_codes(hr):
    payload = {
        "code": "K2025-phap_luat",
        "title": "Cập nhật kiến thức pháp luật 2025",
        "types": ["phap_luat", "dao_duc_cong_vu"],
        "start_date": "2025-03-01",
        "end_date": "2025-03-05",
        "grants_kind": None,
        "grants_level": None,
    }
    response = hr.post("/api/v1/courses/", payload, format="json")
    assert response.status_code == 201, response.content
    # Codes are stored upper-case (core.codes) and found in any case.
    course = Course.objects.get(code="K2025-PHAP_LUAT")
    assert set(course.types.values_list("code", flat=True)) == {"phap_luat", "dao_duc_cong_vu"}
    changed = hr.patch("/api/v1/courses/K2025-phap_luat/", {"types": ["ky_nang_cong_vu"]}, format="json")
    assert changed.json()["types"] == ["ky_nang_cong_vu"]


def test_a_course_must_end_after_it_starts_grant_a_whole_level_and_name_known_types(hr):
    payload = {
        "code": "K1",
        "title": "Lớp sai",
        "types": ["phap_luat", "khong_co"],
        "start_date": "2025-03-05",
        "end_date": "2025-03-01",
        "grants_kind": "ly_luan_chinh_tri",
    }
    errors = hr.post("/api/v1/courses/", payload, format="json").json()
    assert errors == {"types": ["Không có loại khóa học mã “khong_co”."]}
    payload["types"] = ["ly_luan_chinh_tri"]
    errors = hr.post("/api/v1/courses/", payload, format="json").json()
    assert errors == {
        "end_date": ["Ngày kết thúc không được trước ngày bắt đầu."],
        "grants_level": ["Cần cả loại trình độ và trình độ được cấp, hoặc để trống cả hai."],
    }
    payload.update(end_date="2025-06-01", grants_level=7)
    assert hr.post("/api/v1/courses/", payload, format="json").json()["grants_level"] == [
        "Giá trị phải nhỏ hơn hoặc bằng 6."
    ]
    payload["grants_level"] = 5
    assert hr.post("/api/v1/courses/", payload, format="json").json() == {
        "grants_level": ["Lý luận chính trị chỉ có trình độ từ 0 đến 4."]
    }
    payload["grants_level"] = 3
    assert hr.post("/api/v1/courses/", payload, format="json").status_code == 201
    assert hr.post("/api/v1/courses/", payload, format="json").json() == {
        "code": ["Mã khóa học này đã được dùng cho một khóa khác."]
    }


def test_a_course_cannot_move_away_from_the_completion_dates_recorded_for_it(hr, make_person, course, complete):
    complete(make_person(unit="H01"), course, on=datetime.date(2024, 6, 3))
    moved = hr.patch(f"/api/v1/courses/{course.code}/", {"start_date": "2024-06-10"}, format="json")
    assert moved.status_code == 400
    assert moved.json() == {
        "start_date": [
            "1 kết quả đã ghi có ngày hoàn thành nằm ngoài khoảng thời gian mới; hãy sửa các kết quả đó trước."
        ]
    }
    assert hr.patch(f"/api/v1/courses/{course.code}/", {"end_date": "2024-07-31"}, format="json").status_code == 200


def test_a_course_with_records_cannot_be_deleted(hr, make_person, course, complete):
    complete(make_person(unit="H01"), course)
    assert hr.delete(f"/api/v1/courses/{course.code}/").status_code == 409
    assert Course.objects.filter(pk=course.pk).exists()


def test_training_record_filters(hr, make_person, make_course, complete):
    person, other = make_person(unit="H01X1"), make_person(unit="H01X2")
    law = make_course("phap_luat", year=2024)
    skills = make_course("ky_nang_cong_vu", year=2025)
    a = complete(person, law)
    b = complete(other, skills, on=datetime.date(2025, 7, 1))
    c = complete(other, law, result="bo_hoc")

    def ids(**params):
        return [row["id"] for row in hr.get("/api/v1/training-records/", params).json()["results"]]

    assert ids() == [a.pk, b.pk, c.pk]
    assert ids(unit="H01X2") == [b.pk, c.pk]
    assert ids(person=person.code) == [a.pk]
    assert ids(course_type="phap_luat") == [a.pk, c.pk]
    assert ids(result="bo_hoc") == [c.pk]
    assert ids(counted_from="2025-01-01") == [b.pk]
    assert ids(counted_to="2024-12-31") == [a.pk]
