"""In a browser, an admin logs in with their password and then the code of their authenticator app."""

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.mfa import secret_text
from tests.conftest import PASSWORD, enrol_device, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def watch_policy_violations(page) -> list[str]:
    violations = []
    page.on("console", lambda message: "Content Security Policy" in message.text and violations.append(message.text))
    return violations


def submit_password(page, username: str):
    page.goto(f"{page.base_url}/dang-nhap/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]:has-text('Đăng nhập')")
    page.wait_for_load_state("networkidle")


def test_an_admin_enters_the_code_after_the_password_and_reaches_the_dashboard(page, make_user):
    admin = make_user("admin1", "admin", "HN")
    device = enrol_device(admin)
    violations = watch_policy_violations(page)
    submit_password(page, "admin1")
    assert "/xac-thuc-hai-buoc/" in page.url
    page.fill("#id_code", "000000" if totp_code(device) != "000000" else "111111")
    page.click("button[type=submit]:has-text('Xác nhận')")
    page.wait_for_load_state("networkidle")
    assert page.locator("#code-errors").is_visible()
    page.goto(f"{page.base_url}/bao-cao/")
    assert "/xac-thuc-hai-buoc/" in page.url  # still held at the code page

    device.refresh_from_db()
    page.wait_for_timeout(1100)  # the throttle after one wrong code
    page.fill("#id_code", totp_code(device))
    page.click("button[type=submit]:has-text('Xác nhận')")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/bao-cao/")
    assert page.locator("h1").first.is_visible()
    assert violations == []


def test_an_admin_without_an_app_enrols_by_scanning_the_qr_code_then_reaches_the_dashboard(page, make_user):
    admin = make_user("admin1", "admin", "HN")
    violations = watch_policy_violations(page)
    submit_password(page, "admin1")
    assert "/xac-thuc-hai-buoc/dang-ky/" in page.url
    assert page.locator(".qr-code svg").is_visible()
    assert page.locator(".qr-code svg").bounding_box()["width"] >= 200
    secret = page.locator("#otp-secret").inner_text().replace(" ", "")
    device = TOTPDevice.objects.get(user=admin, confirmed=False)
    assert secret == secret_text(device).replace(" ", "")
    page.fill("#id_code", totp_code(device))
    page.click("button[type=submit]:has-text('Xác nhận')")
    page.wait_for_load_state("networkidle")
    assert "/xac-thuc-hai-buoc/" not in page.url
    assert TOTPDevice.objects.get(user=admin).confirmed
    assert violations == []
