"""Every list of the API runs a fixed number of queries, whatever the number of rows."""

import datetime

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def client(make_user):
    _instance, token = AuthToken.objects.create(user=make_user("hr_ba_dinh", "hr", "H01"))
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return api


def fill(size, make_person, make_course, complete, qualify, appoint):
    """Create ``size`` persons of Ba Đình, each with a record, a qualification and an appointment."""
    courses = [make_course("phap_luat", "dao_duc_cong_vu", year=2024) for _ in range(size)]
    for index in range(size):
        person = make_person(unit="H01X1" if index % 2 else "H01X2")
        complete(person, courses[index])
        qualify(person, "chuyen_mon", 4, datetime.date(2010, 1, 1))
        appoint(person, "ngach", datetime.date(2022, 5, 1))


# Every request: the token (2 queries) and the caller's role (1). Scoped lists add the scope (the role
# again, the user's unit); then each list's count and page, and its prefetches.
LISTS = [
    ("/api/v1/persons/", 8),  # page with units, and the access log's INSERT
    ("/api/v1/qualifications/", 7),  # page with persons
    ("/api/v1/appointments/", 7),
    ("/api/v1/training-records/", 7),  # page with persons and courses
    ("/api/v1/courses/", 6),  # + course types of the page; courses are not scoped
    ("/api/v1/course-types/", 5),
    ("/api/v1/units/", 8),  # + their successors
    ("/api/v1/programmes/", 5),
    ("/api/v1/indicators/", 5),
]


@pytest.mark.parametrize("size", [2, 12])
@pytest.mark.parametrize(("url", "queries"), LISTS, ids=[url for url, _ in LISTS])
def test_a_list_runs_the_same_number_of_queries_for_any_number_of_rows(
    client, make_person, make_course, complete, qualify, appoint, django_assert_num_queries, size, url, queries
):
    fill(size, make_person, make_course, complete, qualify, appoint)
    with django_assert_num_queries(queries):
        response = client.get(url)
    assert response.status_code == 200
    assert response.json()["count"] >= 1


@pytest.mark.parametrize("size", [2, 12])
def test_the_unmet_list_runs_the_same_number_of_queries_for_any_number_of_people(
    client, make_person, make_course, complete, qualify, appoint, django_assert_num_queries, size
):
    fill(size, make_person, make_course, complete, qualify, appoint)
    # token (2), role, programme, scope (role, unit), the indicator, the programme's indicators (engine),
    # whether heir units are due (once a day per process), count, page, course-type names
    with django_assert_num_queries(13):
        response = client.get("/api/v1/compliance/unmet/", {"indicator": "CC-3", "year": 2025})
    assert response.json()["count"] == size
