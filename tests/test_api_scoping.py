"""The API shows and changes only the caller's units: another district's records are 404 and never listed."""

import datetime

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

from personnel.models import Person
from training.models import TrainingRecord


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def api_as(user) -> APIClient:
    """Return an API client carrying a fresh knox token of ``user``."""
    _instance, token = AuthToken.objects.create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


@pytest.fixture
def two_districts(make_person, make_course, complete, qualify, appoint):
    """Return one person with every kind of record in H01X1 (Ba Đình) and one in H02X1 (Đông Anh)."""
    course = make_course("phap_luat", year=2025)
    made = {}
    for name, unit in [("mine", "H01X1"), ("theirs", "H02X1")]:
        person = make_person(unit=unit, full_name=f"Phạm Văn {name.title()}", citizen_id=f"00100000000{len(made)}")
        made[name] = {
            "person": person,
            "qualification": qualify(person, "chuyen_mon", 4, datetime.date(2010, 6, 1)),
            "appointment": appoint(person, "ngach", datetime.date(2022, 3, 1)),
            "record": complete(person, course, on=datetime.date(2025, 6, 30)),
        }
    made["course"] = course
    return made


def detail_urls(records: dict) -> list[str]:
    return [
        f"/api/v1/persons/{records['person'].code}/",
        f"/api/v1/qualifications/{records['qualification'].pk}/",
        f"/api/v1/appointments/{records['appointment'].pk}/",
        f"/api/v1/training-records/{records['record'].pk}/",
    ]


LISTS = ["/api/v1/persons/", "/api/v1/qualifications/", "/api/v1/appointments/", "/api/v1/training-records/"]


def listed_person_codes(client, url: str) -> set[str]:
    rows = client.get(url, {"page_size": 1000}).json()["results"]
    return {row.get("person", row.get("code")) for row in rows}


@pytest.mark.parametrize("role", ["hr", "leader"])
def test_another_districts_person_is_404_on_every_detail_endpoint(make_user, two_districts, role):
    client = api_as(make_user("ba_dinh", role, "H01"))
    for url in detail_urls(two_districts["theirs"]):
        assert client.get(url).status_code == 404, url
    for url in detail_urls(two_districts["mine"]):
        assert client.get(url).status_code == 200, url
    assert client.get("/api/v1/units/H02X1/").status_code == 404
    assert client.get("/api/v1/units/H01X1/").status_code == 200


def test_another_districts_records_are_404_for_updates_and_deletes_too(make_user, two_districts):
    client = api_as(make_user("ba_dinh", "hr", "H01"))
    for url in detail_urls(two_districts["theirs"]):
        assert client.patch(url, {}, format="json").status_code == 404, url
        assert client.put(url, {}, format="json").status_code == 404, url
        assert client.delete(url).status_code == 404, url
    assert Person.objects.filter(pk=two_districts["theirs"]["person"].pk).exists()
    assert TrainingRecord.objects.filter(pk=two_districts["theirs"]["record"].pk).exists()


@pytest.mark.parametrize("role", ["hr", "leader"])
def test_another_districts_person_never_appears_in_a_list(make_user, two_districts, role):
    client = api_as(make_user("ba_dinh", role, "H01"))
    mine, theirs = two_districts["mine"]["person"].code, two_districts["theirs"]["person"].code
    for url in LISTS:
        listed = listed_person_codes(client, url)
        assert listed == {mine}, url
        assert theirs not in listed, url
    searched = client.get("/api/v1/persons/", {"q": "pham van"}).json()["results"]
    assert [row["code"] for row in searched] == [mine]
    unit_codes = {row["code"] for row in client.get("/api/v1/units/").json()["results"]}
    assert unit_codes == {"H01", "H01X1", "H01X2"}
    unmet = client.get("/api/v1/compliance/unmet/", {"indicator": "CC-3", "year": 2024}).json()["results"]
    assert [row["code"] for row in unmet] == [mine]


def test_a_filter_on_another_districts_unit_is_refused_like_an_unknown_unit(make_user, two_districts):
    client = api_as(make_user("ba_dinh", "hr", "H01"))
    other = client.get("/api/v1/persons/", {"unit": "H02"})
    unknown = client.get("/api/v1/persons/", {"unit": "KHONG_CO"})
    assert other.status_code == unknown.status_code == 400
    assert other.json()["unit"] == ["Không tìm thấy đơn vị mã “H02”."]
    assert client.get("/api/v1/training-records/", {"person": two_districts["theirs"]["person"].code}).json() == {
        "count": 0,
        "next": None,
        "previous": None,
        "results": [],
    }


def test_a_city_wide_viewer_sees_every_district_and_changes_nothing(make_user, two_districts):
    client = api_as(make_user("thanh_pho", "viewer", None))
    codes = {two_districts["mine"]["person"].code, two_districts["theirs"]["person"].code}
    for url in LISTS:
        assert listed_person_codes(client, url) == codes, url
    for url in detail_urls(two_districts["theirs"]):
        assert client.get(url).status_code == 200
    assert (
        client.patch(detail_urls(two_districts["theirs"])[0], {"position_title": "x"}, format="json").status_code == 403
    )


def test_writes_pointing_at_another_districts_person_or_unit_are_refused_with_a_field_error(make_user, two_districts):
    client = api_as(make_user("ba_dinh", "hr", "H01"))
    theirs = two_districts["theirs"]["person"].code
    course = two_districts["course"].code
    mine = two_districts["mine"]["person"].code

    record = client.post(
        "/api/v1/training-records/", {"person": theirs, "course": course, "result": "dang_hoc"}, format="json"
    )
    assert record.status_code == 400
    assert record.json()["person"] == [f"Không tìm thấy cán bộ mã “{theirs}” trong phạm vi bạn quản lý."]

    moved = client.patch(f"/api/v1/persons/{mine}/", {"unit": "H02X1"}, format="json")
    assert moved.status_code == 400
    assert moved.json()["unit"] == ["Không tìm thấy đơn vị mã “H02X1”."]
    created = client.post(
        "/api/v1/persons/",
        {"code": "NEW1", "full_name": "Vũ Thị Hoa", "birth_date": "1990-01-01", "unit": "H02", "category": "cong_chuc"},
        format="json",
    )
    assert created.status_code == 400
    assert "unit" in created.json()

    bulk = client.post(
        "/api/v1/training-records/bulk/",
        [{"person": theirs, "course": course, "result": "hoan_thanh"}],
        format="json",
    )
    assert bulk.status_code == 400
    assert bulk.json()["errors"] == [
        {"index": 0, "field": "person", "messages": [f"Không tìm thấy cán bộ mã “{theirs}” trong phạm vi bạn quản lý."]}
    ]
    assert not Person.objects.filter(code="NEW1").exists()
    assert Person.objects.get(code=mine).unit.code == "H01X1"


def test_compliance_of_a_unit_outside_the_scope_is_404_and_the_default_is_the_callers_unit(make_user, two_districts):
    client = api_as(make_user("ba_dinh", "leader", "H01"))
    for url in ["/api/v1/compliance/", "/api/v1/compliance/units/"]:
        assert client.get(url, {"unit": "H02"}).status_code == 404
        assert client.get(url, {"unit": "HN"}).status_code == 404
        assert client.get(url, {"year": 2025}).json()["unit"]["code"] == "H01"
    assert client.get("/api/v1/compliance/unmet/", {"indicator": "CC-3", "unit": "H02"}).status_code == 404


def test_a_user_without_a_unit_or_city_wide_role_sees_nothing(make_user, two_districts):
    client = api_as(make_user("lac_loi", "hr", None))
    for url in LISTS:
        assert client.get(url).json()["count"] == 0
    assert client.get("/api/v1/compliance/").status_code == 404
