"""Recording a whole class at once: bulk writes with history, all or nothing, only persons in scope."""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from training.models import TrainingRecord
from training.services import ClassRecordError, parse_codes, record_class

D = datetime.date
URL = "/dao-tao/ghi-ket-qua-ca-lop/"


@pytest.fixture(autouse=True)
def _today(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast test users
    with time_machine.travel(datetime.datetime(2026, 11, 26, 9, 0, tzinfo=datetime.UTC), tick=False):
        yield


def test_pasted_codes_are_split_on_lines_spaces_commas_and_semicolons_once_each():
    assert parse_codes("HN01\nHN02, HN03;HN04\t HN01\r\n") == ["HN01", "HN02", "HN03", "HN04"]
    assert parse_codes("  ") == []


def test_a_class_is_recorded_in_bulk_with_history_and_the_user(
    hr_user, make_person, make_course, django_assert_max_num_queries
):
    course = make_course("phap_luat", year=2026)
    people = [make_person(unit="H01X1") for _ in range(30)]
    with django_assert_max_num_queries(12):
        done = record_class(
            course=course, persons=people, result="hoan_thanh", completed_on=D(2026, 7, 1), user=hr_user
        )
    assert (done.created, done.updated, done.unchanged) == (30, 0, 0)
    records = TrainingRecord.objects.filter(course=course)
    assert records.count() == 30
    assert set(records.values_list("completed_on", flat=True)) == {D(2026, 7, 1)}
    history = TrainingRecord.history.filter(course_id=course.pk)
    assert history.count() == 30
    assert {entry.history_user_id for entry in history} == {hr_user.pk}


def test_codes_and_persons_are_both_accepted_and_existing_records_are_updated(
    hr_user, make_person, make_course, complete
):
    course = make_course("phap_luat", year=2026)
    ongoing, done_already, new = make_person(), make_person(), make_person()
    complete(ongoing, course, result="dang_hoc")
    complete(done_already, course)
    result = record_class(
        course=course, persons=[ongoing.code, done_already, new.code], result="hoan_thanh", completed_on=None,
        user=hr_user,
    )  # fmt: skip
    assert (result.created, result.updated, result.unchanged) == (1, 1, 1)
    assert set(TrainingRecord.objects.filter(course=course).values_list("result", flat=True)) == {"hoan_thanh"}
    assert TrainingRecord.history.filter(person_id=ongoing.pk, history_type="~").count() == 1


def test_unknown_and_out_of_scope_codes_read_alike_and_nothing_is_written(hr_user, make_person, make_course):
    course = make_course("phap_luat", year=2026)
    mine = make_person(unit="H01X2")
    theirs = make_person(unit="H02X1")
    with pytest.raises(ClassRecordError) as caught:
        record_class(
            course=course,
            persons=[mine.code, "KHONG-CO", theirs.code],
            result="hoan_thanh",
            completed_on=None,
            user=hr_user,
        )
    # Another district's person reads exactly like a code nobody has (issue #17, item 7).
    assert caught.value.unknown_codes == ["KHONG-CO", theirs.code]
    assert caught.value.messages == [f"Không có cán bộ mang mã: KHONG-CO, {theirs.code}."]
    assert not TrainingRecord.objects.exists()


def test_completion_date_rules_hold_for_a_whole_class(hr_user, make_person, make_course):
    course = make_course("phap_luat", year=2025)
    person = make_person()
    for result, on in [("hoan_thanh", D(2025, 5, 31)), ("hoan_thanh", D(2026, 7, 1)), ("dang_hoc", D(2025, 6, 30))]:
        with pytest.raises(ValidationError) as caught:
            record_class(course=course, persons=[person], result=result, completed_on=on, user=hr_user)
        assert "completed_on" in caught.value.message_dict
    assert not TrainingRecord.objects.exists()


def test_only_writers_may_record_a_class(make_user, make_person, make_course):
    leader = make_user("leader_h01", role="leader")
    with pytest.raises(PermissionDenied):
        record_class(
            course=make_course("phap_luat"), persons=[make_person()], result="hoan_thanh", completed_on=None,
            user=leader,
        )  # fmt: skip
    assert not TrainingRecord.objects.exists()


def test_the_page_records_a_pasted_list_in_one_step(hr, make_person, make_course):
    course = make_course("phap_luat", year=2026, code="PL26")
    people = [make_person(unit="H01X1") for _ in range(3)]
    assert reverse("training:record_class") == URL
    assert hr.get(URL, {"khoa": "PL26"}).context["form"].initial["course"] == course
    data = {
        "course": course.pk,
        "codes": "\n".join(p.code for p in people),
        "result": "hoan_thanh",
        "completed_on": "30/06/2026",
    }
    response = hr.post(URL, data, follow=True)
    assert response.redirect_chain[-1][0] == reverse("training:course_detail", args=["PL26"])
    assert "Đã ghi kết quả cho 3 cán bộ: 3 mới, 0 cập nhật, 0 không đổi." in response.content.decode()
    assert TrainingRecord.objects.filter(course=course, completed_on=D(2026, 6, 30)).count() == 3


def test_the_page_lists_wrong_codes_next_to_the_list_and_writes_nothing(hr, make_person, make_course):
    course = make_course("phap_luat", year=2026)
    mine, theirs = make_person(), make_person(unit="SNV")
    data = {"course": course.pk, "codes": f"{mine.code}, {theirs.code}, XYZ", "result": "hoan_thanh"}
    response = hr.post(URL, data)
    assert response.status_code == 200
    assert response.context["form"].errors["codes"] == [f"Không có cán bộ mang mã: {theirs.code}, XYZ."]
    response = hr.post(URL, {**data, "codes": mine.code, "completed_on": "01/12/2026"})
    assert response.context["form"].errors["completed_on"] == ["Ngày hoàn thành không được ở tương lai."]
    assert not TrainingRecord.objects.exists()


def test_the_person_picker_finds_people_in_scope_without_accents(hr, make_person):
    found = make_person(full_name="Đặng Văn Dũng", unit="H01X1")
    make_person(full_name="Đặng Văn Dũng", unit="H02")
    make_person(full_name="Đặng Văn Dũng", end_date=D(2025, 1, 1))
    response = hr.get(reverse("training:person_search"), {"q": "dang dung"})
    assert [person.code for person in response.context["persons"]] == [found.code]
    assert f'data-add-code="{found.code}"' in response.content.decode()


def test_a_person_code_in_lower_case_finds_the_person(hr_user, make_person, make_course):
    course = make_course("phap_luat", year=2025)
    person = make_person(code="CB070001")
    result = record_class(course=course, persons=["cb070001"], result="dang_hoc", completed_on=None, user=hr_user)
    assert result.created == 1
    assert TrainingRecord.objects.get(course=course).person == person
