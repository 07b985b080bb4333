"""A person's page: profile, qualifications, training, appointments, history and the indicator panel."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from personnel.models import Person
from personnel.services import save_person

D = datetime.date


@pytest.fixture(autouse=True)
def _today(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast test users
    with time_machine.travel(datetime.datetime(2026, 11, 26, 9, 0, tzinfo=datetime.UTC), tick=False):
        yield


@pytest.fixture
def hr(client, make_user):
    """Return a client logged in as an HR user of district H01."""
    client.force_login(make_user("hr_h01", role="hr", unit="H01", first_name="Lan", last_name="Trần"))
    return client


def page_url(person, **params) -> str:
    url = reverse("personnel:person_detail", args=[person.code])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def statuses(response) -> dict[str, bool]:
    """Return {indicator code: met} of the indicator panel."""
    return {status.code: status.met for status in response.context["statuses"]}


def test_the_page_is_found_by_the_persons_code(hr, make_person):
    person = make_person(full_name="Nguyễn Văn Dũng", code="HN000123", position_title="Chuyên viên")
    assert page_url(person) == "/nhan-su/HN000123/"
    html = hr.get(page_url(person)).content.decode()
    assert "Nguyễn Văn Dũng" in html
    assert "Chuyên viên" in html
    assert "UBND quận Ba Đình" in html


def test_a_person_of_another_district_is_not_found(hr, make_person):
    other = make_person(unit="H02")
    assert hr.get(page_url(other)).status_code == 404
    assert hr.get(reverse("personnel:person_indicators", args=[other.code])).status_code == 404


def test_hr_sees_the_full_citizen_id_and_a_leader_sees_it_masked(client, make_user, make_person):
    person = make_person(citizen_id="001085001234")
    client.force_login(make_user("hr_ci", role="hr"))
    assert "001085001234" in client.get(page_url(person)).content.decode()
    client.force_login(make_user("leader_ci", role="leader"))
    html = client.get(page_url(person)).content.decode()
    assert "001085001234" not in html
    assert "001*******34" in html
    assert "Sửa hồ sơ" not in html


def test_qualifications_show_declared_dated_and_course_granted_levels(hr, make_person, qualify, make_course, complete):
    person = make_person(education_level=4)
    qualify(person, "ngoai_ngu", 3, D(2022, 5, 10))
    course = make_course(
        "ly_luan_chinh_tri", year=2024, title="Lớp cao cấp lý luận chính trị K74", grants=("ly_luan_chinh_tri", 3)
    )
    complete(person, course, on=D(2024, 7, 15))
    response = hr.get(page_url(person))
    levels = {level.kind: level for level in response.context["levels"]}
    assert levels["chuyen_mon"].declared_label == "Đại học"
    assert levels["ngoai_ngu"].current_label == "Bậc 3"
    assert [record.course.code for record in levels["ly_luan_chinh_tri"].granted] == [course.code]
    assert levels["ly_luan_chinh_tri"].current_label == "Cao cấp"
    html = response.content.decode()
    assert "Lớp cao cấp lý luận chính trị K74" in html
    assert "15/07/2024" in html
    assert "10/05/2022" in html


def test_training_history_and_appointments_are_listed(hr, make_person, make_course, complete, appoint):
    person = make_person()
    complete(person, make_course("phap_luat", year=2025, title="Cập nhật pháp luật 2025"))
    complete(person, make_course("ky_nang_cong_vu", year=2026, title="Kỹ năng 2026"), result="dang_hoc")
    appoint(person, "chuc_vu", D(2024, 3, 1), title="Phó trưởng phòng")
    response = hr.get(page_url(person))
    assert [record.course.title for record in response.context["records"]] == [
        "Kỹ năng 2026",
        "Cập nhật pháp luật 2025",
    ]
    html = response.content.decode()
    assert "Đang học" in html
    assert "Phó trưởng phòng" in html
    assert "01/03/2024" in html


def test_the_panel_lists_each_applicable_indicator_with_what_is_missing(hr, make_person):
    person = make_person(category="cong_chuc")
    response = hr.get(page_url(person, year=2026))
    assert response.context["year"] == 2026
    assert statuses(response) == {"CC-3": False, "CC-4": False}
    html = response.content.decode()
    assert "chưa có khóa cập nhật kiến thức pháp luật hoặc bồi dưỡng đạo đức công vụ năm 2026" in html.lower()


def test_the_panel_turns_to_met_once_the_course_is_completed(hr, make_person, make_course, complete):
    person = make_person(category="cong_chuc")
    assert statuses(hr.get(page_url(person, year=2026)))["CC-3"] is False
    complete(person, make_course("phap_luat", year=2026))
    assert statuses(hr.get(page_url(person, year=2026)))["CC-3"] is True


def test_the_panel_switches_year_through_htmx(hr, make_person, make_course, complete):
    person = make_person(category="cong_chuc")
    complete(person, make_course("phap_luat", year=2025))
    url = reverse("personnel:person_indicators", args=[person.code])
    response = hr.get(url, {"year": "2025"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert statuses(response)["CC-3"] is True
    assert 'id="indicator-panel"' in html
    assert "<html" not in html
    assert response.context["years"] == [2026, 2025, 2024, 2023, 2022, 2021]
    without_htmx = hr.get(url, {"year": "2025"})
    assert without_htmx.status_code == 302
    assert "year=2025" in without_htmx.url
    assert statuses(hr.get(page_url(person, year=2025)))["CC-3"] is True
    assert hr.get(page_url(person, year=1999)).context["year"] == 2025  # the programme's last year


def test_appointment_indicators_show_each_appointment(hr, make_person, appoint):
    person = make_person(category="cong_chuc")
    appoint(person, "ngach", D(2023, 2, 1), title="Chuyên viên chính")
    response = hr.get(page_url(person, year=2025))
    cc1 = next(status for status in response.context["statuses"] if status.code == "CC-1")
    assert cc1.met is False
    assert "Chuyên viên chính" in response.content.decode()


def test_the_history_says_who_changed_what_and_when(hr, make_person, make_user, qualify):
    person = make_person(full_name="Lê Văn Tám")
    editor = make_user("editor", role="hr", first_name="Hoa", last_name="Nguyễn")

    person.position_title = "Trưởng phòng"
    person._history_user = editor
    save_person(person=person)
    qualify(person, "ly_luan_chinh_tri", 2, D(2020, 1, 1))
    response = hr.get(page_url(person))
    history = response.context["history"]
    change = next(entry for entry in history if entry.action == "Sửa")
    assert change.who == "Nguyễn Hoa"  # family name first, as people are shown
    assert ("Chức vụ", "—", "Trưởng phòng") in change.changes
    assert any(entry.subject == "Văn bằng: Lý luận chính trị Trung cấp" for entry in history)
    assert "Trưởng phòng" in response.content.decode()


def test_a_change_of_unit_shows_unit_names_in_the_history(hr, make_person, units):
    person = make_person(unit="H01X1")
    person = Person.objects.get(pk=person.pk)
    person.unit = units["H01X2"]
    save_person(person=person)
    change = next(entry for entry in hr.get(page_url(person)).context["history"] if entry.action == "Sửa")
    assert ("Đơn vị", "UBND phường Phúc Xá (H01X1)", "UBND phường Trúc Bạch (H01X2)") in change.changes


def _busy_person(make_person, make_course, complete, qualify, appoint, size):
    """Return a person with ``size`` courses, qualifications and appointments, among ``size`` colleagues."""
    person = make_person(category="cong_chuc", full_name="Nguyễn Văn Dũng")
    for index in range(size):
        make_person(category="cong_chuc")
        complete(person, make_course("khac", year=2022 + index % 4))
        qualify(person, "ngoai_ngu", index % 7, D(2010 + index % 10, 1, 1 + index % 28))
        appoint(person, "ngach", D(2015, 1, 1) + datetime.timedelta(days=index))
        person.position_title = f"Chuyên viên {index}"
        save_person(person=person)
    return person


@pytest.mark.parametrize("size", [2, 25])
def test_the_page_runs_the_same_queries_whatever_the_data_size(
    hr, make_person, make_course, complete, qualify, appoint, django_assert_num_queries, size
):
    person = _busy_person(make_person, make_course, complete, qualify, appoint, size)
    # session, user (the role is kept with the session), person, the access log's INSERT, the programme with its
    # indicators, the person's rows and history (one UNION ALL: qualifications, records with their courses and
    # course types, every course type's name, assignments, job position requirements, the four history tables and
    # the names they refer to), the engine's figures, and the appointments with the engine's figures for each
    with django_assert_num_queries(8):
        response = hr.get(page_url(person))
    assert len(response.context["records"]) == size
