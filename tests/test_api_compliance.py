"""The API's compliance figures are the engine's: equal to the `compliance` command's and the dashboard's."""

import datetime
import io
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from knox.models import AuthToken
from rest_framework.test import APIClient

from personnel.models import OrgUnit
from targets import compliance
from tests.conftest import PASSWORD

SAMPLE = Path(__file__).resolve().parents[2] / "shared" / "examples" / "sample"
ORDER = ["don_vi", "nhan_su", "van_bang", "khoa_hoc", "ket_qua", "bo_nhiem"]
TODAY = datetime.datetime(2026, 11, 26, 12, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
CASES = [(2025, "HN"), (2025, "H02"), (2023, "HN"), (2022, "H01X1"), (2024, "H01")]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def sample(db):
    """Load the shared sample (tricky on purpose) with the import command; the test runs on a day after it."""
    with time_machine.travel(TODAY, tick=False):
        for kind in ORDER:
            call_command("import_data", kind, str(SAMPLE / f"{kind}.csv"), stdout=io.StringIO())
        yield


def api_as(user) -> APIClient:
    _instance, token = AuthToken.objects.create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def make_sample_user(username: str, role: str, unit: str | None):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    user = get_user_model().objects.create_user(
        username=username, password=PASSWORD, unit=OrgUnit.objects.get(code=unit) if unit else None
    )
    user.groups.add(Group.objects.get(name=role))
    return user


def command_json(**options) -> dict:
    out = io.StringIO()
    call_command("compliance", stdout=out, **options)
    return json.loads(out.getvalue())


@pytest.mark.parametrize(("year", "unit"), CASES)
def test_the_api_gives_the_commands_figures_for_the_same_programme_year_and_unit(sample, year, unit):
    client = api_as(make_sample_user("thanh_pho", "viewer", None))
    params = {"programme": "HN-2021-2025", "year": year, "unit": unit}
    response = client.get("/api/v1/compliance/", params)
    assert response.status_code == 200
    assert response.json() == command_json(programme="HN-2021-2025", year=year, unit=unit)
    programme_report = compliance.evaluate("HN-2021-2025", OrgUnit.objects.get(code=unit), year=year)
    assert response.json() == json.loads(json.dumps(programme_report.as_json()))
    assert any(row["denominator"] for row in response.json()["indicators"])  # the sample has people there


@pytest.mark.parametrize(("year", "unit"), CASES)
def test_the_api_gives_the_dashboards_figures_for_its_unit_and_child_units(sample, year, unit):
    user = make_sample_user("thanh_pho", "viewer", None)
    browser = Client()
    browser.force_login(user)
    figures = browser.get("/bao-cao/", {"programme": "HN-2021-2025", "year": year, "unit": unit}).context["figures"]
    api = api_as(user).get("/api/v1/compliance/units/", {"year": year, "unit": unit}).json()
    assert figures.current
    dashboard = json.loads(json.dumps(figures.report.as_json()))
    assert {key: value for key, value in api.items() if key != "children"} == dashboard
    assert api["children"] == json.loads(json.dumps([child.as_json() for child in figures.children]))


def test_a_district_officer_sees_the_same_figures_for_their_district_by_default(sample):
    client = api_as(make_sample_user("dong_anh", "hr", "H02"))
    by_default = client.get("/api/v1/compliance/", {"year": 2025}).json()
    expected = command_json(year=2025, unit="H02")
    assert by_default == expected
    assert by_default["unit"] == {"code": "H02", "name": OrgUnit.objects.get(code="H02").name}


def test_the_defaults_are_the_default_programme_its_latest_begun_year_and_the_root_for_the_whole_city(sample):
    client = api_as(make_sample_user("thanh_pho", "viewer", None))
    response = client.get("/api/v1/compliance/").json()
    expected = command_json()
    assert response == expected
    # In 2026 the programme 2021-2025 has ended: its last year (targets.years.default_year), as on every page.
    assert (response["programme"], response["unit"]["code"], response["year"]) == ("HN-2021-2025", "HN", 2025)
    assert response["as_of"] == "2025-12-31"


def test_as_of_sets_the_evaluation_date(sample):
    client = api_as(make_sample_user("thanh_pho", "viewer", None))
    response = client.get("/api/v1/compliance/", {"as_of": "2023-06-30", "unit": "H01"}).json()
    assert response == command_json(as_of="2023-06-30", unit="H01")
    assert (response["year"], response["as_of"]) == (2023, "2023-06-30")


def test_the_child_units_are_each_evaluated_over_their_subtree(sample):
    client = api_as(make_sample_user("thanh_pho", "viewer", None))
    body = client.get("/api/v1/compliance/units/", {"year": 2025, "unit": "HN"}).json()
    children = {child["unit"]["code"]: child for child in body["children"]}
    assert set(children) == set(OrgUnit.objects.filter(parent__code="HN").values_list("code", flat=True))
    for code, child in children.items():
        assert child == command_json(year=2025, unit=code)


def test_the_people_not_meeting_an_indicator_are_listed_with_what_they_miss(sample):
    client = api_as(make_sample_user("thanh_pho", "viewer", None))
    params = {"indicator": "CC-3", "year": 2025, "unit": "HN", "page_size": 1000}
    body = client.get("/api/v1/compliance/unmet/", params).json()
    unit = OrgUnit.objects.get(code="HN")
    expected = list(compliance.unmet("HN-2021-2025", "CC-3", unit, year=2025).values_list("code", flat=True))
    figures = command_json(year=2025, unit="HN")
    cc3 = next(row for row in figures["indicators"] if row["code"] == "CC-3")
    assert [row["code"] for row in body["results"]] == expected
    assert body["count"] == cc3["denominator"] - cc3["numerator"] > 0
    assert (body["indicator"], body["year"], body["as_of"]) == ("CC-3", 2025, "2025-12-31")
    assert all(row["missing"] == [body["results"][0]["missing"][0]] for row in body["results"])
    assert "năm 2025" in body["results"][0]["missing"][0]


def test_appointments_not_meeting_an_appointment_indicator_are_listed_one_by_one(sample):
    client = api_as(make_sample_user("thanh_pho", "viewer", None))
    body = client.get("/api/v1/compliance/unmet/", {"indicator": "CC-1", "year": 2025, "page_size": 1000}).json()
    figures = next(row for row in command_json(year=2025, unit="HN")["indicators"] if row["code"] == "CC-1")
    assert body["count"] == figures["denominator"] - figures["numerator"] > 0
    first = body["results"][0]
    assert first["appointment"]["kind"] in {"ngach", "chuc_vu"}
    assert first["missing"]
    assert "trước ngày bổ nhiệm" in first["missing"][0]


def test_bad_compliance_parameters_are_400_and_unknown_codes_404(sample):
    client = api_as(make_sample_user("thanh_pho", "viewer", None))
    assert client.get("/api/v1/compliance/", {"year": "hai nghìn"}).json() == {"year": ["Cần một số nguyên."]}
    assert client.get("/api/v1/compliance/", {"as_of": "31/12/2025"}).status_code == 400
    assert client.get("/api/v1/compliance/", {"as_of": "0001-01-01"}).status_code == 400
    assert client.get("/api/v1/compliance/", {"programme": "KHONG-CO"}).status_code == 404
    assert client.get("/api/v1/compliance/", {"unit": "KHONG-CO"}).status_code == 404
    missing = client.get("/api/v1/compliance/unmet/")
    assert missing.status_code == 400
    assert missing.json() == {"indicator": ["Trường này là bắt buộc."]}
    unknown = client.get("/api/v1/compliance/unmet/", {"indicator": "XX-9"})
    assert unknown.status_code == 404
    assert unknown.json()["detail"] == "Chương trình HN-2021-2025 không có chỉ tiêu mã “XX-9”."
