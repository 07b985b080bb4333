"""Forms for persons, qualifications, appointments and training records: the import's rules, scope and roles."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from personnel.models import Appointment, Person, Qualification
from training.models import TrainingRecord

D = datetime.date


@pytest.fixture(autouse=True)
def _today(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast test users
    with time_machine.travel(datetime.datetime(2026, 11, 26, 9, 0, tzinfo=datetime.UTC), tick=False):
        yield


def person_data(units, **changes) -> dict:
    data = {
        "code": "HN0001",
        "full_name": "  Nguyễn   Văn Dũng ",
        "birth_date": "15/03/1985",
        "gender": "nam",
        "citizen_id": "",
        "unit": units["H01X1"].pk,
        "category": "cong_chuc_xa",
        "position_title": "Công chức địa chính",
        "leadership_level": "0",
        "deputy_term": "",
        "education_level": "4",
        "political_level": "2",
        "state_management_level": "1",
        "language_level": "3",
        "start_date": "2010-09-01",
        "end_date": "",
    }
    data.update(changes)
    return data


def errors(response, field: str) -> list[str]:
    return response.context["form"].errors.get(field, [])


def test_adding_a_person_saves_name_keys_levels_and_who_did_it(hr, hr_user, units):
    response = hr.post(reverse("personnel:person_create"), person_data(units, citizen_id="0010 8500 1234"))
    assert response.status_code == 302
    person = Person.objects.get(code="HN0001")
    assert response.url == reverse("personnel:person_detail", args=["HN0001"])
    assert person.full_name == "Nguyễn Văn Dũng"
    assert person.given_name == "Dũng"
    assert person.search_text.startswith("nguyen van dung")
    assert (person.birth_date, person.start_date) == (D(1985, 3, 15), D(2010, 9, 1))
    assert (person.education_level, person.political_level, person.language_level) == (4, 2, 3)
    assert person.citizen_id == "001085001234"
    assert person.history.get().history_user == hr_user


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("citizen_id", "12345678901", "Số CCCD phải gồm đúng 12 chữ số."),
        ("citizen_id", "12345678901a", "Số CCCD phải gồm đúng 12 chữ số."),
        ("birth_date", "31/02/1985", "Nhập một ngày hợp lệ."),
        ("birth_date", "01/01/2027", "Ngày sinh không được ở tương lai."),
        ("end_date", "01/01/2009", "Ngày thôi việc không được trước ngày bắt đầu công tác."),
        ("deputy_term", "2021", "Nhiệm kỳ phải có dạng 2021-2026."),
        ("political_level", "5", None),
        ("full_name", "", None),
    ],
)
def test_a_bad_value_is_refused_with_a_message_next_to_its_field(hr, units, field, value, message):
    response = hr.post(reverse("personnel:person_create"), person_data(units, **{field: value}))
    assert response.status_code == 200
    assert errors(response, field)
    if message:
        assert message in errors(response, field)
        assert message in response.content.decode()
    assert not Person.objects.exists()


def test_a_citizen_id_already_on_file_is_refused(hr, units, make_person):
    make_person(citizen_id="001085001234")
    response = hr.post(reverse("personnel:person_create"), person_data(units, citizen_id="001085001234"))
    assert errors(response, "citizen_id") == ["Số CCCD này đã có trong hồ sơ của một cán bộ khác."]


def test_the_form_offers_only_units_in_scope_and_refuses_another(hr, units):
    form = hr.get(reverse("personnel:person_create")).context["form"]
    assert [unit.code for unit in form.fields["unit"].queryset] == ["H01", "H01X1", "H01X2"]
    response = hr.post(reverse("personnel:person_create"), person_data(units, unit=units["H02X1"].pk))
    assert errors(response, "unit") == ["Đơn vị này nằm ngoài phạm vi bạn quản lý."]
    assert not Person.objects.exists()


def test_editing_keeps_the_person_in_scope(hr, units, make_person):
    person = make_person(unit="H01X1", full_name="Trần Văn Cũ")
    url = reverse("personnel:person_edit", args=[person.code])
    assert hr.get(url).status_code == 200
    response = hr.post(url, person_data(units, code=person.code, full_name="Trần Văn Mới", unit=units["H02"].pk))
    assert errors(response, "unit")
    response = hr.post(url, person_data(units, code=person.code, full_name="Trần Văn Mới"))
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.full_name == "Trần Văn Mới"
    assert person.sort_key


def test_another_districts_person_cannot_be_edited(hr, make_person):
    other = make_person(unit="H02")
    assert hr.get(reverse("personnel:person_edit", args=[other.code])).status_code == 404
    assert hr.get(reverse("personnel:qualification_add", args=[other.code])).status_code == 404


@pytest.mark.parametrize("role", ["leader", "viewer"])
def test_leaders_and_viewers_may_not_write(client, make_user, make_person, units, role):
    person = make_person()
    qualification = Qualification.objects.create(person=person, kind="chuyen_mon", level=4)
    client.force_login(make_user(f"{role}_user", role=role))
    assert client.get(reverse("personnel:person_detail", args=[person.code])).status_code == 200
    write_urls = [
        reverse("personnel:person_create"),
        reverse("personnel:person_edit", args=[person.code]),
        reverse("personnel:qualification_add", args=[person.code]),
        reverse("personnel:qualification_delete", args=[person.code, qualification.pk]),
        reverse("personnel:appointment_add", args=[person.code]),
        reverse("personnel:training_record_add", args=[person.code]),
    ]
    for url in write_urls:
        assert client.get(url).status_code == 403
        assert client.post(url, person_data(units)).status_code == 403
    assert Qualification.objects.filter(pk=qualification.pk).exists()


# --- qualifications ---------------------------------------------------------------------------


def test_a_dated_qualification_is_added_and_its_level_checked_against_its_ladder(hr, make_person):
    person = make_person()
    url = reverse("personnel:qualification_add", args=[person.code])
    response = hr.post(url, {"kind": "ly_luan_chinh_tri", "level": "5", "obtained_on": "01/06/2020"})
    assert errors(response, "level") == [
        "Lý luận chính trị: trình độ 5 không phải văn bằng; chọn một trong: "
        "1 (Sơ cấp), 2 (Trung cấp), 3 (Cao cấp), 4 (Cử nhân)."
    ]
    response = hr.post(url, {"kind": "ly_luan_chinh_tri", "level": "0", "obtained_on": "01/06/2020"})
    assert errors(response, "level")[0].startswith("Lý luận chính trị: trình độ 0 không phải văn bằng")
    form = hr.get(url).content.decode()
    assert 'data-levels="' in form
    assert "Bậc 0" not in form
    assert "js/levels.js" in form
    response = hr.post(url, {"kind": "ly_luan_chinh_tri", "level": "3", "obtained_on": "01/06/2027"})
    assert errors(response, "obtained_on") == ["Ngày cấp không được ở tương lai."]
    response = hr.post(url, {"kind": "ly_luan_chinh_tri", "level": "3", "obtained_on": "01/06/2020"})
    assert response.status_code == 302
    assert person.qualifications.get().obtained_on == D(2020, 6, 1)
    response = hr.post(url, {"kind": "ly_luan_chinh_tri", "level": "3", "obtained_on": "01/06/2020"})
    assert errors(response, "level") == ["Cán bộ đã có văn bằng cùng loại, cùng trình độ với cùng ngày cấp."]


def test_a_qualification_is_edited_and_deleted_after_confirmation(hr, make_person, qualify):
    person = make_person()
    qualification = qualify(person, "ngoai_ngu", 2)
    edit = reverse("personnel:qualification_edit", args=[person.code, qualification.pk])
    assert hr.post(edit, {"kind": "ngoai_ngu", "level": "4", "document_number": "B2-123"}).status_code == 302
    qualification.refresh_from_db()
    assert (qualification.level, qualification.document_number) == (4, "B2-123")
    delete = reverse("personnel:qualification_delete", args=[person.code, qualification.pk])
    assert "Xóa" in hr.get(delete).content.decode()
    assert Qualification.objects.filter(pk=qualification.pk).exists()
    assert hr.post(delete).status_code == 302
    assert not Qualification.objects.filter(pk=qualification.pk).exists()
    assert Qualification.history.filter(id=qualification.pk, history_type="-").exists()


def test_a_record_of_another_person_cannot_be_reached_through_this_persons_page(hr, make_person, qualify):
    person, colleague = make_person(), make_person()
    qualification = qualify(colleague, "ngoai_ngu", 2)
    url = reverse("personnel:qualification_edit", args=[person.code, qualification.pk])
    assert hr.get(url).status_code == 404


# --- training records -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("result", "completed_on", "message"),
    [
        ("hoan_thanh", "31/05/2025", "Ngày hoàn thành không được trước ngày bắt đầu khóa học (01/06/2025)."),
        (
            "hoan_thanh",
            "01/07/2026",
            "Ngày hoàn thành không được sau ngày kết thúc khóa học quá một năm (muộn nhất 30/06/2026).",
        ),
        ("dang_hoc", "30/06/2025", "Chỉ ghi ngày hoàn thành khi kết quả là “Hoàn thành”."),
    ],
)
def test_completion_dates_follow_the_import_rules(hr, make_person, make_course, result, completed_on, message):
    person = make_person()
    course = make_course("phap_luat", year=2025)
    url = reverse("personnel:training_record_add", args=[person.code])
    response = hr.post(url, {"course": course.pk, "result": result, "completed_on": completed_on})
    assert errors(response, "completed_on") == [message]
    assert not TrainingRecord.objects.exists()


def test_a_completion_date_in_the_future_is_refused(hr, make_person, make_course):
    person = make_person()
    course = make_course("phap_luat", start_date=D(2026, 11, 1), end_date=D(2026, 12, 15))
    url = reverse("personnel:training_record_add", args=[person.code])
    response = hr.post(url, {"course": course.pk, "result": "hoan_thanh", "completed_on": "27/11/2026"})
    assert errors(response, "completed_on") == ["Ngày hoàn thành không được ở tương lai."]


def test_a_training_record_is_added_once_per_course(hr, make_person, make_course):
    person = make_person()
    course = make_course("phap_luat", year=2026)
    url = reverse("personnel:training_record_add", args=[person.code])
    data = {"course": course.pk, "result": "hoan_thanh", "completed_on": "2026-06-30", "certificate_number": "C1"}
    assert hr.post(url, data).status_code == 302
    record = TrainingRecord.objects.get()
    assert (record.completed_on, record.certificate_number) == (D(2026, 6, 30), "C1")
    assert errors(hr.post(url, data), "course") == ["Cán bộ đã có kết quả của khóa học này; hãy sửa kết quả đó."]
    edit = reverse("personnel:training_record_edit", args=[person.code, record.pk])
    assert hr.post(edit, {**data, "result": "khong_dat", "completed_on": ""}).status_code == 302
    record.refresh_from_db()
    assert (record.result, record.completed_on) == ("khong_dat", None)


# --- appointments ----------------------------------------------------------------------------------


def test_an_appointment_without_the_required_training_warns_and_needs_a_confirmation(hr, make_person):
    person = make_person(category="cong_chuc")
    url = reverse("personnel:appointment_add", args=[person.code])
    data = {"kind": "chuc_vu", "title": "Phó trưởng phòng", "appointed_on": "01/09/2026"}
    response = hr.post(url, data)
    assert response.status_code == 200
    assert not Appointment.objects.exists()
    assert response.context["form"].training_gaps == [
        "CC-1: chưa có khóa bồi dưỡng năng lực, kỹ năng lãnh đạo, quản lý hoàn thành trước ngày bổ nhiệm."
    ]
    html = response.content.decode()
    assert "Cảnh báo" in html
    assert 'name="confirm_missing_training"' in html
    response = hr.post(url, {**data, "confirm_missing_training": "on"})
    assert response.status_code == 302
    assert Appointment.objects.get().title == "Phó trưởng phòng"


def test_an_appointment_with_the_required_training_saves_without_a_warning(hr, make_person, make_course, complete):
    person = make_person(category="vien_chuc")
    complete(person, make_course("lanh_dao_quan_ly", year=2025))
    url = reverse("personnel:appointment_add", args=[person.code])
    response = hr.post(url, {"kind": "chuc_vu", "title": "Trưởng khoa", "appointed_on": "01/09/2025"})
    assert response.status_code == 302
    # The course ended after this earlier date, so it did not count then.
    response = hr.post(url, {"kind": "chuc_vu", "title": "Phó khoa", "appointed_on": "01/01/2025"})
    assert response.context["form"].training_gaps


def test_an_appointment_no_indicator_requires_training_for_saves_directly(hr, make_person):
    person = make_person(category="khac")
    url = reverse("personnel:appointment_add", args=[person.code])
    assert hr.post(url, {"kind": "ngach", "title": "Chuyên viên", "appointed_on": "01/09/2025"}).status_code == 302


def test_two_appointments_of_a_kind_on_one_day_are_refused(hr, make_person, appoint):
    person = make_person(category="khac")
    appoint(person, "ngach", D(2025, 9, 1))
    url = reverse("personnel:appointment_add", args=[person.code])
    response = hr.post(url, {"kind": "ngach", "title": "Chuyên viên", "appointed_on": "01/09/2025"})
    assert errors(response, "appointed_on") == ["Cán bộ đã có một lần bổ nhiệm cùng loại vào ngày này; hãy sửa lần đó."]
