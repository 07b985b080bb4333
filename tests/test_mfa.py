"""Admins and importers log in with their password and then the code of an authenticator app (TOTP)."""

import datetime
import logging
import re

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.mfa import SESSION_FLAG, needs_mfa
from tests.conftest import PASSWORD, enrol_device, login_as, totp_code, unverified_login

VERIFY = "/xac-thuc-hai-buoc/"
ENROL = "/xac-thuc-hai-buoc/dang-ky/"
START = datetime.datetime(2025, 3, 3, 8, 0, tzinfo=datetime.UTC)


@pytest.fixture
def admin(make_user):
    return make_user("admin1", "admin", "HN")


def log_in(client, username="admin1", next_url=""):
    """Send the password form and return the response it redirects to."""
    url = "/dang-nhap/" + (f"?next={next_url}" if next_url else "")
    return client.post(url, {"username": username, "password": PASSWORD, "next": next_url}, follow=True)


def wrong_code(device) -> str:
    return f"{(int(totp_code(device)) + 1) % 1_000_000:06d}"


def audit_lines(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == "hanoi.audit"]


# --- The code step -----------------------------------------------------------------------------------------------


def test_an_admin_with_an_authenticator_is_asked_for_the_code_after_the_password(client, admin):
    enrol_device(admin)
    response = log_in(client)
    assert response.redirect_chain[-1][0] == f"{VERIFY}?next=%2F"
    assert "Xác thực hai lớp" in response.content.decode()
    assert 'autocomplete="one-time-code"' in response.content.decode()
    for page in ["/", "/nhan-su/", "/bao-cao/", "/nhap-du-lieu/", "/admin/"]:
        answer = client.get(page)
        assert answer.status_code == 302, page
        assert answer["Location"].startswith(VERIFY), page


def test_a_wrong_code_is_refused_and_logged_then_the_right_code_opens_the_pages(client, admin, caplog):
    device = enrol_device(admin)
    log_in(client, next_url="/nhan-su/")
    with caplog.at_level(logging.INFO, logger="hanoi.audit"):
        refused = client.post(VERIFY, {"code": wrong_code(device), "next": "/nhan-su/"})
    assert refused.status_code == 200
    assert "Mã xác thực không đúng" in refused.content.decode()
    assert client.get("/nhan-su/").status_code == 302
    [failure] = [line for line in audit_lines(caplog) if line.startswith("otp")]
    assert "otp failure username=admin1" in failure
    assert "reason=wrong_code" in failure
    assert wrong_code(device) not in failure

    device.refresh_from_db()
    with time_machine.travel(datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(seconds=2)):
        accepted = client.post(VERIFY, {"code": totp_code(device), "next": "/nhan-su/"})
        assert accepted.status_code == 302
        assert accepted["Location"] == "/nhan-su/"
        for page in ["/nhan-su/", "/bao-cao/", "/nhap-du-lieu/", "/admin/"]:
            assert client.get(page).status_code == 200, page
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id


def test_a_code_is_accepted_only_once(client, admin, make_user):
    device = enrol_device(admin)
    log_in(client)
    code = totp_code(device)
    assert client.post(VERIFY, {"code": code}).status_code == 302
    other = type(client)()
    log_in(other)
    assert other.post(VERIFY, {"code": code}).status_code == 200  # replayed: refused


def test_a_code_that_is_not_six_digits_is_refused_with_a_clear_message(client, admin):
    enrol_device(admin)
    log_in(client)
    response = client.post(VERIFY, {"code": "12ab"})
    assert "Mã xác thực gồm đúng 6 chữ số." in response.content.decode()
    assert client.get("/bao-cao/").status_code == 302


def test_wrong_codes_are_throttled_even_the_right_one_must_wait(client, admin, caplog):
    device = enrol_device(admin)
    with time_machine.travel(START, tick=False) as clock:
        log_in(client)
        for _ in range(3):
            client.post(VERIFY, {"code": wrong_code(device)})
            clock.shift(datetime.timedelta(seconds=10))
        # Three failures: the next try must wait 2^(3-1) = 4 seconds, whatever the code.
        client.post(VERIFY, {"code": wrong_code(device)})
        device.refresh_from_db()
        with caplog.at_level(logging.INFO, logger="hanoi.audit"):
            waiting = client.post(VERIFY, {"code": totp_code(device)})
        assert "Nhập sai quá nhiều lần. Vui lòng đợi 9 giây rồi thử lại." in waiting.content.decode()
        assert any("otp failure" in line and "reason=throttled" in line for line in audit_lines(caplog))
        assert client.get("/bao-cao/").status_code == 302

        clock.shift(datetime.timedelta(seconds=9))
        device.refresh_from_db()
        assert client.post(VERIFY, {"code": totp_code(device)}).status_code == 302
        assert client.get("/bao-cao/").status_code == 200
    device.refresh_from_db()
    assert device.throttling_failure_count == 0


def test_an_offsite_next_address_is_ignored(client, admin):
    device = enrol_device(admin)
    log_in(client)
    response = client.post(VERIFY, {"code": totp_code(device), "next": "https://example.com/"})
    assert response["Location"] == "/"


def test_logging_out_and_switching_language_work_before_the_code(client, admin):
    enrol_device(admin)
    log_in(client)
    assert client.post("/i18n/setlang/", {"language": "en", "next": VERIFY}).status_code == 302
    assert client.get("/static/css/app.css").status_code == 200
    assert client.post("/dang-xuat/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_an_htmx_request_before_the_code_is_told_to_load_the_code_page(client, admin):
    enrol_device(admin)
    log_in(client)
    response = client.get("/nhan-su/", HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"].startswith(VERIFY)


# --- Who is asked ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["hr", "leader", "viewer"])
def test_the_other_roles_are_not_asked_for_a_code(client, make_user, role):
    make_user("user1", role, "H01")
    response = log_in(client, "user1")
    assert response.status_code == 200
    assert not any(VERIFY in url for url, _status in response.redirect_chain)
    assert not TOTPDevice.objects.exists()


def test_a_user_given_the_import_permission_is_asked_for_a_code(client, make_user):
    importer = make_user("importer1", "hr", "H01")
    importer.user_permissions.add(Permission.objects.get(codename="add_importbatch"))
    assert needs_mfa(importer)
    response = log_in(client, "importer1")
    assert response.redirect_chain[-1][0].startswith(ENROL)


def test_a_session_opened_before_the_feature_is_asked_too(client, make_user):
    member = make_user("admin2", "admin", "HN")
    member.is_superuser = False  # in the admin group only: the permission, not the superuser flag, asks for the code
    member.save()
    enrol_device(member)
    unverified_login(client, member)
    session = client.session
    del session[SESSION_FLAG]  # as in a session opened before this feature was deployed
    session.save()
    assert client.get("/bao-cao/")["Location"].startswith(VERIFY)
    assert client.session[SESSION_FLAG] is True


def test_the_test_helper_verifies_only_the_sessions_that_need_it(client, make_user, admin):
    login_as(client, admin)
    assert client.session[DEVICE_ID_SESSION_KEY] == TOTPDevice.objects.get(user=admin).persistent_id
    assert client.get("/bao-cao/").status_code == 200
    login_as(client, make_user("hr1", "hr", "H01"))
    assert DEVICE_ID_SESSION_KEY not in client.session


# --- Enrolment ---------------------------------------------------------------------------------------------------


def test_an_admin_without_an_authenticator_must_enrol_before_anything_else(client, admin, caplog):
    response = log_in(client, next_url="/bao-cao/")
    assert response.redirect_chain[-1][0] == f"{ENROL}?next=%2Fbao-cao%2F"
    html = response.content.decode()
    device = TOTPDevice.objects.get(user=admin, confirmed=False)
    assert re.search(r"<svg[^>]*>.*<path ", html, re.DOTALL)  # the QR code, drawn by the app itself
    assert not re.search(r"<svg.*\sstyle\s*=.*</svg>", html, re.DOTALL)  # the strict policy blocks style=
    assert not re.search(r"<img[^>]+src=\"https?:", html)
    secret = re.search(r'id="otp-secret">([A-Z2-7 ]+)<', html).group(1)
    assert len(secret.replace(" ", "")) == 32
    for page in ["/", "/nhan-su/", "/admin/", VERIFY]:
        assert client.get(page, follow=True).redirect_chain[-1][0].startswith(ENROL), page

    assert client.post(ENROL, {"code": wrong_code(device)}).status_code == 200
    device.refresh_from_db()
    assert not device.confirmed
    with time_machine.travel(datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(seconds=2)):
        with caplog.at_level(logging.INFO, logger="hanoi.audit"):
            done = client.post(ENROL, {"code": totp_code(device), "next": "/bao-cao/"})
        assert done.status_code == 302
        assert done["Location"] == "/bao-cao/"
        assert client.get("/bao-cao/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    assert any("otp enrolled username=admin1" in line for line in audit_lines(caplog))


def test_reloading_the_enrolment_page_keeps_the_same_secret(client, admin):
    log_in(client)
    first = client.get(ENROL).content.decode()
    second = client.get(ENROL).content.decode()
    secret = re.compile(r'id="otp-secret">([A-Z2-7 ]+)<')
    assert secret.search(first).group(1) == secret.search(second).group(1)
    assert TOTPDevice.objects.filter(user=admin).count() == 1


def test_a_password_alone_cannot_enrol_a_second_authenticator(client, admin):
    enrol_device(admin)
    log_in(client)
    response = client.get(ENROL)
    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)
    assert TOTPDevice.objects.filter(user=admin).count() == 1


def test_the_enrolment_page_has_the_strict_policy(client, admin):
    log_in(client)
    policy = client.get(ENROL)["Content-Security-Policy"]
    assert "unsafe-inline" not in policy
    assert "script-src 'self'" in policy


def test_the_hr_role_has_no_enrolment_page(client, make_user):
    login_as(client, make_user("hr1", "hr", "H01"))
    assert client.get(ENROL)["Location"] == "/"
    assert not TOTPDevice.objects.exists()


# --- The API -----------------------------------------------------------------------------------------------------


def test_an_api_call_with_a_token_is_not_asked_for_a_code(admin):
    _instance, token = AuthToken.objects.create(user=admin)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/units/").status_code == 200


def test_an_admin_session_without_the_code_is_refused_by_the_api_with_a_clear_message(admin):
    client = APIClient()
    unverified_login(client, admin)
    response = client.get("/api/v1/units/")
    assert response.status_code == 403
    assert response.json()["code"] == "mfa_required"
    assert "xác thực hai lớp" in response.json()["detail"]


def test_a_bad_token_does_not_fall_back_to_an_unverified_session(admin):
    client = APIClient()
    unverified_login(client, admin)
    client.credentials(HTTP_AUTHORIZATION="Token khong-hop-le")
    assert client.get("/api/v1/units/").status_code == 401


def test_a_verified_admin_session_reaches_the_api(admin):
    client = APIClient()
    login_as(client, admin)
    assert client.get("/api/v1/units/").status_code == 200


def test_an_hr_session_reaches_the_api_without_a_code(make_user):
    client = APIClient()
    unverified_login(client, make_user("hr1", "hr", "H01"))
    assert client.get("/api/v1/units/").status_code == 200


def test_an_admin_gets_a_token_only_with_the_code_of_their_authenticator(admin, caplog):
    device = enrol_device(admin)
    client = APIClient()
    credentials = {"username": "admin1", "password": PASSWORD}
    missing = client.post("/api/v1/auth/login/", credentials, format="json")
    assert missing.status_code == 401
    assert "otp" in missing.json()["detail"]
    with caplog.at_level(logging.INFO, logger="hanoi.audit"):
        wrong = client.post("/api/v1/auth/login/", {**credentials, "otp": wrong_code(device)}, format="json")
    assert wrong.status_code == 401
    assert any("otp failure username=admin1" in line for line in audit_lines(caplog))
    assert not AuthToken.objects.exists()
    with time_machine.travel(datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(seconds=2)):
        device.refresh_from_db()
        right = client.post("/api/v1/auth/login/", {**credentials, "otp": totp_code(device)}, format="json")
    assert right.status_code == 200
    assert right.json()["token"]


def test_an_admin_without_an_authenticator_gets_no_token(admin):
    response = APIClient().post("/api/v1/auth/login/", {"username": "admin1", "password": PASSWORD}, format="json")
    assert response.status_code == 403
    assert "thiết lập" in response.json()["detail"]


def test_repeated_wrong_codes_at_the_token_login_are_throttled(admin):
    device = enrol_device(admin)
    credentials = {"username": "admin1", "password": PASSWORD}
    with time_machine.travel(START, tick=False):
        for _ in range(3):  # two mistakes cost nothing; the third makes the next try wait 2^(3-1) seconds
            APIClient().post("/api/v1/auth/login/", {**credentials, "otp": wrong_code(device)}, format="json")
        device.refresh_from_db()
        response = APIClient().post("/api/v1/auth/login/", {**credentials, "otp": totp_code(device)}, format="json")
    assert response.status_code == 429
    assert response["Retry-After"] == "5"
    assert "Vui lòng đợi" in response.json()["detail"]


# --- Lost phone --------------------------------------------------------------------------------------------------


def test_reset_mfa_removes_the_devices_and_ends_the_sessions_so_the_admin_enrols_again(client, admin, caplog):
    login_as(client, admin)
    other = type(client)()
    login_as(other, admin)
    with caplog.at_level(logging.INFO, logger="hanoi.audit"):
        call_command("reset_mfa", "admin1", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert not TOTPDevice.objects.filter(user=admin).exists()
    assert not Session.objects.exists()
    assert any("otp reset username=admin1" in line for line in audit_lines(caplog))
    assert client.get("/bao-cao/").status_code == 302  # logged out
    assert log_in(client).redirect_chain[-1][0].startswith(ENROL)


def test_reset_mfa_names_an_unknown_user(db):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="Không có tài khoản ai-do"):
        call_command("reset_mfa", "ai-do")


def test_the_django_admin_shows_no_authenticator_secret(client, admin):
    device = enrol_device(admin)
    login_as(client, admin)
    html = client.get(f"/admin/otp_totp/totpdevice/{device.pk}/change/").content.decode()
    assert device.key not in html
    assert client.get(f"/admin/otp_totp/totpdevice/{device.pk}/qrcode/").status_code == 403
