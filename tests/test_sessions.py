"""Sessions end after 30 idle minutes and 12 hours after login; logins get a new session id."""

import datetime

import pytest
import time_machine
from django.contrib.sessions.models import Session

from accounts.middleware import LOGIN_AT, SEEN_AT
from tests.conftest import PASSWORD

START = datetime.datetime(2025, 3, 3, 8, 0, tzinfo=datetime.UTC)


@pytest.fixture
def logged_in(client, make_user):
    """Return a client logged in through the form at START, with time frozen (ticking off)."""
    make_user("hr1")
    with time_machine.travel(START, tick=False) as traveller:
        response = client.post("/dang-nhap/", {"username": "hr1", "password": PASSWORD})
        assert response.status_code == 302
        yield client, traveller


def is_logged_in(client) -> bool:
    return client.get("/nhan-su/").status_code == 200


def test_a_session_survives_29_idle_minutes(logged_in):
    client, traveller = logged_in
    traveller.shift(datetime.timedelta(minutes=29))
    assert is_logged_in(client)


def test_a_session_ends_after_30_idle_minutes(logged_in):
    client, traveller = logged_in
    traveller.shift(datetime.timedelta(minutes=31))
    response = client.get("/nhan-su/")
    assert response.status_code == 302
    assert response["Location"].startswith("/dang-nhap/")
    # The session is gone for good, not just this request.
    traveller.shift(datetime.timedelta(seconds=1))
    assert not is_logged_in(client)


def test_activity_keeps_a_session_alive_past_30_minutes(logged_in):
    client, traveller = logged_in
    for _ in range(4):
        traveller.shift(datetime.timedelta(minutes=20))
        assert is_logged_in(client)


def test_a_session_ends_12_hours_after_login_even_when_active(logged_in):
    client, traveller = logged_in
    for _ in range(11 * 3):  # active every 20 minutes up to 11 hours
        traveller.shift(datetime.timedelta(minutes=20))
        assert is_logged_in(client)
    traveller.shift(datetime.timedelta(minutes=61))
    assert not is_logged_in(client)


def test_activity_writes_the_session_at_most_once_a_minute(logged_in):
    client, traveller = logged_in
    seen = client.session[SEEN_AT]
    traveller.shift(datetime.timedelta(seconds=30))
    assert is_logged_in(client)
    assert client.session[SEEN_AT] == seen
    traveller.shift(datetime.timedelta(seconds=31))
    assert is_logged_in(client)
    assert client.session[SEEN_AT] == seen + 61


def test_a_request_within_the_minute_does_not_save_the_session(logged_in):
    client, traveller = logged_in
    traveller.shift(datetime.timedelta(seconds=5))
    key = client.session.session_key
    before = Session.objects.get(session_key=key).session_data
    assert is_logged_in(client)
    assert Session.objects.get(session_key=key).session_data == before


def test_logging_in_gives_a_new_session_id_and_restarts_the_clock(client, make_user):
    make_user("hr1")
    session = client.session
    session["tracked"] = True
    session.save()
    before = session.session_key
    with time_machine.travel(START, tick=False):
        client.post("/dang-nhap/", {"username": "hr1", "password": PASSWORD})
        after = client.session
        assert after.session_key != before
        assert not Session.objects.filter(session_key=before).exists()
        assert after["tracked"] is True  # same visitor, new id: the anonymous session's data is kept
        assert after[LOGIN_AT] == after[SEEN_AT] == int(START.timestamp())


def test_a_disabled_user_is_logged_out_at_their_next_request(logged_in, django_user_model):
    client, _ = logged_in
    django_user_model.objects.filter(username="hr1").update(is_active=False)
    response = client.get("/nhan-su/")
    assert response.status_code == 302
    assert response["Location"].startswith("/dang-nhap/")
