"""Courses belong to the unit that runs them (issue #17, item 4): HR of one district may no longer change
everyone's courses, nor change what other units' training records of a course mean."""

import datetime
import importlib

import pytest
import time_machine
from django.apps import apps
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from exchange.testing import csv_bytes, template_rows
from training.models import Course
from training.scoping import can_change_course, changeable_courses, course_used_outside_scope

D = datetime.date


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime.datetime(2025, 11, 20, 9, 0, tzinfo=datetime.UTC), tick=False):
        yield


@pytest.fixture
def api(hr_user):
    client = APIClient()
    client.force_authenticate(hr_user)
    return client


@pytest.fixture
def own(make_course, units):
    """A course run by Ba Đình (H01), the HR officer's district."""
    return make_course("phap_luat", code="K-BD", year=2025, unit=units["H01X1"])


@pytest.fixture
def theirs(make_course, units):
    """A course run by Đông Anh (H02)."""
    return make_course("phap_luat", code="K-DA", year=2025, unit=units["H02"])


@pytest.fixture
def shared(own, make_person, complete):
    """Ba Đình's course, attended by a person of Đông Anh."""
    complete(make_person(unit="H02X1"), own, on=D(2025, 6, 30))
    return own


def course_post(course, **changes) -> dict:
    data = {
        "code": course.code,
        "title": course.title,
        "types": list(course.types.values_list("code", flat=True)),
        "start_date": course.start_date.strftime("%d/%m/%Y"),
        "end_date": course.end_date.strftime("%d/%m/%Y"),
        "version": course.version,
        "unit": course.unit_id,
        **changes,
    }
    return {key: value for key, value in data.items() if value is not None}


# ---------------------------------------------------------------------------------------------
# The rule


def test_hr_may_change_only_the_courses_their_subtree_runs(hr_user, own, theirs, make_course):
    city = make_course("phap_luat", code="K-HN", year=2025)  # no unit: the whole city's
    assert list(changeable_courses(hr_user)) == [own]
    assert [can_change_course(hr_user, c) for c in (own, theirs, city)] == [True, False, False]


def test_admins_may_change_every_course(make_user, own, theirs):
    admin = make_user("probe_admin", role="admin", unit="HN")
    assert set(changeable_courses(admin)) == {own, theirs}


def test_a_course_attended_by_another_districts_person_is_used_outside_the_scope(hr_user, own, shared):
    assert course_used_outside_scope(hr_user, shared)


def test_existing_courses_are_given_to_the_root_unit_by_the_migration(make_course, units):
    course = make_course("phap_luat", code="K-OLD")
    migration = importlib.import_module("training.migrations.0006_holes_course_unit")
    migration.run_by_the_root_unit(apps, None)
    course.refresh_from_db()
    assert course.unit == units["HN"]


# ---------------------------------------------------------------------------------------------
# Pages


def test_hr_cannot_open_another_districts_course_for_editing(hr, theirs):
    assert hr.get(reverse("training:course_edit", args=[theirs.code])).status_code == 404
    response = hr.post(reverse("training:course_edit", args=[theirs.code]), course_post(theirs, title="Đổi"))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.title != "Đổi"


def test_the_course_page_offers_editing_only_to_those_who_may(hr, own, theirs):
    assert reverse("training:course_edit", args=[own.code]) in hr.get(own_url(own)).content.decode()
    assert reverse("training:course_edit", args=[theirs.code]) not in hr.get(own_url(theirs)).content.decode()


def own_url(course) -> str:
    return reverse("training:course_detail", args=[course.code])


def test_a_course_created_by_hr_is_run_by_their_unit(hr, units):
    data = {
        "code": "K-MOI",
        "title": "Lớp mới",
        "types": ["phap_luat"],
        "start_date": "01/03/2025",
        "end_date": "05/03/2025",
    }
    assert hr.post(reverse("training:course_create"), data).status_code == 302
    assert Course.objects.get(code="K-MOI").unit == units["H01"]


def test_hr_cannot_change_the_dates_or_types_of_a_course_other_districts_attended(hr, shared):
    url = reverse("training:course_edit", args=[shared.code])
    for change in ({"end_date": "31/07/2025"}, {"types": ["hdnd"]}):
        response = hr.post(url, course_post(shared, **change))
        assert response.status_code == 200
        assert response.context["form"].errors
    shared.refresh_from_db()
    assert shared.end_date == D(2025, 6, 30)
    assert hr.post(url, course_post(shared, title="Tên mới")).status_code == 302
    shared.refresh_from_db()
    assert shared.title == "Tên mới"


# ---------------------------------------------------------------------------------------------
# API


def test_the_api_answers_a_write_to_another_districts_course_like_an_unknown_one(api, theirs):
    assert api.get(f"/api/v1/courses/{theirs.code}/").status_code == 200  # courses are read by everyone
    assert api.patch(f"/api/v1/courses/{theirs.code}/", {"title": "Đổi"}, format="json").status_code == 404
    assert api.delete(f"/api/v1/courses/{theirs.code}/").status_code == 404
    assert Course.objects.filter(pk=theirs.pk, title=theirs.title).exists()


def test_the_api_refuses_changing_what_other_districts_records_of_a_course_mean(api, shared):
    url = f"/api/v1/courses/{shared.code}/"
    response = api.patch(url, {"end_date": "2025-07-31"}, format="json")
    assert response.status_code == 400
    assert "end_date" in response.json()
    response = api.patch(url, {"grants_kind": "ly_luan_chinh_tri", "grants_level": 2}, format="json")
    assert response.status_code == 400
    assert api.patch(url, {"title": "Tên mới"}, format="json").status_code == 200


def test_the_api_gives_a_new_course_the_writers_unit(api, units):
    payload = {"code": "K-API", "title": "Lớp API", "types": ["phap_luat"], "start_date": "2025-03-01"}
    assert api.post("/api/v1/courses/", {**payload, "end_date": "2025-03-05"}, format="json").status_code == 201
    assert Course.objects.get(code="K-API").unit == units["H01"]


# ---------------------------------------------------------------------------------------------
# Import


@pytest.fixture
def importer(client, make_user, settings):
    settings.IMPORT_JOBS_INLINE = True
    user = make_user("probe_importer", role="hr", unit="H01")
    user.user_permissions.add(Permission.objects.get(codename="add_importbatch", content_type__app_label="exchange"))
    client.force_login(user)
    return client


def import_courses(client, rows: list[dict], *, confirm: bool = False):
    upload = SimpleUploadedFile("khoa_hoc.csv", csv_bytes(template_rows("khoa_hoc", rows)), content_type="text/csv")
    response = client.post(reverse("exchange:upload", args=["khoa_hoc"]), {"file": upload}, follow=True)
    if confirm:
        response = client.post(reverse("exchange:confirm", args=[response.context["batch"].pk]), follow=True)
    return response


def course_row(course, **cells) -> dict:
    return {
        "Mã khóa học": course.code,
        "Tên khóa học": course.title,
        "Loại khóa học": "phap_luat",
        "Từ ngày": course.start_date.strftime("%d/%m/%Y"),
        "Đến ngày": course.end_date.strftime("%d/%m/%Y"),
        **cells,
    }


def error_columns(response) -> list[str]:
    return [column for row in response.context["rows"] for column, _value, _reason in row.errors]


def test_a_scoped_import_cannot_change_another_districts_course(importer, theirs):
    response = import_courses(importer, [course_row(theirs, **{"Tên khóa học": "Đổi tên"})])
    assert error_columns(response) == ["Mã khóa học"]


def test_a_scoped_import_cannot_move_the_dates_of_a_course_other_districts_attended(importer, shared):
    response = import_courses(importer, [course_row(shared, **{"Đến ngày": "31/07/2025"})])
    assert error_columns(response) == ["Mã khóa học"]


def test_a_scoped_import_gives_new_courses_the_importers_unit(importer, units):
    new = Course(code="K-NHAP", title="Lớp nhập", start_date=D(2025, 3, 1), end_date=D(2025, 3, 5))
    import_courses(importer, [course_row(new)], confirm=True)
    assert Course.objects.get(code="K-NHAP").unit == units["H01"]
