"""In a real browser, as a newcomer meets the product: each role's main pages at 1366 px and on a 390 px phone.

No page scrolls sideways, axe-core (WCAG 2 A and AA, vendored under tests/vendor/, injected here only) finds
nothing, the dashboard opens on the programme's latest begun year, pickers search without accents, a
failed-rows file uploads again once fixed, and English pages show no Vietnamese name of seeded data.
The screenshots of the user guide (docs/guide/img/) are taken here, so they never go stale.
"""

import datetime
import io
from importlib import import_module
from pathlib import Path

import openpyxl
import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from accounts.roles import Role
from exchange.testing import csv_bytes, template_rows
from personnel.models import Person
from targets import years
from targets.models import Programme
from tests.conftest import PASSWORD, enrol_device, totp_code

pytestmark = [
    pytest.mark.browser,
    pytest.mark.usefixtures("figures_in_request"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
GUIDE_IMAGES = Path(__file__).resolve().parents[1] / "docs" / "guide" / "img"
WIDE, PHONE = {"width": 1366, "height": 800}, {"width": 390, "height": 844}


@pytest.fixture(autouse=True)
def jobs_run_inline(settings):
    settings.IMPORT_JOBS_INLINE = True


@pytest.fixture
def world(transactional_db, units, make_user, make_person, make_course, complete, qualify):
    """Return the users of a small city: HR and a leader of H01, an admin; persons trained over the years."""
    import_module("training.migrations.0002_seed_course_types").seed(apps, None)
    import_module("targets.migrations.0002_seed_hn_2021_2025").seed(apps, None)
    import_module("training.migrations.0004_newcomer_english_names").seed(apps, None)
    import_module("targets.migrations.0004_newcomer_english_names").seed(apps, None)
    for role in Role:
        Group.objects.get_or_create(name=role.value)
    latest = years.default_year(Programme.objects.get(code="HN-2021-2025"))
    law = make_course(
        "phap_luat",
        year=latest,
        title=f"Lớp bồi dưỡng Luật Cán bộ, công chức cho cấp phường năm {latest}",  # data: never translated
    )
    skills = make_course("ky_nang_cong_vu", year=latest - 1)
    for index in range(6):
        person = make_person(
            full_name=f"Nguyễn Văn Phúc {index}", unit="H01X1" if index % 2 else "H01", code=f"CB-{index:02d}"
        )
        if index % 3:
            complete(person, law)
        if index % 2:
            complete(person, skills)
    qualify(Person.objects.get(code="CB-01"), "ngoai_ngu", 3, datetime.date(2020, 5, 1))
    return {
        "hr": make_user("hr.badinh", role="hr", unit="H01"),
        "leader": make_user("leader.badinh", role="leader", unit="H01"),
        "admin": make_user("quantri", role="admin", unit="HN"),
        "latest": latest,
    }


def new_page(browser, live_server, viewport):
    context = browser.new_context(locale="vi-VN", viewport=viewport, accept_downloads=True, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.base_url = live_server.url
    return page


def log_in(page, user):
    from accounts.mfa import needs_mfa

    device = enrol_device(user) if needs_mfa(user) else None  # an admin's authenticator app, set up before
    page.goto(f"{page.base_url}/dang-nhap/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]:has-text('Đăng nhập')")
    page.wait_for_load_state("networkidle")
    if device is not None:
        device.refresh_from_db()
        page.fill("#id_code", totp_code(device))
        page.click("button[type=submit]:has-text('Xác nhận')")
        page.wait_for_load_state("networkidle")
    assert "/dang-nhap/" not in page.url
    assert "/xac-thuc-hai-buoc/" not in page.url


def problems(page) -> list[str]:
    """Return what a newcomer would trip over on the page: sideways scroll, and what axe-core finds."""
    found = []
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    if width[0] > width[1]:
        found.append(f"scrolls sideways: {width[0]} > {width[1]}")
    page.evaluate(AXE)
    violations = page.evaluate(
        """() => axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']}})
            .then(r => r.violations.map(
                v => v.id + ': ' + v.nodes.slice(0, 4).map(n => n.target.join(' ')).join(' | ')))"""
    )
    found.extend(violations)
    return [f"{page.url} @{page.viewport_size['width']}: {text}" for text in found]


def shoot(page, name: str, *, full_page: bool = False):
    GUIDE_IMAGES.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(GUIDE_IMAGES / name), full_page=full_page)


def test_each_roles_main_pages_read_well_on_a_wide_screen_and_a_phone(browser, live_server, world, tmp_path):
    person = Person.objects.get(code="CB-01")
    found = []
    for viewport in (WIDE, PHONE):
        wide = viewport is WIDE
        page = new_page(browser, live_server, viewport)
        page.goto(f"{page.base_url}/dang-nhap/")
        found += problems(page)
        if wide:
            shoot(page, "dang-nhap.png")

        log_in(page, world["leader"])
        page.goto(f"{page.base_url}/bao-cao/")
        assert page.locator(".report-year").inner_text() == str(world["latest"])
        assert str(world["latest"]) in page.locator(".year-note").inner_text()
        found += problems(page)
        # The units × indicators table keeps its header row and unit column in view; chart text is ≥ 11 px.
        sticky = page.evaluate(
            """() => ['.units-matrix thead th', '.units-matrix tbody th.unit-col'].map(
                s => getComputedStyle(document.querySelector(s)).position)"""
        )
        assert sticky == ["sticky", "sticky"]
        sizes = page.evaluate(
            """() => [...document.querySelectorAll('.trend-label, .trend-table td')].map(
                e => e.getBoundingClientRect().height && parseFloat(getComputedStyle(e).fontSize)
                    * (e.ownerSVGElement ? e.ownerSVGElement.getBoundingClientRect().width
                       / e.ownerSVGElement.viewBox.baseVal.width : 1))"""
        )
        assert sizes
        assert min(sizes) >= 11
        shoot(page, "tong-quan.png" if wide else "tong-quan-dien-thoai.png")
        page.goto(f"{page.base_url}/bao-cao/chi-tieu/CC-3/")
        found += problems(page)
        page.context.close()

        page = new_page(browser, live_server, viewport)
        log_in(page, world["hr"])
        page.goto(f"{page.base_url}/nhan-su/")
        expect(page.locator("#person-results")).to_contain_text(f"({world['latest']})")
        found += problems(page)
        if wide:
            shoot(page, "nhan-su.png")
        page.goto(f"{page.base_url}/nhan-su/{person.code}/")
        expect(page.locator("#chi-tieu")).to_contain_text(str(world["latest"]))
        found += problems(page)
        shoot(page, "ho-so.png" if wide else "ho-so-dien-thoai.png")

        page.goto(f"{page.base_url}/nhan-su/{person.code}/van-bang/them/")
        found += problems(page)
        # The level picker offers the named levels of the chosen kind, and changes with it.
        page.select_option("#id_kind", "ly_luan_chinh_tri")
        assert page.locator("#id_level option").all_inner_texts() == ["—", "Sơ cấp", "Trung cấp", "Cao cấp", "Cử nhân"]
        if wide:
            shoot(page, "van-bang.png")
        page.goto(f"{page.base_url}/nhan-su/{person.code}/dao-tao/them/")
        found += problems(page)
        page.context.close()

        page = new_page(browser, live_server, viewport)
        log_in(page, world["admin"])
        page.goto(f"{page.base_url}/nhap-du-lieu/")
        found += problems(page)
        if wide:
            shoot(page, "nhap-du-lieu.png")
        page.goto(f"{page.base_url}/nhap-du-lieu/nhan_su/")
        found += problems(page)
        page.goto(f"{page.base_url}/huong-dan/")
        found += problems(page)
        page.context.close()
    assert not found, "\n".join(found)


def test_pickers_search_without_accents_and_a_failed_rows_file_uploads_again_once_fixed(
    browser, live_server, world, tmp_path
):
    page = new_page(browser, live_server, WIDE)
    log_in(page, world["admin"])

    # The dashboard's unit picker: "phuc xa" finds "UBND phường Phúc Xá"; "dong anh" finds Đông Anh (đ = d).
    page.goto(f"{page.base_url}/bao-cao/")
    page.locator(".unit-filter .ts-control").click()
    search = page.locator("#id_unit-ts-control")  # typed into once it has the focus: no keystroke lost
    search.fill("phuc xa")
    expect(page.locator("#id_unit-ts-dropdown .option")).to_have_count(1)
    expect(page.locator("#id_unit-ts-dropdown .option")).to_contain_text("UBND phường Phúc Xá")
    search.fill("dong anh")
    expect(page.locator("#id_unit-ts-dropdown .option").first).to_contain_text("Đông Anh")
    page.keyboard.press("Escape")

    # A refused file: its failed-rows file holds every row; fixed, it uploads again as it is.
    rows = [
        {"Mã cán bộ": "PX01", "Họ và tên": "Đinh Thị Thu", "Ngày sinh": "20/10/1986", "Mã đơn vị": "H01X1",
         "Đối tượng": "Công chức", "Trình độ chuyên môn": "Đại học"},
        {"Mã cán bộ": "PX02", "Họ và tên": "Kiều Văn Toàn", "Ngày sinh": "30/02/1986", "Mã đơn vị": "H01X1",
         "Đối tượng": "Công chức", "Trình độ chuyên môn": "Đại học"},
    ]  # fmt: skip
    path = tmp_path / "co_loi.csv"
    path.write_bytes(csv_bytes(template_rows("nhan_su", rows), bom=True))
    page.goto(f"{page.base_url}/nhap-du-lieu/nhan_su/")
    page.set_input_files("#id_file", str(path))
    page.click("button:has-text('Tải lên và kiểm tra')")
    expect(page.locator("#batch-summary")).to_contain_text("Tệp có 1 lỗi")
    with page.expect_download() as download:
        page.click("text=Tải các dòng lỗi (XLSX)")
    book = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    sheet = book.active
    headers = [cell.value for cell in sheet[1]]
    assert [sheet.cell(row, 1).value for row in (2, 3)] == ["PX02", "PX01"]
    sheet.cell(2, headers.index("Ngày sinh") + 1).value = "28/02/1986"
    fixed = tmp_path / "da_sua.xlsx"
    book.save(fixed)
    page.goto(f"{page.base_url}/nhap-du-lieu/nhan_su/")
    page.set_input_files("#id_file", str(fixed))
    page.click("button:has-text('Tải lên và kiểm tra')")
    expect(page.locator("#batch-rows [data-status='new']")).to_have_count(2)
    expect(page.locator("#batch-rows .row-cells").first).to_contain_text("Ngày sinh")
    page.click("button:has-text('Xác nhận ghi 2 thay đổi')")
    expect(page.locator("#batch-summary")).to_contain_text("Đã ghi: 2 mới")

    # English pages name the seeded rows in English.
    page.select_option("#lang-select", "en")
    page.click(".lang-form button")
    from targets.models import Indicator
    from training.models import CourseType

    vietnamese = [
        *Indicator.objects.values_list("name", flat=True),
        *Programme.objects.values_list("name", flat=True),
        *CourseType.objects.exclude(code="khac").values_list("name", flat=True),
    ]
    for url in ("/bao-cao/", "/nhan-su/CB-01/", "/dao-tao/", "/bao-cao/chi-tieu/CC-3/"):
        page.goto(f"{page.base_url}{url}")
        html = page.content()
        assert [name for name in vietnamese if name in html] == [], url
    page.context.close()
