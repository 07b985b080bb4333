"""Reorganising in the browser: an admin merges two wards into one, with a preview, and undoes it; the moved
person's assignments then read well on a phone."""

import datetime

import pytest
from playwright.sync_api import expect

from personnel.history import sync_person_assignments, transfer
from personnel.models import OrgUnit, Person, Reorganisation
from personnel.services import rebuild_unit_paths
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

D = datetime.date


@pytest.fixture
def wards(make_person, make_user):
    """Two persons in Phúc Xá, one in Trúc Bạch (wards of Ba Đình), and the city's admin."""
    made = [
        make_person(full_name="Nguyễn Văn Dũng", code="PX01", unit="H01X1", start_date=D(2018, 3, 1)),
        make_person(full_name="Trần Thị Lan", code="PX02", unit="H01X1", start_date=D(2020, 1, 1)),
        make_person(full_name="Đặng Văn Hải", code="TB01", unit="H01X2", start_date=D(2019, 6, 1)),
    ]
    sync_person_assignments([p.pk for p in made])
    make_user("admin_reorg", role="admin", unit="HN")
    return made


def test_an_admin_merges_two_wards_into_one_after_a_preview_and_undoes_it(page, login, wards):
    base = page.base_url
    login("admin_reorg")
    page.click("nav.main-nav >> text=Sắp xếp đơn vị")
    page.click("text=Đợt sắp xếp mới")

    # A first try names a successor that does not exist: the preview says so and nothing is stored.
    page.fill("#id_name", "Sáp nhập Phúc Xá và Trúc Bạch")
    page.fill("#id_effective_on", "01/07/2025")
    page.fill("#id_closures", "Mã đơn vị giải thể,Đơn vị kế thừa\nH01X1,BD01\nH01X2,BD02\n")
    page.fill("#id_openings", "Mã đơn vị,Tên đơn vị,Cấp,Mã đơn vị cấp trên\nBD01,UBND phường Ba Đình,xa,H01\n")
    page.click("button:has-text('Xem trước')")
    expect(page.locator("#preview-problems")).to_contain_text(
        "Đơn vị giải thể, dòng 3, cột «Đơn vị kế thừa», giá trị «BD02»: không có đơn vị mã này."
    )
    assert not Reorganisation.objects.exists()

    # Corrected: the preview shows who moves where, and the plan waits to be applied.
    page.fill("#id_closures", "Mã đơn vị giải thể,Đơn vị kế thừa\nH01X1,BD01\nH01X2,BD01\n")
    page.click("button:has-text('Xem trước')")
    moves = page.locator("#preview-moves tbody tr")
    expect(moves).to_have_count(2)
    expect(moves.nth(0)).to_contain_text("UBND phường Phúc Xá (H01X1)")
    expect(moves.nth(0)).to_contain_text("UBND phường Ba Đình (BD01)")
    expect(moves.nth(0).locator("td.num")).to_have_text("2")
    expect(moves.nth(1).locator("td.num")).to_have_text("1")
    assert not OrgUnit.objects.filter(code="BD01").exists()

    page.click("#apply-button")
    expect(page.locator(".messages")).to_contain_text("Đã áp dụng đợt sắp xếp")
    expect(page.locator("#moved-count")).to_have_text("3 cán bộ đã chuyển đơn vị.")
    assert set(Person.objects.values_list("unit__code", flat=True)) == {"BD01"}
    assert set(OrgUnit.objects.filter(closed_on=D(2025, 7, 1)).values_list("code", flat=True)) == {"H01X1", "H01X2"}

    # The moved person's page: the new ward on top, the old one with its closing date.
    page.goto(f"{base}/nhan-su/TB01/")
    items = page.locator("#qua-trinh .timeline-item")
    expect(items).to_have_count(2)
    expect(items.nth(0)).to_contain_text("UBND phường Ba Đình")
    expect(items.nth(1)).to_contain_text("giải thể từ 01/07/2025")

    page.go_back()
    page.click("#undo-button")
    expect(page.locator(".messages")).to_contain_text("Đã hoàn tác đợt sắp xếp")
    expect(page.locator("#reorg-status")).to_have_text("Đã hoàn tác")
    assert sorted(Person.objects.values_list("unit__code", flat=True)) == ["H01X1", "H01X1", "H01X2"]
    assert not OrgUnit.objects.filter(code="BD01").exists()
    assert not OrgUnit.objects.filter(closed_on__isnull=False).exists()


def test_a_persons_assignments_read_on_a_390_px_phone_without_scrolling_sideways(
    browser, live_server, wards, make_user
):
    make_user("hr_phone", role="hr", unit="H01")
    person = wards[0]
    transfer(
        person=person,
        unit=OrgUnit.objects.get(code="H01X2"),
        on=D(2024, 9, 1),
        position_title="Phó Chủ tịch UBND phường Trúc Bạch kiêm nhiệm",
    )
    context = browser.new_context(locale="vi-VN", viewport={"width": 390, "height": 844}, is_mobile=True)
    phone = context.new_page()
    phone.goto(f"{live_server.url}/dang-nhap/")
    phone.fill("#id_username", "hr_phone")
    phone.fill("#id_password", PASSWORD)
    phone.click("button[type=submit]:has-text('Đăng nhập')")
    phone.goto(f"{live_server.url}/nhan-su/{person.code}/")

    timeline = phone.locator("#qua-trinh")
    expect(timeline.locator(".timeline-item")).to_have_count(2)
    box = timeline.bounding_box()
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= 390
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()


def test_an_hr_officer_records_a_transfer_and_the_units_offered_follow_the_date(page, login, wards, make_user):
    make_user("hr_transfer", role="hr", unit="H01")
    closed = OrgUnit.objects.create(
        code="H01X8", name="UBND phường Đã Giải Thể", parent=wards[0].unit.parent, level="xa", closed_on=D(2025, 7, 1)
    )
    rebuild_unit_paths()
    login("hr_transfer")
    page.goto(f"{page.base_url}/nhan-su/TB01/")
    page.click("#qua-trinh >> text=Chuyển công tác")

    options = page.locator("#id_unit option")
    expect(page.locator(f"#id_unit option[value='{closed.pk}']")).to_have_count(0)
    page.fill("#id_on", "15/06/2025")
    page.locator("#id_on").dispatch_event("change")
    expect(page.locator(f"#id_unit option[value='{closed.pk}']")).to_have_count(1)
    assert options.count() > 1

    page.fill("#id_on", "01/07/2025")
    page.locator("#id_on").dispatch_event("change")
    expect(page.locator(f"#id_unit option[value='{closed.pk}']")).to_have_count(0)
    page.select_option("#id_unit", value=str(wards[0].unit_id))
    page.locator("#id_position_title").focus()
    expect(page.locator("#id_unit")).to_have_value(str(wards[0].unit_id))
    page.fill("#id_position_title", "Chuyên viên")
    page.click("button:has-text('Ghi chuyển công tác')")
    expect(page.locator(".messages")).to_contain_text("Đã ghi chuyển công tác")
    items = page.locator("#qua-trinh .timeline-item")
    expect(items).to_have_count(2)
    expect(items.nth(0)).to_contain_text("UBND phường Phúc Xá")
    expect(items.nth(0)).to_contain_text("01/07/2025 – nay")
