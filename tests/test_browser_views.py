"""In a real browser: a city leader switches the dashboard between the two views of organisation-history.md
(today's units, and the units as they were), and opens a closed district as it was."""

import datetime
from importlib import import_module

import pytest
import time_machine
from django.apps import apps
from django.contrib.auth.models import Group

from accounts.roles import Role
from personnel import history
from personnel.models import OrgUnit, UnitSuccession
from personnel.services import rebuild_unit_paths

pytestmark = [
    pytest.mark.browser,
    pytest.mark.usefixtures("figures_in_request"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
D = datetime.date


@pytest.fixture
def reorganised(transactional_db, units, make_person, make_user):
    """Close district H01 and its wards on 1 July 2025 into a new ward N1; people of H01X1 moved there."""
    import_module("training.migrations.0002_seed_course_types").seed(apps, None)
    import_module("targets.migrations.0002_seed_hn_2021_2025").seed(apps, None)
    for role in Role:
        Group.objects.get_or_create(name=role.value)
    closing = D(2025, 7, 1)
    new = OrgUnit.objects.create(code="N1", name="Phường Hồng Hà", parent=units["HN"], level="xa", opened_on=closing)
    people = [make_person(unit="H01X1", code=f"P{n}", start_date=D(2020, 1, 1)) for n in range(3)]
    for code in ("H01", "H01X1", "H01X2"):
        OrgUnit.objects.filter(code=code).update(closed_on=closing)
        UnitSuccession.objects.create(predecessor=units[code], successor=new, is_primary=True)
    rebuild_unit_paths()
    for person in people:
        history.transfer(person=person, unit=new, on=closing)
    history.refresh_heirs()
    make_user("lanhdao", role="leader", unit="HN")
    return new


def test_a_leader_switches_the_dashboard_between_the_two_views(page, login, reorganised):
    with time_machine.travel(datetime.datetime(2026, 11, 26, 9, 0, tzinfo=datetime.UTC), tick=True):
        login("lanhdao")
        page.goto(f"{page.base_url}/bao-cao/?year=2024")
        switch = page.locator("#view-switch")
        assert "Quy về đơn vị hiện nay" in switch.inner_text()
        units = page.locator("table.units-matrix tbody th").all_inner_texts()
        assert any("Phường Hồng Hà" in name for name in units)
        assert not any("Ba Đình" in name for name in units)

        switch.locator("a").click()
        page.wait_for_load_state("networkidle")
        assert "Theo cơ cấu tổ chức khi đó" in page.locator("#view-switch").inner_text()
        units = page.locator("table.units-matrix tbody th").all_inner_texts()
        assert any("Ba Đình" in name and "01/07/2025" in name for name in units)
        assert not any("Phường Hồng Hà" in name for name in units)

        # A closed district opens as it was, with its closing date, and offers no other view.
        page.goto(f"{page.base_url}/bao-cao/?unit=H01&year=2025")
        assert "Đơn vị đã giải thể từ ngày 01/07/2025" in page.locator("#view-switch").inner_text()
        assert "30/06/2025" in page.locator(".report-head").inner_text()
