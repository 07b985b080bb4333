"""Failed logins are limited per (username, address); every login attempt is in the audit log."""

import datetime
import logging

import pytest
import time_machine

from tests.conftest import PASSWORD

OFFICE = "203.0.113.10"
ELSEWHERE = "198.51.100.7"
START = datetime.datetime(2025, 3, 3, 8, 0, tzinfo=datetime.UTC)


@pytest.fixture
def users(make_user):
    make_user("hr1")
    make_user("hr2")


def attempt(client, username, password, address=OFFICE):
    return client.post("/dang-nhap/", {"username": username, "password": password}, REMOTE_ADDR=address)


def fail_five_times(client, username="hr1", address=OFFICE):
    for _ in range(5):
        attempt(client, username, "sai-mat-khau", address)


def test_four_wrong_passwords_do_not_lock_the_account(client, users):
    for _ in range(4):
        assert attempt(client, "hr1", "sai-mat-khau").status_code == 200
    assert attempt(client, "hr1", PASSWORD).status_code == 302


def test_five_wrong_passwords_lock_that_username_from_that_address_with_a_vietnamese_page(client, users):
    fail_five_times(client)
    response = attempt(client, "hr1", PASSWORD)
    assert response.status_code == 429
    assert "Tạm khóa đăng nhập" in response.content.decode()
    assert "thử lại sau 15 phút" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_same_username_from_another_address_can_still_log_in(client, users):
    fail_five_times(client)
    assert attempt(client, "hr1", PASSWORD, address=ELSEWHERE).status_code == 302


def test_a_colleague_behind_the_same_office_address_can_still_log_in(client, users):
    fail_five_times(client)
    assert attempt(client, "hr2", PASSWORD).status_code == 302


def test_the_lock_ends_after_15_minutes(client, users):
    with time_machine.travel(START, tick=False) as traveller:
        fail_five_times(client)
        traveller.shift(datetime.timedelta(minutes=14))
        assert attempt(client, "hr1", PASSWORD).status_code == 429
    with time_machine.travel(START + datetime.timedelta(minutes=30), tick=False):
        assert attempt(client, "hr1", PASSWORD).status_code == 302


def test_a_successful_login_resets_the_failure_count(client, users):
    for _ in range(4):
        attempt(client, "hr1", "sai-mat-khau")
    assert attempt(client, "hr1", PASSWORD).status_code == 302
    client.post("/dang-xuat/")
    for _ in range(4):
        attempt(client, "hr1", "sai-mat-khau")
    assert attempt(client, "hr1", PASSWORD).status_code == 302


def test_the_api_token_login_is_limited_too(users):
    from rest_framework.test import APIClient

    def token_login(password, address):
        return APIClient().post(
            "/api/v1/auth/login/", {"username": "hr1", "password": password}, format="json", REMOTE_ADDR=address
        )

    for _ in range(4):
        assert token_login("sai", OFFICE).status_code == 401
    assert token_login("sai", OFFICE).status_code == 429
    locked = token_login(PASSWORD, OFFICE)
    assert locked.status_code == 429
    assert locked.json() == {"detail": "Đăng nhập sai quá nhiều lần: tạm khóa 15 phút."}
    other = token_login(PASSWORD, ELSEWHERE)
    assert other.status_code == 200
    assert other.json()["token"]


def test_a_success_is_logged_with_username_address_and_time(client, users, caplog):
    with caplog.at_level(logging.INFO, logger="hanoi.audit"), time_machine.travel(START, tick=False):
        attempt(client, "hr1", PASSWORD)
    [record] = [r for r in caplog.records if r.name == "hanoi.audit"]
    message = record.getMessage()
    assert record.levelno == logging.INFO
    assert "login success" in message
    assert "username=hr1" in message
    assert f"ip={OFFICE}" in message
    assert "2025-03-03T08:00:00" in message
    assert PASSWORD not in message


def test_a_failure_is_logged_without_the_password(client, users, caplog):
    with caplog.at_level(logging.INFO, logger="hanoi.audit"):
        attempt(client, "hr1", "bi-mat-sai-123")
    records = [r for r in caplog.records if r.name == "hanoi.audit"]
    assert len(records) == 1
    message = records[0].getMessage()
    assert "login failure" in message
    assert "username=hr1" in message
    assert f"ip={OFFICE}" in message
    assert "bi-mat-sai-123" not in message
    assert "bi-mat-sai-123" not in str(records[0].__dict__)


def test_the_client_address_is_read_from_the_trusted_proxy_header(monkeypatch, rf):
    from config.security import client_ip

    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.10")
    assert client_ip(request) == "10.0.0.1"
    monkeypatch.setenv("TRUSTED_PROXY_COUNT", "1")
    assert client_ip(request) == "203.0.113.10"  # the client-written 6.6.6.6 is not trusted
