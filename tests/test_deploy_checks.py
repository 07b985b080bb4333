"""Production settings pass Django's deployment checks with nothing silenced."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent


def production_env(**extra: str) -> dict[str, str]:
    # A clean slate: no DEBUG, and no DJANGO_* variable the test run itself set (the browser tests set
    # DJANGO_ALLOW_ASYNC_UNSAFE, which the deploy check rightly rejects).
    env = {key: value for key, value in os.environ.items() if key != "DEBUG" and not key.startswith("DJANGO_")}
    env.update(
        DJANGO_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="daotao.hanoi.gov.vn",
        DJANGO_SETTINGS_MODULE="config.settings",
        **extra,
    )
    return env


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )


def test_production_settings_pass_the_deploy_check_at_warning_level_with_nothing_silenced():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "(0 silenced)" in result.stdout
    assert "silenced" not in result.stdout.replace("(0 silenced)", "")


def test_production_refuses_to_start_without_a_secret_key():
    env = production_env()
    del env["SECRET_KEY"]
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


COOKIE_AND_TRANSPORT_SETTINGS = [
    "SESSION_COOKIE_NAME",
    "CSRF_COOKIE_NAME",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SESSION_COOKIE_DOMAIN",
    "CSRF_COOKIE_DOMAIN",
    "SESSION_COOKIE_PATH",
    "CSRF_COOKIE_PATH",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_SSL_REDIRECT",
    "SECURE_PROXY_SSL_HEADER",
    "X_FRAME_OPTIONS",
    "SECURE_REFERRER_POLICY",
    "DEBUG",
]


def production_settings(env: dict[str, str]) -> dict[str, str]:
    """Return repr() of the cookie and transport settings as a production process sees them."""
    code = (
        "import django, json, sys; django.setup(); from django.conf import settings; "
        "print(json.dumps({name: repr(getattr(settings, name, None)) for name in sys.argv[1:]}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, *COOKIE_AND_TRANSPORT_SETTINGS],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_production_uses_host_prefixed_secure_cookies_hsts_and_https():
    values = production_settings(production_env(SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO=https"))
    assert values["SESSION_COOKIE_NAME"] == "'__Host-sessionid'"
    assert values["CSRF_COOKIE_NAME"] == "'__Host-csrftoken'"
    secure_flags = ["SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_HSTS_INCLUDE_SUBDOMAINS"]
    for name in [*secure_flags, "SECURE_HSTS_PRELOAD"]:
        assert values[name] == "True", name
    assert values["SESSION_COOKIE_DOMAIN"] == values["CSRF_COOKIE_DOMAIN"] == "None"
    assert values["SESSION_COOKIE_PATH"] == values["CSRF_COOKIE_PATH"] == "'/'"
    assert values["SECURE_HSTS_SECONDS"] == str(365 * 24 * 60 * 60)
    assert values["SECURE_SSL_REDIRECT"] == "True"
    assert values["SECURE_PROXY_SSL_HEADER"] == "('HTTP_X_FORWARDED_PROTO', 'https')"
    assert values["X_FRAME_OPTIONS"] == "'DENY'"
    assert values["SECURE_REFERRER_POLICY"] == "'same-origin'"
    assert values["DEBUG"] == "False"


@pytest.mark.django_db
def test_the_session_cookie_a_production_login_sets_is_host_prefixed_and_secure(settings, client, make_user):
    settings.SESSION_COOKIE_NAME = "__Host-sessionid"
    settings.SESSION_COOKIE_SECURE = True
    make_user("hr1")
    response = client.post("/dang-nhap/", {"username": "hr1", "password": "mat-khau-thu-nghiem-2025"}, secure=True)
    assert response.status_code == 302
    cookie = response.cookies["__Host-sessionid"]
    assert cookie["secure"] is True
    assert cookie["path"] == "/"
    assert cookie["domain"] == ""
    assert cookie["httponly"] is True
