"""In a browser: an admin creates an HR officer for a ward, who logs in and sees only that ward; the admin
deactivates them, and their open session and API token stop working at their next request."""

import json
import urllib.error
import urllib.request

import pytest
from knox.models import AuthToken

from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

NEW_PASSWORD = "Phuc-Xa-mua-thu-2025"


def api_status(base_url: str, token: str) -> int:
    request = urllib.request.Request(f"{base_url}/api/v1/units/", headers={"Authorization": f"Token {token}"})
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            json.load(response)
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_an_admin_creates_a_ward_officer_who_sees_only_the_ward_then_deactivates_them(
    browser, page, login, make_user, make_person, units
):
    make_user("admin1", "admin", "HN")
    make_person(full_name="Trần Văn Phúc", unit="H01X1")
    make_person(full_name="Lê Thị Trúc", unit="H01X2")
    make_person(full_name="Phạm Văn Uy", unit="H02X1")

    # The admin creates the account in the product's own pages, reached from the menu.
    login("admin1")
    page.click("nav.main-nav >> text=Người dùng")
    page.click("text=Thêm người dùng")
    page.fill("#id_family_name", "Nguyễn")
    page.fill("#id_given_name", "Thu Hà")
    page.fill("#id_username", "ha.phucxa")
    page.fill("#id_email", "ha@example.vn")
    page.select_option("#id_unit", label="UBND phường Phúc Xá (H01X1)")
    page.select_option("#id_role", "hr")
    page.check("input[name=password_mode][value=password]")
    page.fill("#id_password", NEW_PASSWORD)
    page.click("button[type=submit]:has-text('Tạo tài khoản')")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").first.inner_text().startswith("Nguyễn Thu Hà")
    assert "Đã tạo tài khoản Nguyễn Thu Hà." in page.locator(".messages").inner_text()

    # The officer logs in elsewhere and sees only the ward.
    officer_context = browser.new_context(locale="vi-VN")
    officer = officer_context.new_page()
    officer.goto(f"{page.base_url}/dang-nhap/")
    officer.fill("#id_username", "ha.phucxa")
    officer.fill("#id_password", NEW_PASSWORD)
    officer.click("button[type=submit]:has-text('Đăng nhập')")
    officer.wait_for_load_state("networkidle")
    officer.goto(f"{page.base_url}/nhan-su/?employment=tat_ca")
    listed = officer.locator("main").inner_text()
    assert "Trần Văn Phúc" in listed
    assert "Lê Thị Trúc" not in listed
    assert "Phạm Văn Uy" not in listed
    assert "Nguyễn Thu Hà" in officer.locator(".user-name").inner_text()
    assert officer.locator("nav.main-nav >> text=Người dùng").count() == 0
    from accounts.models import User

    token = AuthToken.objects.create(user=User.objects.get(username="ha.phucxa"))[1]
    assert api_status(page.base_url, token) == 200

    # The admin deactivates the account: the open session and the token stop at their next request.
    page.goto(f"{page.base_url}/quan-tri/nguoi-dung/?q=nguyen thu ha")
    page.click("#user-table >> text=Nguyễn Thu Hà")
    page.click("#deactivate")
    page.wait_for_load_state("networkidle")
    assert page.locator("#inactive-badge").is_visible()
    officer.goto(f"{page.base_url}/nhan-su/")
    assert "/dang-nhap/" in officer.url
    assert api_status(page.base_url, token) == 401
    officer_context.close()


def test_the_enrolment_key_never_breaks_inside_a_group_on_a_narrow_screen(browser, live_server, make_user):
    make_user("admin1", "admin", "HN")
    context = browser.new_context(locale="vi-VN", viewport={"width": 320, "height": 700})
    narrow = context.new_page()
    narrow.goto(f"{live_server.url}/dang-nhap/")
    narrow.fill("#id_username", "admin1")
    narrow.fill("#id_password", PASSWORD)
    narrow.click("button[type=submit]:has-text('Đăng nhập')")
    narrow.wait_for_load_state("networkidle")
    assert narrow.locator("nav.main-nav").count() == 0  # no menu before the whole login
    # Each group of four characters lies on one line (one client rectangle).
    lines_per_group = narrow.evaluate(
        """() => {
            const text = document.getElementById('otp-secret').firstChild;
            const counts = [];
            let start = 0;
            for (const group of text.data.split(' ')) {
                const range = document.createRange();
                range.setStart(text, start);
                range.setEnd(text, start + group.length);
                counts.push(new Set([...range.getClientRects()].map(rect => Math.round(rect.top))).size);
                start += group.length + 1;
            }
            return counts;
        }"""
    )
    assert len(lines_per_group) == 8
    assert set(lines_per_group) == {1}
    font = narrow.evaluate("getComputedStyle(document.getElementById('otp-secret')).fontFamily")
    assert "monospace" in font
    context.close()
