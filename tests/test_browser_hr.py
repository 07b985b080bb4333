"""An HR officer's day in the browser: find a person, record a class, see the indicator turn to met."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from training.models import Course, TrainingRecord

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def shown_year() -> int:
    """Return the year the pages open on (targets.years: the programme's latest begun year)."""
    from targets.models import Programme
    from targets.years import default_year

    return default_year(Programme.objects.filter(code="HN-2021-2025").first())


@pytest.fixture
def legal_course(db):
    """Return a legal-knowledge course that ended a few days ago, or late in the shown year once it is over."""
    end = min(timezone.localdate() - datetime.timedelta(days=3), datetime.date(shown_year(), 12, 20))
    course = Course.objects.create(
        code="PL-LOP-01",
        title="Cập nhật kiến thức pháp luật cho công chức",
        start_date=end - datetime.timedelta(days=7),
        end_date=end,
    )
    course.types.set(["phap_luat"])
    return course


def cc3_badge(page):
    return page.locator("[data-indicator='CC-3'] [data-status]")


def test_an_hr_officer_records_a_class_and_sees_the_indicator_turn_to_met(
    page, login, make_user, make_person, legal_course
):
    dung = make_person(full_name="Nguyễn Văn Dũng", unit="H01X1", category="cong_chuc")
    lan = make_person(full_name="Trần Thị Lan", unit="H01X1", category="cong_chuc")
    hai = make_person(full_name="Đặng Văn Hải", unit="H01X2", category="cong_chuc")
    make_person(full_name="Nguyễn Văn Dương", unit="H01X1", category="cong_chuc")
    make_user("hr_badinh", role="hr", unit="H01")
    make_user("hr_donganh", role="hr", unit="H02")
    base = page.base_url

    # HR's home page is the personnel list; a live search without accents finds the person.
    login("hr_badinh")
    assert page.url == f"{base}/nhan-su/"
    page.fill("#id_q", "nguyen van dung")
    rows = page.locator("#person-results tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Nguyễn Văn Dũng")
    # The search is in the address (so Back and shared links keep it), without the filters left empty.
    assert page.url.endswith("/nhan-su/?q=nguyen%20van%20dung&year=" + str(shown_year()))

    # The person's indicator panel: the legal-knowledge update of this year is missing.
    page.click("text=Nguyễn Văn Dũng")
    expect(page.locator("h1")).to_contain_text("Nguyễn Văn Dũng")
    expect(cc3_badge(page)).to_have_text("Chưa đạt")
    expect(page.locator("[data-indicator='CC-3']")).to_contain_text(
        f"Chưa có khóa cập nhật kiến thức pháp luật hoặc bồi dưỡng đạo đức công vụ năm {shown_year()}"
    )

    # Record the class: pick the course, find one person with the picker, paste the other two codes.
    page.goto(f"{base}/dao-tao/khoa-hoc/{legal_course.code}/")
    page.click("text=Ghi kết quả cả lớp")
    expect(page.locator("#id_course")).to_have_value(str(legal_course.pk))
    page.fill("#id_codes", f"{dung.code}\n{hai.code}\n")
    page.fill("#picker-q", "tran thi lan")
    page.click(f"[data-add-code='{lan.code}']")
    expect(page.locator("#id_codes")).to_have_value(f"{dung.code}\n{hai.code}\n{lan.code}\n")
    page.select_option("#id_result", "hoan_thanh")
    page.fill("#id_completed_on", legal_course.end_date.strftime("%d/%m/%Y"))
    page.click("button:has-text('Ghi kết quả cho cả danh sách')")
    expect(page.locator(".messages")).to_contain_text("Đã ghi kết quả cho 3 cán bộ")
    expect(page.locator("tbody tr[data-code]")).to_have_count(3)
    assert TrainingRecord.objects.filter(course=legal_course, result="hoan_thanh").count() == 3

    # Back on the person's page, the indicator is met.
    page.click("text=Nguyễn Văn Dũng")
    expect(cc3_badge(page)).to_have_text("Đạt")

    # The year switch reloads only the panel: last year the person had no such course.
    page.select_option("#panel-year", str(shown_year() - 1))
    expect(page.locator("#chi-tieu")).to_contain_text(str(shown_year() - 1))
    expect(cc3_badge(page)).to_have_text("Chưa đạt")

    # An HR officer of another district cannot open this person.
    page.click("button:has-text('Đăng xuất')")
    login("hr_donganh")
    response = page.goto(f"{base}/nhan-su/{dung.code}/")
    assert response.status == 404
