"""In a real browser: a ward leader approves 2024, the city leader accepts it, the dashboard shows the figures as
approved, and the programme's final report prints with its signature block."""

import re
from importlib import import_module

import pytest
from django.apps import apps
from django.contrib.auth.models import Group

from accounts.roles import Role
from personnel.models import OrgUnit
from personnel.services import rebuild_unit_paths

pytestmark = [
    pytest.mark.browser,
    pytest.mark.usefixtures("figures_in_request"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def seeded(transactional_db):
    """Put back what the migrations seed if a flush removed it (see test_browser_dashboard)."""
    import_module("training.migrations.0002_seed_course_types").seed(apps, None)
    import_module("targets.migrations.0002_seed_hn_2021_2025").seed(apps, None)
    for role in Role:
        Group.objects.get_or_create(name=role.value)


@pytest.fixture
def ward(seeded, units, make_person, make_user):
    """A ward directly under the city (as after the 2025 reorganisation), two of its people, its leader and the
    city's leader."""
    ward = OrgUnit.objects.create(code="HN-HH", name="UBND phường Hồng Hà", parent=units["HN"], level="xa")
    rebuild_unit_paths()
    make_person(full_name="Nguyễn Văn An", unit=ward, category="cong_chuc_xa", code="CB-AN")
    make_person(full_name="Trần Thị Bình", unit=ward, category="cong_chuc_xa", code="CB-BINH")
    make_user("lanhdao.thanhpho", role="leader", unit="HN")
    user = make_user("lanhdao.phuong", role="leader", unit="HN")
    user.unit = ward
    user.save()
    return ward


def test_a_ward_leader_approves_2024_the_city_accepts_and_the_dashboard_shows_it_approved(page, login, ward):
    login("lanhdao.phuong")
    page.goto(f"{page.base_url}/phe-duyet/?unit=HN-HH&year=2024")
    assert page.locator("#this-year [data-status]").first.get_attribute("data-status") == "none"
    page.locator('#this-year button[data-action="approve"]').click()
    page.wait_for_load_state("networkidle")
    assert page.locator("#this-year [data-status]").first.get_attribute("data-status") == "approved"

    page.context.clear_cookies()
    login("lanhdao.thanhpho")
    page.goto(f"{page.base_url}/phe-duyet/?unit=HN&year=2024")
    row = page.locator('#children tr[data-unit="HN-HH"]')
    assert row.locator("[data-status]").get_attribute("data-status") == "approved"
    row.locator('button[data-action="accept"]').click()
    page.wait_for_load_state("networkidle")
    assert page.locator('#children tr[data-unit="HN-HH"] [data-status]').get_attribute("data-status") == "final"

    page.goto(f"{page.base_url}/bao-cao/?unit=HN-HH&year=2024")
    mark = page.locator("#approved-mark")
    assert mark.is_visible()
    assert "lanhdao.phuong" in mark.inner_text()
    assert "lanhdao.thanhpho" in mark.inner_text()
    assert "Thành phố đã chấp nhận" in mark.inner_text()


def test_the_final_report_prints_with_the_signature_block(page, login, ward, tmp_path):
    login("lanhdao.phuong")
    page.goto(f"{page.base_url}/phe-duyet/bao-cao-tong-ket/?unit=HN-HH")
    assert "Báo cáo tổng kết Chương trình 01-CTr/TU giai đoạn 2021–2025" in page.locator("h1.report-title").inner_text()
    assert page.locator("#final-indicators tbody tr").count() == 15

    page.emulate_media(media="print")
    signature = page.locator("#signature-block")
    assert signature.is_visible()
    assert re.search(r"Người lập biểu", signature.inner_text(), re.IGNORECASE)
    assert re.search(r"Thủ trưởng đơn vị", signature.inner_text(), re.IGNORECASE)
    assert not page.locator(".print-actions").is_visible()
    pdf = page.pdf(path=str(tmp_path / "tong-ket.pdf"))
    assert pdf.startswith(b"%PDF")
