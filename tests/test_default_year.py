"""Every page opens on the programme's latest year that has begun (its last year once it has ended), and says so."""

import datetime

import pytest
import time_machine

from targets import years

pytestmark = pytest.mark.django_db


def test_after_the_programme_has_ended_pages_open_on_its_last_year(programme):
    today = datetime.date(2026, 12, 4)
    assert years.default_year(programme, today) == 2025
    assert years.selectable_years(programme, today) == [2021, 2022, 2023, 2024, 2025, 2026]
    assert years.chosen_year("2023", programme, today) == 2023
    assert years.chosen_year("1999", programme, today) == 2025
    assert years.chosen_year("", programme, today) == 2025
    assert "2025" in years.year_note(programme, 2025, today)


def test_while_the_programme_runs_pages_open_on_the_current_year_without_a_note(programme):
    today = datetime.date(2024, 3, 1)
    assert years.default_year(programme, today) == 2024
    assert years.selectable_years(programme, today) == [2021, 2022, 2023, 2024]
    assert years.year_note(programme, 2024, today) == ""


def test_approvals_take_the_begun_years_bulk_approvals_the_ended_ones_and_plans_reach_next_year(programme):
    today = datetime.date(2024, 3, 1)
    assert years.begun_years(programme, today) == [2021, 2022, 2023, 2024]
    assert years.ended_years(programme, today) == [2021, 2022, 2023]
    assert years.plannable_years(programme, today) == [2025, 2024, 2023, 2022, 2021]
    assert years.ended_years(None, today) == []


def test_the_dashboard_the_person_list_and_the_person_page_agree_on_the_year(client, make_user, make_person):
    person = make_person(code="CB-1")
    client.force_login(make_user("lanhdao", role="leader", unit="H01"))
    with time_machine.travel(datetime.datetime(2026, 12, 4, 9, tzinfo=datetime.UTC), tick=False):
        dashboard = client.get("/bao-cao/").content.decode()
        listing = client.get("/nhan-su/").content.decode()
        detail = client.get(f"/nhan-su/{person.code}/").content.decode()
    assert '<strong class="report-year">2025</strong>' in dashboard
    assert "Chưa đạt (2025)" in listing
    assert "Chỉ tiêu năm 2025" in detail
    for page in (dashboard, listing, detail):
        assert 'class="year-note"' in page
