"""The shared history sample (a reorganisation on 1 July 2025), loaded with import_data, gives exactly the
expected figures in both views (organisation-history.md), through the command and the API."""

import datetime
import io
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from personnel.models import OrgUnit
from targets import compliance

SHARED = Path(__file__).resolve().parents[2] / "shared"
SAMPLE = SHARED / "examples" / "history"
EXPECTED = sorted((SHARED / "examples").glob("expected-history-*.json"))
ORDER = ["don_vi", "nhan_su", "qua_trinh_cong_tac", "van_bang", "khoa_hoc", "ket_qua", "bo_nhiem"]
COMPARED = ["numerator", "denominator", "percent", "met", "gap"]
DAY = datetime.datetime(2026, 11, 26, 12, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


@pytest.fixture
def history_loaded(db):
    """Load every history sample file in import order, on a day after the sample's last record."""
    with time_machine.travel(DAY, tick=False):
        for kind in ORDER:
            out = io.StringIO()
            call_command("import_data", kind, str(SAMPLE / f"{kind}.csv"), stdout=out)
        yield


@pytest.fixture
def api_client(history_loaded):
    """Return an API client of a city leader."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from knox.models import AuthToken
    from rest_framework.test import APIClient

    user = get_user_model().objects.create_user(username="city.leader", unit=OrgUnit.objects.get(code="HN"))
    user.groups.add(Group.objects.get(name="leader"))
    _instance, token = AuthToken.objects.create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def _expected(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _same_figures(actual: dict, expected: dict) -> None:
    assert actual["as_of"] == expected["as_of"]
    assert actual["view"] == expected["view"]
    assert [i["code"] for i in actual["indicators"]] == [i["code"] for i in expected["indicators"]]
    for got, wanted in zip(actual["indicators"], expected["indicators"], strict=True):
        assert {key: got[key] for key in COMPARED} == {key: wanted[key] for key in COMPARED}, got["code"]


def test_the_shared_folder_holds_six_expected_history_files():
    assert len(EXPECTED) == 6


@pytest.mark.parametrize("expected_file", EXPECTED, ids=lambda path: path.stem)
def test_the_history_sample_gives_the_expected_figures_through_the_command(history_loaded, expected_file):
    expected = _expected(expected_file)
    out = io.StringIO()
    with time_machine.travel(DAY, tick=False):
        call_command(
            "compliance", year=expected["year"], unit=expected["unit"]["code"], view=expected["view"], stdout=out
        )
    _same_figures(json.loads(out.getvalue()), expected)


@pytest.mark.parametrize("expected_file", EXPECTED, ids=lambda path: path.stem)
def test_the_history_sample_gives_the_expected_figures_through_the_api(history_loaded, api_client, expected_file):
    expected = _expected(expected_file)
    with time_machine.travel(DAY, tick=False):
        response = api_client.get(
            "/api/v1/compliance/",
            {"year": expected["year"], "unit": expected["unit"]["code"], "view": expected["view"]},
        )
    assert response.status_code == 200
    _same_figures(response.json(), expected)


def test_the_city_has_the_same_figures_in_both_views_every_year(history_loaded):
    with time_machine.travel(DAY, tick=False):
        root = OrgUnit.objects.get(code="HN")
        for year in range(2021, 2026):
            then = compliance.evaluate("HN-2021-2025", root, year=year, view="then")
            today = compliance.evaluate("HN-2021-2025", root, year=year, view="today")
            assert then.indicators == today.indicators, year


def test_a_closed_district_has_no_figures_in_view_today_and_says_why(history_loaded):
    with time_machine.travel(DAY, tick=False):
        report = compliance.evaluate("HN-2021-2025", OrgUnit.objects.get(code="H01"), year=2025, view="today")
    assert report.indicators == []
    assert report.note


def test_the_api_answers_in_the_view_asked_for(history_loaded, api_client):
    with time_machine.travel(DAY, tick=False):
        then = api_client.get("/api/v1/compliance/", {"year": 2023, "unit": "HN", "view": "then"}).json()
        closed_today = api_client.get("/api/v1/compliance/", {"year": 2023, "unit": "H01", "view": "today"}).json()
    assert then["view"] == "then"
    assert closed_today["view"] == "today"
    assert closed_today["indicators"] == []
    assert closed_today["note"]
