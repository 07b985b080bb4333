"""Issue #14 through /api/v1/: a plan from draft to approval, nominations beyond the places, and a roster's results."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from knox.models import AuthToken
from rest_framework.test import APIClient

from planning.models import Nomination
from training.models import TrainingRecord

NOW = datetime.datetime(2025, 11, 20, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def api_as(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user=user)[1]}")
    return client


@pytest.fixture
def district(make_user):
    return api_as(make_user("hr_district", role="hr", unit="H01"))


@pytest.fixture
def ward(make_user):
    return api_as(make_user("hr_ward", role="hr", unit="H01X1"))


def test_a_plan_goes_from_draft_to_returned_to_approved_through_the_api(ward, district, make_person):
    make_person(unit="H01X1")
    plan = ward.post("/api/v1/plans/", {"unit": "H01X1", "year": 2025}, format="json").json()
    added = ward.post(
        "/api/v1/planned-classes/",
        {"plan": plan["id"], "course_type": "phap_luat", "indicator": "CC-3", "title": "Lớp pháp luật",
         "places": 1, "quarter": 4, "estimated_cost": 15000000},
        format="json",
    )  # fmt: skip
    assert added.status_code == 201, added.json()

    warned = ward.post(f"/api/v1/plans/{plan['id']}/submit/", {}, format="json")
    assert warned.status_code == 400
    assert [w["indicator"] for w in warned.json()["warnings"]] == ["CC-4"]
    assert ward.post(f"/api/v1/plans/{plan['id']}/submit/", {"confirm_gaps": True}, format="json").status_code == 200

    refused = ward.post(f"/api/v1/plans/{plan['id']}/review/", {"decision": "approve"}, format="json")
    assert refused.status_code == 400
    returned = district.post(
        f"/api/v1/plans/{plan['id']}/review/", {"decision": "return", "comment": "Thêm lớp"}, format="json"
    )
    assert returned.json()["status"] == "tra_lai"
    ward.post(f"/api/v1/plans/{plan['id']}/submit/", {"confirm_gaps": True}, format="json")
    approved = district.post(f"/api/v1/plans/{plan['id']}/review/", {"decision": "approve"}, format="json")
    assert (approved.json()["status"], approved.json()["budget"]) == ("da_duyet", 15000000)


def test_nominations_beyond_the_places_wait_and_results_become_training_records(district, make_person, make_course):
    make_course("phap_luat", code="PL-API", start_date=datetime.date(2025, 11, 3), end_date=datetime.date(2025, 11, 7))
    assert (
        district.post("/api/v1/classes/", {"course": "PL-API", "unit": "H01", "capacity": 2}, format="json").status_code
        == 201
    )
    people = [make_person(unit="H01X1", code=f"CB-{i}") for i in range(3)]

    nominated = district.post(
        "/api/v1/nominations/", {"course": "PL-API", "persons": [p.code for p in people]}, format="json"
    ).json()

    assert [n["status"] for n in nominated] == ["chinh_thuc", "chinh_thuc", "cho"]
    bad = district.post(
        "/api/v1/classes/PL-API/results/",
        [{"person": "CB-0", "result": "hoan_thanh", "completed_on": "2025-10-01"}],
        format="json",
    )
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "completed_on"
    assert not TrainingRecord.objects.exists()
    done = district.post(
        "/api/v1/classes/PL-API/results/",
        [{"person": "CB-0", "result": "hoan_thanh", "certificate_number": "GCN-9"}],
        format="json",
    )
    assert done.status_code == 200, done.json()
    assert TrainingRecord.objects.get(person=people[0]).certificate_number == "GCN-9"
    withdrawn = district.delete(f"/api/v1/nominations/{Nomination.objects.get(person=people[1]).pk}/")
    assert withdrawn.status_code == 204
    assert Nomination.objects.get(person=people[2]).status == "chinh_thuc"
