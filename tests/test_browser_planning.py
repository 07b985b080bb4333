"""In a real browser: an HR officer opens the training needs, nominates people into a class (one goes on the waiting
list), enters the class's results, and sees the indicator move on the dashboard."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from planning.services import open_roster
from training.models import Course, TrainingRecord

pytestmark = [
    pytest.mark.browser,
    pytest.mark.usefixtures("figures_in_request"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def cc3_numerator(page) -> int:
    return int(page.locator('tr.indicator[data-code="CC-3"] .numerator').inner_text())


def test_an_hr_officer_nominates_from_the_needs_list_enters_results_and_sees_the_dashboard_move(
    page, login, make_user, make_person, units
):
    today = timezone.localdate()
    hr = make_user("hr_badinh", role="hr", unit="H01")
    course = Course.objects.create(
        code="PL-KH-01",
        title="Cập nhật kiến thức pháp luật (kế hoạch)",
        start_date=today - datetime.timedelta(days=10),
        end_date=today - datetime.timedelta(days=3),
    )
    course.types.set(["phap_luat"])
    open_roster(course=course, unit=units["H01"], capacity=2, user=hr)
    make_person(full_name="Nguyễn Văn Dũng", unit="H01X1", code="CB-DUNG")
    make_person(full_name="Trần Thị Lan", unit="H01X1", code="CB-LAN")
    make_person(full_name="Đặng Văn Hải", unit="H01X2", code="CB-HAI")
    make_person(full_name="Lê Văn Khác", unit="H02X1", code="CB-KHAC")  # another district
    base = page.base_url

    login("hr_badinh")
    page.goto(f"{base}/bao-cao/?unit=H01&year={today.year}")
    assert cc3_numerator(page) == 0

    # The needs list: everyone of Ba Đình who still misses this year's legal-knowledge update, and why.
    page.click("nav.main-nav >> text=Kế hoạch đào tạo")
    page.select_option("#id_indicator", "CC-3")
    page.select_option("#id_lop", "PL-KH-01")
    page.click("form.filters button:has-text('Xem')")
    rows = page.locator("tr[data-person]")
    expect(rows).to_have_count(3)
    expect(page.locator("#danh-sach").locator("..")).not_to_contain_text("Lê Văn Khác")
    expect(page.locator('tr[data-person="CB-DUNG"]')).to_contain_text("chưa có khóa cập nhật kiến thức pháp luật")
    expect(page.locator('tr[data-indicator="CC-3"] [data-gap]')).to_have_text("3")

    # Nominate all three into a class of two places: the third waits.
    for code in ("CB-DUNG", "CB-LAN", "CB-HAI"):
        page.check(f'tr[data-person="{code}"] input[type=checkbox]')
    page.click("button:has-text('Đề cử vào lớp đã chọn')")
    expect(page.locator(".messages")).to_contain_text("Đã đề cử 2 người vào lớp, 1 người vào danh sách chờ.")
    expect(page.locator("#seated-count")).to_have_text("2")
    expect(page.locator("#danh-sach-cho ~ ol li[data-code]")).to_have_count(1)

    # Enter the results of the two who held a place.
    selects = page.locator("#results-form select")
    expect(selects).to_have_count(2)
    for index in range(2):
        selects.nth(index).select_option("hoan_thanh")
    page.locator("#results-form input[name^=completed_on]").first.fill(today.strftime("%d/%m/%Y"))
    page.click("button:has-text('Ghi kết quả')")
    expect(page.locator(".messages")).to_contain_text("Đã ghi kết quả cho 2 người.")
    assert TrainingRecord.objects.filter(course=course, result="hoan_thanh").count() == 2

    # The dashboard's figure has moved.
    page.goto(f"{base}/bao-cao/?unit=H01&year={today.year}")
    assert cc3_numerator(page) == 2
