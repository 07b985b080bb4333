"""Security holes of issue #17 (items 5, 6, 11) and the login steps of issue #16 (items 9, 10).

- The second-factor requirement follows the role on every request, cheaply (a role version on the user).
- A password change, a second-factor reset and a deactivation end every API token and session at once.
- One address cannot spray passwords over many accounts; TRUSTED_PROXY_COUNT is refused on a public address.
- People are shown family name first; a mistyped code does not hold up the right one; the menu waits for the
  whole login; enrolment is confirmed; the key reads in groups of four.
"""

import datetime
import os
import runpy
import secrets
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import time_machine
from django.contrib.auth.models import Group, Permission
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.management import call_command
from django.test import Client, RequestFactory
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts import mfa, services
from accounts.models import User
from config.proxies import is_public_bind, proxy_setting_problem
from tests.conftest import PASSWORD, enrol_device, totp_code, unverified_login

BASE_DIR = Path(__file__).resolve().parent.parent
VERIFY = "/xac-thuc-hai-buoc/"
ENROL = "/xac-thuc-hai-buoc/dang-ky/"
START = datetime.datetime(2025, 3, 3, 8, 0, tzinfo=datetime.UTC)


def token_works(token: str) -> bool:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return api.get("/api/v1/units/").status_code == 200


def fresh(user) -> User:
    return User.objects.get(pk=user.pk)


# --- #17 item 5: the second factor follows the role on every request ----------------------------------------------


def test_a_user_made_admin_while_logged_in_is_asked_for_the_code_at_their_next_request(client, make_user):
    officer = make_user("hr.badinh", "hr", "H01")
    client.force_login(officer)
    assert client.get("/nhan-su/").status_code == 200

    officer.groups.set([Group.objects.get(name="admin")])  # as the Django admin or a shell would

    for page in ("/nhan-su/", "/nhap-du-lieu/", "/quan-tri/nguoi-dung/"):
        answer = client.get(page)
        assert answer.status_code == 302, page
        assert answer["Location"].startswith(VERIFY), page


def test_a_user_given_the_import_permission_while_logged_in_is_asked_for_the_code(client, make_user):
    officer = make_user("hr.badinh", "hr", "H01")
    client.force_login(officer)
    client.get("/nhan-su/")
    officer.user_permissions.add(Permission.objects.get(codename="add_importbatch"))
    assert client.get("/nhap-du-lieu/")["Location"].startswith(VERIFY)


def test_a_role_given_in_the_users_pages_is_asked_for_the_code_at_the_next_request(client, make_user):
    admin = make_user("admin1", "admin", "HN")
    officer = make_user("hr.badinh", "hr", "H01")
    client.force_login(officer)
    client.get("/nhan-su/")
    services.change_role(by=admin, user=officer, role="admin")
    assert client.get("/bao-cao/", follow=True).redirect_chain[-1][0].startswith(ENROL)


def test_an_admin_made_hr_while_logged_in_is_no_longer_asked(client, make_user):
    admin = make_user("admin1", "admin", "HN")
    member = make_user("admin2", "admin", "HN")
    member.is_superuser = False
    member.save()
    enrol_device(member)
    unverified_login(client, member)
    assert client.get("/nhan-su/")["Location"].startswith(VERIFY)
    services.change_role(by=admin, user=member, role="hr")
    assert client.get("/nhan-su/").status_code == 200


def test_the_requirement_is_read_from_the_session_without_a_query_while_the_role_is_unchanged(
    make_user, django_assert_num_queries
):
    officer = make_user("hr.badinh", "hr", "H01")
    request = RequestFactory().get("/")
    SessionMiddleware(lambda r: None).process_request(request)
    request.user = officer
    assert mfa.session_needs_mfa(request) is False  # decided once (two permission queries)
    with django_assert_num_queries(0):
        assert mfa.session_needs_mfa(request) is False


def test_the_role_version_moves_with_every_change_of_what_a_user_may_do(make_user):
    officer = make_user("hr.badinh", "hr", "H01")
    hr, leader = Group.objects.get(name="hr"), Group.objects.get(name="leader")
    steps = [
        lambda: officer.groups.add(leader),
        lambda: officer.groups.remove(leader),
        lambda: leader.user_set.add(officer),
        lambda: leader.user_set.clear(),
        lambda: hr.permissions.add(Permission.objects.get(codename="add_importbatch")),
        lambda: officer.user_permissions.add(Permission.objects.get(codename="view_orgunit")),
        lambda: fresh(officer).save(),  # nothing that matters changed
    ]
    versions = [fresh(officer).role_version]
    for step in steps:
        step()
        versions.append(fresh(officer).role_version)
    assert versions[:-1] == sorted(set(versions[:-1])), versions  # each change moved it
    assert versions[-1] == versions[-2]  # a save that changes nothing does not

    user = fresh(officer)
    user.is_superuser = True
    user.save(update_fields=["is_superuser"])
    assert fresh(officer).role_version == versions[-1] + 1
    user.last_login = START
    user.save(update_fields=["last_login"])
    assert fresh(officer).role_version == versions[-1] + 1


def test_an_instance_in_memory_does_not_write_an_old_role_version_back(make_user):
    officer = make_user("hr.badinh", "hr", "H01")
    officer.groups.add(Group.objects.get(name="leader"))
    officer.first_name = "Thu Hà"
    officer.save()
    assert fresh(officer).role_version == officer.role_version > 1


# --- #17 item 6: tokens and sessions end with a password change, a reset, a deactivation ---------------------------


def test_a_password_change_ends_every_token_and_the_other_sessions(make_user):
    officer = make_user("hr.badinh", "hr", "H01")
    token = AuthToken.objects.create(user=officer)[1]
    other = Client()
    other.post("/dang-nhap/", {"username": "hr.badinh", "password": PASSWORD})
    assert token_works(token)
    assert other.get("/nhan-su/").status_code == 200

    officer.set_password("Mot-mat-khau-moi-2025")
    officer.save()

    assert not token_works(token)
    assert other.get("/nhan-su/")["Location"].startswith("/dang-nhap/")


def test_reset_mfa_ends_every_token(make_user):
    admin = make_user("admin1", "admin", "HN")
    enrol_device(admin)
    token = AuthToken.objects.create(user=admin)[1]
    call_command("reset_mfa", "admin1", stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert not token_works(token)


def test_deactivation_anywhere_ends_every_token_and_session(make_user):
    officer = make_user("hr.badinh", "hr", "H01")
    token = AuthToken.objects.create(user=officer)[1]
    session = Client()
    session.force_login(officer)
    officer.is_active = False
    officer.save()  # the Django admin or a shell, not the users pages
    assert not AuthToken.objects.filter(user=officer).exists()
    assert not token_works(token)
    from django.contrib.sessions.models import Session

    assert not Session.objects.filter(session_key=session.session.session_key).exists()


# --- #17 item 11: password spraying, and the proxy header ---------------------------------------------------------

SPRAYER = "198.51.100.66"


def spray(client, usernames, address=SPRAYER):
    for username in usernames:
        client.post("/dang-nhap/", {"username": username, "password": "Mua-thu-2025"}, REMOTE_ADDR=address)


def test_one_address_trying_passwords_on_many_accounts_is_locked_out(client, make_user, settings):
    make_user("hr1")
    spray(client, [f"nguoi{number}" for number in range(settings.AXES_ADDRESS_FAILURE_LIMIT - 1)])
    assert client.post("/dang-nhap/", {"username": "hr1", "password": "sai"}, REMOTE_ADDR=SPRAYER).status_code == 429
    locked = client.post("/dang-nhap/", {"username": "hr1", "password": PASSWORD}, REMOTE_ADDR=SPRAYER)
    assert locked.status_code == 429
    assert "Tạm khóa đăng nhập" in locked.content.decode()
    # Another address is not concerned, and the lock lifts after 15 minutes.
    assert Client().post("/dang-nhap/", {"username": "hr1", "password": PASSWORD}).status_code == 302


def test_the_address_limit_lifts_after_the_cool_off(client, make_user, settings):
    make_user("hr1")
    with time_machine.travel(START, tick=False) as clock:
        spray(client, [f"nguoi{number}" for number in range(settings.AXES_ADDRESS_FAILURE_LIMIT)])
        clock.shift(datetime.timedelta(minutes=16))
        ok = client.post("/dang-nhap/", {"username": "hr1", "password": PASSWORD}, REMOTE_ADDR=SPRAYER)
    assert ok.status_code == 302


def test_a_login_to_ones_own_account_does_not_reset_the_address_count(client, make_user, settings):
    make_user("hr1")
    spray(client, [f"nguoi{number}" for number in range(settings.AXES_ADDRESS_FAILURE_LIMIT - 2)])
    own = Client()
    assert own.post("/dang-nhap/", {"username": "hr1", "password": PASSWORD}, REMOTE_ADDR=SPRAYER).status_code == 302
    spray(client, ["nguoi-a", "nguoi-b"])
    assert client.post("/dang-nhap/", {"username": "hr1", "password": PASSWORD}, REMOTE_ADDR=SPRAYER).status_code == 429


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("127.0.0.1:8000", False),
        ("localhost:8000", False),
        ("10.0.0.5:8000", False),
        ("unix:/run/hanoi/gunicorn.sock", False),
        ("[::1]:8000", False),
        ("0.0.0.0:8000", True),
        ("[::]:8000", True),
        (":8000", True),
        ("8.8.8.8:80", True),
        ("daotao.hanoi.gov.vn:80", True),
    ],
)
def test_a_listen_address_is_public_when_the_internet_can_reach_it(address, public):
    assert is_public_bind(address) is public


def test_trusted_proxy_count_is_refused_only_on_a_public_address(monkeypatch):
    monkeypatch.delenv("TRUSTED_PROXY_COUNT", raising=False)
    assert proxy_setting_problem(["0.0.0.0:8000"]) is None
    monkeypatch.setenv("TRUSTED_PROXY_COUNT", "1")
    assert proxy_setting_problem(["127.0.0.1:8000"]) is None
    assert "0.0.0.0:8000" in proxy_setting_problem(["127.0.0.1:8000", "0.0.0.0:8000"])


def production(**extra) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key != "DEBUG" and not key.startswith("DJANGO_")}
    env.update(
        DJANGO_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="daotao.hanoi.gov.vn",
        DJANGO_SETTINGS_MODULE="config.settings",
        **extra,
    )
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )


def test_production_refuses_to_start_with_trusted_proxy_count_on_a_public_address():
    refused = production(TRUSTED_PROXY_COUNT="1", LISTEN_ADDRESS="0.0.0.0:8000")
    assert refused.returncode != 0
    assert "TRUSTED_PROXY_COUNT=1 but the app listens on a public address (0.0.0.0:8000)" in refused.stderr
    assert production(TRUSTED_PROXY_COUNT="1", LISTEN_ADDRESS="127.0.0.1:8000").returncode == 0


def test_gunicorn_refuses_to_start_when_it_binds_a_public_address_behind_a_trusted_proxy(monkeypatch):
    config = runpy.run_path(str(BASE_DIR / "gunicorn.conf.py"))
    server = SimpleNamespace(cfg=SimpleNamespace(bind=["0.0.0.0:8000"]))
    monkeypatch.setenv("TRUSTED_PROXY_COUNT", "1")
    with pytest.raises(SystemExit, match="Refusing to start"):
        config["on_starting"](server)
    config["on_starting"](SimpleNamespace(cfg=SimpleNamespace(bind=["127.0.0.1:8000"])))


# --- #16 item 9: family name first --------------------------------------------------------------------------------


def test_a_user_is_shown_family_name_first_in_the_header(client, make_user):
    officer = make_user("hr.badinh", "hr", "H01", first_name="Thu Hà", last_name="Nguyễn")
    assert officer.get_full_name() == "Nguyễn Thu Hà" == officer.display_name()
    client.force_login(officer)
    assert "Nguyễn Thu Hà" in client.get("/nhan-su/").content.decode()
    assert make_user("x", "hr", "H01").display_name() == "x"


# --- #16 item 10: the code steps ----------------------------------------------------------------------------------


@pytest.fixture
def admin(make_user):
    return make_user("admin1", "admin", "HN")


def log_in(client, username="admin1"):
    return client.post("/dang-nhap/", {"username": username, "password": PASSWORD}, follow=True)


def wrong(device) -> str:
    return f"{(int(totp_code(device)) + 1) % 1_000_000:06d}"


def test_the_right_code_typed_just_after_a_wrong_one_is_accepted(client, admin):
    device = enrol_device(admin)
    with time_machine.travel(START, tick=False):
        log_in(client)
        client.post(VERIFY, {"code": wrong(device)})
        client.post(VERIFY, {"code": wrong(device)})
        device.refresh_from_db()
        accepted = client.post(VERIFY, {"code": totp_code(device)})
    assert accepted.status_code == 302


def test_after_several_wrong_codes_the_wait_starts_and_the_typed_code_is_kept(client, admin):
    device = enrol_device(admin)
    with time_machine.travel(START, tick=False):
        log_in(client)
        for _ in range(3):
            refused = client.post(VERIFY, {"code": wrong(device)})
        assert 'value=""' in refused.content.decode()  # a wrong code is cleared: read a new one
        device.refresh_from_db()
        code = totp_code(device)
        waiting = client.post(VERIFY, {"code": code}).content.decode()
    assert "Vui lòng đợi 5 giây" in waiting
    assert f'value="{code}"' in waiting  # still right in a few seconds: kept


def test_the_enrolment_page_shows_no_menu_and_enrolment_is_confirmed(client, admin):
    page = log_in(client).content.decode()
    assert "main-nav" not in page
    assert "Nhân sự" not in page
    device = admin.totpdevice_set.get()
    done = client.post(ENROL, {"code": totp_code(device)}, follow=True).content.decode()
    assert "Đã thiết lập xác thực hai lớp." in done
    assert "main-nav" in done


def test_the_key_is_shown_in_groups_of_four_in_a_monospace_font_that_never_breaks_a_group(client, admin):
    page = log_in(client).content.decode()
    secret = page.split('id="otp-secret">')[1].split("<")[0]
    assert all(len(group) == 4 for group in secret.split(" "))
    css = (BASE_DIR / "static" / "css" / "app.css").read_text()
    rule = next(line for line in css.splitlines() if line.startswith(".otp-secret {"))
    assert "monospace" in rule
    assert "break-all" not in rule
