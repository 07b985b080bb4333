"""Courses: shared by the whole city, with attendees shown only for the user's scope."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from training.models import Course

D = datetime.date
LIST = "/dao-tao/"


@pytest.fixture(autouse=True)
def _today(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast test users
    with time_machine.travel(datetime.datetime(2026, 11, 26, 9, 0, tzinfo=datetime.UTC), tick=False):
        yield


@pytest.fixture
def hr(client, make_user):
    """Return a client logged in as an HR user of district H01."""
    client.force_login(make_user("hr_h01", role="hr", unit="H01"))
    return client


def course_data(**changes) -> dict:
    data = {
        "code": "PL-2026-01",
        "title": "Cập nhật kiến thức pháp luật năm 2026",
        "types": ["phap_luat", "dao_duc_cong_vu"],
        "form": "boi_duong",
        "provider": "Trường Đào tạo cán bộ Lê Hồng Phong",
        "start_date": "02/03/2026",
        "end_date": "06/03/2026",
        "hours": "40",
        "grants": "",
    }
    data.update(changes)
    return data


def test_the_list_shows_every_course_with_attendees_counted_in_scope(hr, make_course, make_person, complete):
    course = make_course("phap_luat", year=2026, title="Pháp luật 2026")
    make_course("hdnd", year=2024, title="HĐND 2024")
    complete(make_person(unit="H01X1"), course)
    complete(make_person(unit="H01"), course, result="dang_hoc")
    complete(make_person(unit="H02"), course)  # another district: not counted for this user
    assert reverse("training:course_list") == LIST
    response = hr.get(LIST)
    rows = {row.code: row for row in response.context["page"].rows}
    assert set(rows) == {course.code, Course.objects.get(title="HĐND 2024").code}
    assert (rows[course.code].attendees, rows[course.code].completed) == (2, 1)


def test_the_list_filters_by_text_type_and_year(hr, make_course):
    legal = make_course("phap_luat", year=2026, title="Pháp luật 2026", provider="Học viện Hành chính")
    skills = make_course("ky_nang_cong_vu", year=2025, title="Kỹ năng công vụ 2025")

    def codes(**params):
        return [row.code for row in hr.get(LIST, params).context["page"].rows]

    assert codes(q="pháp luật") == [legal.code]
    assert codes(q="hành chính") == [legal.code]
    assert codes(type="ky_nang_cong_vu") == [skills.code]
    assert codes(year="2025") == [skills.code]
    html = hr.get(LIST, {"q": "kỹ năng"}, headers={"HX-Request": "true"}).content.decode()
    assert "Kỹ năng công vụ 2025" in html
    assert "<html" not in html


def test_the_detail_shows_only_attendees_in_scope_with_their_results(hr, make_course, make_person, complete):
    course = make_course("phap_luat", year=2026)
    mine = make_person(unit="H01X1", full_name="Nguyễn Thị Mai")
    failed = make_person(unit="H01", full_name="Lê Văn Bình")
    theirs = make_person(unit="H02", full_name="Phạm Văn Xa")
    complete(mine, course, on=D(2026, 7, 2))
    complete(failed, course, result="khong_dat")
    complete(theirs, course)
    response = hr.get(reverse("training:course_detail", args=[course.code]))
    assert [record.person.code for record in response.context["page"].rows] == [failed.code, mine.code]
    assert response.context["total"] == 2
    html = response.content.decode()
    assert "Nguyễn Thị Mai" in html
    assert "02/07/2026" in html
    assert "Không đạt" in html
    assert "Phạm Văn Xa" not in html


def test_a_course_is_created_with_its_types(hr):
    response = hr.post(reverse("training:course_create"), course_data())
    assert response.status_code == 302
    course = Course.objects.get(code="PL-2026-01")
    assert response.url == reverse("training:course_detail", args=[course.code])
    assert sorted(course.types.values_list("code", flat=True)) == ["dao_duc_cong_vu", "phap_luat"]
    assert (course.start_date, course.end_date, course.hours) == (D(2026, 3, 2), D(2026, 3, 6), 40)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"end_date": "01/03/2026"}, "end_date", "Ngày kết thúc không được trước ngày bắt đầu."),
        ({"grants": "ngoai_ngu"}, "grants", None),
        ({"grants": "ly_luan_chinh_tri:6"}, "grants", None),
        ({"grants": "ly_luan_chinh_tri:0"}, "grants", None),
        ({"types": []}, "types", None),
        ({"hours": "-3"}, "hours", None),
    ],
)
def test_a_bad_course_is_refused_with_a_message_next_to_the_field(hr, changes, field, message):
    response = hr.post(reverse("training:course_create"), course_data(**changes))
    assert response.status_code == 200
    field_errors = response.context["form"].errors[field]
    if message:
        assert field_errors == [message]
    assert not Course.objects.exists()


def test_a_course_granting_a_level_records_it(hr):
    data = course_data(grants="ly_luan_chinh_tri:3", types=["ly_luan_chinh_tri"])
    assert hr.post(reverse("training:course_create"), data).status_code == 302
    course = Course.objects.get()
    assert (course.grants_kind, course.grants_level) == ("ly_luan_chinh_tri", 3)
    assert "Cao cấp" in hr.get(reverse("training:course_detail", args=[course.code])).content.decode()
    edit = hr.get(reverse("training:course_edit", args=[course.code]))
    assert edit.context["form"]["grants"].value() == "ly_luan_chinh_tri:3"
    assert hr.post(reverse("training:course_edit", args=[course.code]), {**data, "grants": ""}).status_code == 302
    course.refresh_from_db()
    assert (course.grants_kind, course.grants_level) == (None, None)


def test_editing_dates_may_not_strand_recorded_completion_dates(hr, make_course, make_person, complete, units):
    course = make_course(
        "phap_luat", code="PL-2026-01", start_date=D(2026, 3, 2), end_date=D(2026, 3, 6), unit=units["H01"]
    )
    complete(make_person(), course, on=D(2026, 3, 6))
    url = reverse("training:course_edit", args=[course.code])
    response = hr.post(url, course_data(start_date="07/03/2026", end_date="10/03/2026"))
    assert response.context["form"].errors["start_date"] == [
        "1 kết quả đã ghi có ngày hoàn thành nằm ngoài khoảng thời gian mới; hãy sửa các kết quả đó trước."
    ]
    assert hr.post(url, course_data(title="Pháp luật (sửa tên)")).status_code == 302
    course.refresh_from_db()
    assert course.title == "Pháp luật (sửa tên)"


def test_leaders_read_courses_but_may_not_write(client, make_user, make_course):
    course = make_course("phap_luat")
    client.force_login(make_user("leader_h01", role="leader"))
    assert client.get(LIST).status_code == 200
    assert client.get(reverse("training:course_detail", args=[course.code])).status_code == 200
    for url in [
        reverse("training:course_create"),
        reverse("training:course_edit", args=[course.code]),
        reverse("training:record_class"),
    ]:
        assert client.get(url).status_code == 403
        assert client.post(url, course_data()).status_code == 403


def _courses(make_course, make_person, complete, size):
    people = [make_person(unit="H01X1") for _ in range(size)]
    for index in range(size):
        course = make_course("phap_luat", "dao_duc_cong_vu", year=2021 + index % 6)
        for person in people[: index + 1]:
            complete(person, course)
    return course


@pytest.mark.parametrize("size", [2, 12])
def test_the_course_list_and_detail_run_the_same_queries_whatever_the_data_size(
    hr, make_course, make_person, complete, django_assert_num_queries, size
):
    course = _courses(make_course, make_person, complete, size)
    # session, user (with their unit; the role is kept with the session), programme with its indicators, the rows
    # with their capped count, their types, attendee counts, the type choices (the menu's import link costs none:
    # see accounts.context_processors)
    with django_assert_num_queries(7):
        hr.get(LIST)
    # session, user (with their unit), course, its types, result summary, the rows with their capped count,
    with django_assert_num_queries(6):
        response = hr.get(reverse("training:course_detail", args=[course.code]))
    assert len(response.context["page"].rows) == size
