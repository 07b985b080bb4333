"""Persons, units, qualifications and appointments through the API: codes, the model's rules, its messages."""

import datetime

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

from personnel.models import OrgUnit, Person


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def api_as(user) -> APIClient:
    _instance, token = AuthToken.objects.create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


@pytest.fixture
def hr(make_user):
    return api_as(make_user("hr_ba_dinh", "hr", "H01"))


@pytest.fixture
def admin(make_user):
    return api_as(make_user("quan_tri", "admin", None))


NEW_PERSON = {
    "code": "CB070001",
    "full_name": "  Đặng   Thị Thu  Hà ",
    "birth_date": "1988-04-12",
    "gender": "nu",
    "citizen_id": "001188004321",
    "unit": "H01X2",
    "category": "cong_chuc_xa",
    "leadership_level": 1,
    "education_level": 4,
    "language_level": 3,
    "start_date": "2012-09-01",
}


def test_an_hr_officer_creates_a_person_by_codes_and_the_name_keys_are_filled(hr):
    response = hr.post("/api/v1/persons/", NEW_PERSON, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["full_name"] == "Đặng Thị Thu Hà"
    assert response.json()["unit"] == "H01X2"
    person = Person.objects.get(code="CB070001")
    assert (person.family_name, person.given_name) == ("Đặng", "Hà")
    assert list(Person.objects.search("dang thi thu ha")) == [person]
    assert person.history.count() == 1


def test_a_person_is_updated_by_its_code(hr, make_person):
    person = make_person(unit="H01", full_name="Nguyễn Văn An")
    response = hr.patch(f"/api/v1/persons/{person.code}/", {"full_name": "Nguyễn Văn Bình"}, format="json")
    assert response.status_code == 200
    person.refresh_from_db()
    assert person.full_name == "Nguyễn Văn Bình"
    assert person.given_name == "Bình"


def test_a_citizen_id_must_have_twelve_digits_and_be_unique(hr, make_person):
    make_person(unit="H01", citizen_id="001188004321")
    bad = hr.post("/api/v1/persons/", {**NEW_PERSON, "citizen_id": "12345"}, format="json")
    assert bad.status_code == 400
    assert bad.json()["citizen_id"] == ["Số CCCD phải gồm đúng 12 chữ số."]
    taken = hr.post("/api/v1/persons/", NEW_PERSON, format="json")
    assert taken.status_code == 400
    assert taken.json()["citizen_id"] == ["Số CCCD này đã có trong hồ sơ của một cán bộ khác."]
    assert not Person.objects.filter(code="CB070001").exists()


def test_the_accept_language_header_chooses_english_messages(hr, make_person):
    make_person(unit="H01", citizen_id="001188004321")
    english = hr.post("/api/v1/persons/", NEW_PERSON, format="json", HTTP_ACCEPT_LANGUAGE="en")
    vietnamese = hr.post("/api/v1/persons/", NEW_PERSON, format="json", HTTP_ACCEPT_LANGUAGE="vi")
    assert english.json() == {"citizen_id": ["This citizen ID number is already in another person's record."]}
    assert vietnamese.json() == {"citizen_id": ["Số CCCD này đã có trong hồ sơ của một cán bộ khác."]}
    assert english["Content-Language"] == "en"
    assert vietnamese["Content-Language"] == "vi"
    missing = hr.post("/api/v1/persons/", {"code": "X"}, format="json", HTTP_ACCEPT_LANGUAGE="en").json()
    assert missing["full_name"] == ["This field is required."]
    bad_date = hr.get("/api/v1/persons/", {"employed_at": "hôm qua"}, HTTP_ACCEPT_LANGUAGE="en").json()
    assert bad_date == {"employed_at": ["Enter a valid date."]}


def test_an_empty_citizen_id_is_stored_as_unknown_so_two_people_may_lack_one(hr):
    for code in ["CB1", "CB2"]:
        response = hr.post("/api/v1/persons/", {**NEW_PERSON, "code": code, "citizen_id": ""}, format="json")
        assert response.status_code == 201, response.content
    assert list(Person.objects.values_list("citizen_id", flat=True)) == [None, None]


def test_levels_and_code_lists_out_of_range_are_refused_in_vietnamese(hr):
    response = hr.post(
        "/api/v1/persons/",
        {**NEW_PERSON, "political_level": 5, "category": "Công chức", "end_date": "2010-01-01"},
        format="json",
    )
    errors = response.json()
    assert response.status_code == 400
    assert errors["political_level"] == ["Giá trị phải nhỏ hơn hoặc bằng 4."]
    assert errors["category"] == ["“Công chức” không phải là mã hợp lệ."]
    missing = hr.post("/api/v1/persons/", {"code": "X"}, format="json").json()
    assert missing["full_name"] == ["Trường này là bắt buộc."]


def test_the_person_forms_date_rules_apply(hr):
    def errors(**fields):
        return hr.post("/api/v1/persons/", {**NEW_PERSON, **fields}, format="json").json()

    assert errors(end_date="2010-01-01") == {"end_date": ["Ngày thôi việc không được trước ngày bắt đầu công tác."]}
    assert errors(birth_date="2999-01-01", start_date=None) == {"birth_date": ["Ngày sinh không được ở tương lai."]}
    assert errors(start_date="1988-04-12") == {"start_date": ["Ngày bắt đầu công tác phải sau ngày sinh."]}
    assert errors(start_date="2999-01-01") == {"start_date": ["Ngày bắt đầu công tác không được ở tương lai."]}


def test_a_person_code_is_unique_with_the_forms_message(hr, make_person):
    make_person(unit="H01", code="CB070001")
    response = hr.post("/api/v1/persons/", NEW_PERSON, format="json")
    assert response.json() == {"code": ["Mã cán bộ này đã được dùng cho một người khác."]}


def test_the_citizen_id_is_full_for_hr_and_masked_for_readers(make_user, make_person, hr):
    person = make_person(unit="H01", citizen_id="001188004321")
    leader = api_as(make_user("lanh_dao", "leader", "H01"))
    assert hr.get("/api/v1/persons/").json()["results"][0]["citizen_id"] == "001188004321"
    assert hr.get(f"/api/v1/persons/{person.code}/").json()["citizen_id"] == "001188004321"
    assert leader.get("/api/v1/persons/").json()["results"][0]["citizen_id"] == "001*******21"
    assert leader.get(f"/api/v1/persons/{person.code}/").json()["citizen_id"] == "001*******21"


def test_person_filters_and_ordering(hr, make_person):
    an = make_person(unit="H01X1", full_name="Nguyễn Văn An", category="can_bo_xa")
    binh = make_person(unit="H01X2", full_name="Trần Thị Bình", category="cong_chuc")
    left = make_person(unit="H01X2", full_name="Lê Văn Cường", end_date=datetime.date(2024, 1, 1))

    def codes(**params):
        return [row["code"] for row in hr.get("/api/v1/persons/", params).json()["results"]]

    assert codes() == [an.code, binh.code, left.code]  # Vietnamese order: An, Bình, Cường
    assert codes(ordering="-full_name") == [left.code, binh.code, an.code]
    assert codes(unit="H01X2") == [binh.code, left.code]
    assert codes(category="can_bo_xa") == [an.code]
    assert codes(employed_at="2025-01-01") == [an.code, binh.code]
    assert codes(q="binh tran") == [binh.code]
    assert codes(employed_at="01/01/2025") == [an.code, binh.code]  # dd/mm/yyyy works in filters too
    assert hr.get("/api/v1/persons/", {"employed_at": "2025-13-45"}).status_code == 400


def test_only_an_admin_writes_units_and_their_paths_follow(admin, hr):
    assert hr.post("/api/v1/units/", {"code": "H01X3", "name": "x", "parent": "H01", "level": "xa"}).status_code == 403
    created = admin.post(
        "/api/v1/units/", {"code": "H01X3", "name": "UBND phường Kim Mã", "parent": "H01", "level": "xa"}, format="json"
    )
    assert created.status_code == 201, created.content
    unit = OrgUnit.objects.get(code="H01X3")
    assert unit.is_within(OrgUnit.objects.get(code="H01"))
    assert created.json()["depth"] == 2
    moved = admin.patch("/api/v1/units/H01X3/", {"parent": "H02"}, format="json")
    assert moved.status_code == 200
    unit.refresh_from_db()
    assert unit.is_within(OrgUnit.objects.get(code="H02"))
    cycle = admin.patch("/api/v1/units/H01/", {"parent": "H01X1"}, format="json")
    assert cycle.status_code == 400
    assert cycle.json()["parent"] == ["Không thể đặt đơn vị vào dưới chính nó hoặc đơn vị cấp dưới của nó."]


def test_a_unit_with_people_cannot_be_deleted(admin, make_person):
    make_person(unit="H01X1")
    response = admin.delete("/api/v1/units/H01X1/")
    assert response.status_code == 409
    assert response.json()["detail"] == "Không xóa được vì còn dữ liệu khác tham chiếu đến bản ghi này."
    assert OrgUnit.objects.filter(code="H01X1").exists()
    assert admin.delete("/api/v1/units/H01X2/").status_code == 204


def test_a_qualification_level_must_exist_on_its_ladder(hr, make_person):
    person = make_person(unit="H01")
    payload = {"person": person.code, "kind": "quan_ly_nha_nuoc", "level": 5, "obtained_on": "2020-05-01"}
    response = hr.post("/api/v1/qualifications/", payload, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "level": [
            "Quản lý nhà nước: trình độ 5 không phải văn bằng; chọn một trong: "
            "1 (Chuyên viên), 2 (Chuyên viên chính), 3 (Chuyên viên cao cấp)."
        ]
    }
    level_zero = hr.post("/api/v1/qualifications/", {**payload, "level": 0}, format="json")
    assert level_zero.status_code == 400
    assert "trình độ 0 không phải văn bằng" in level_zero.json()["level"][0]
    created = hr.post("/api/v1/qualifications/", {**payload, "level": 2}, format="json")
    assert created.status_code == 201
    assert created.json()["level_label"] == "Chuyên viên chính"
    again = hr.post("/api/v1/qualifications/", {**payload, "level": 2}, format="json")
    assert again.json() == {"level": ["Cán bộ đã có văn bằng cùng loại, cùng trình độ với cùng ngày cấp."]}
    future = hr.post("/api/v1/qualifications/", {**payload, "level": 1, "obtained_on": "2999-01-01"}, format="json")
    assert future.json() == {"obtained_on": ["Ngày cấp không được ở tương lai."]}


def test_an_appointment_is_unique_by_person_kind_and_date(hr, make_person):
    person = make_person(unit="H01")
    payload = {"person": person.code, "kind": "chuc_vu", "title": "Trưởng phòng", "appointed_on": "2023-02-01"}
    assert hr.post("/api/v1/appointments/", payload, format="json").status_code == 201
    again = hr.post("/api/v1/appointments/", payload, format="json")
    assert again.status_code == 400
    assert again.json() == {"appointed_on": ["Cán bộ đã có một lần bổ nhiệm cùng loại vào ngày này; hãy sửa lần đó."]}


def test_a_deleted_person_takes_their_records_along(hr, make_person, make_course, complete):
    person = make_person(unit="H01")
    complete(person, make_course("phap_luat"))
    assert hr.delete(f"/api/v1/persons/{person.code}/").status_code == 204
    assert not Person.objects.filter(pk=person.pk).exists()
