"""Shared fixtures: a small unit tree, persons, courses, and the seeded programme."""

import datetime
import itertools

import pytest
from django.core.cache import cache

from personnel.models import Appointment, OrgUnit, Person, Qualification
from personnel.services import rebuild_unit_paths, save_person
from targets.models import Programme
from training.models import Course, TrainingRecord

_codes = itertools.count(1)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Start every test with an empty cache: what an earlier test drew must not change this one's queries."""
    cache.clear()


@pytest.fixture(autouse=True)
def _no_import_worker_thread(settings):
    """No import worker thread in a test's web process (each request would start one); a test opts in."""
    settings.IMPORT_JOBS_THREAD = False


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Hash test passwords with a fast hasher: Argon2 is for production, not for thousands of test users."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


SEED_MIGRATIONS = [
    ("training.migrations.0002_seed_course_types", "seed"),
    ("targets.migrations.0002_seed_hn_2021_2025", "seed"),
    ("training.migrations.0004_newcomer_english_names", "seed"),
    ("targets.migrations.0004_newcomer_english_names", "seed"),
    ("training.migrations.0007_console_decree_171_course_types", "seed"),
]


@pytest.fixture(autouse=True)
def _seed_data(request, django_db_setup, django_db_blocker):
    """Put back the rows the data migrations seed (course types, programme, role groups) when a
    transactional test (a browser test's live server) has flushed them, before any test that uses
    the database."""
    if not (request.node.get_closest_marker("django_db") or {"db", "transactional_db"} & set(request.fixturenames)):
        return
    import importlib

    from django.apps import apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Group, Permission

    from accounts.roles import sync_role_groups

    with django_db_blocker.unblock():
        seeded = Programme.objects.filter(code="HN-2021-2025").exists()
        permitted = Permission.objects.filter(codename="add_importbatch").exists()
        if seeded and permitted:
            return
        from django.db import connection

        contents = getattr(connection, "_test_serialized_contents", None)
        if contents:
            # Put back the database exactly as migrated, ids included, as a serialized-rollback test does:
            # role groups recreated with new ids by a flush's post_migrate would collide with the next
            # such test's copy of them.
            Group.objects.all().delete()
            connection.creation.deserialize_db_from_string(contents)
            return
        if not seeded:
            for module, function in SEED_MIGRATIONS:
                getattr(importlib.import_module(module), function)(apps, None)
        # A flush without its post_migrate signal (serialized rollback) also drops the permissions.
        for app_config in apps.get_app_configs():
            create_permissions(app_config, verbosity=0)
        sync_role_groups(Group, Permission)


@pytest.fixture
def programme(db):
    """Return the seeded programme HN-2021-2025."""
    return Programme.objects.get(code="HN-2021-2025")


@pytest.fixture
def units(db):
    """Return a small tree: HN > (SNV, H01 > (H01X1, H01X2), H02 > H02X1), keyed by code."""
    specs = [
        ("HN", "Thành phố Hà Nội", None, "thanh_pho"),
        ("SNV", "Sở Nội vụ", "HN", "thanh_pho"),
        ("H01", "UBND quận Ba Đình", "HN", "huyen"),
        ("H01X1", "UBND phường Phúc Xá", "H01", "xa"),
        ("H01X2", "UBND phường Trúc Bạch", "H01", "xa"),
        ("H02", "UBND huyện Đông Anh", "HN", "huyen"),
        ("H02X1", "UBND xã Uy Nỗ", "H02", "xa"),
    ]
    made = {}
    for code, name, parent, level in specs:
        made[code] = OrgUnit.objects.create(code=code, name=name, parent=made.get(parent), level=level)
    rebuild_unit_paths()
    return {code: OrgUnit.objects.get(pk=unit.pk) for code, unit in made.items()}


@pytest.fixture
def make_person(units):
    """Return a factory of persons (defaults: a civil servant of H01 born 1980)."""

    def make(**fields) -> Person:
        unit = fields.pop("unit", "H01")
        fields.setdefault("code", f"P{next(_codes):06d}")
        fields.setdefault("full_name", "Nguyễn Văn An")
        fields.setdefault("birth_date", datetime.date(1980, 1, 1))
        fields.setdefault("category", "cong_chuc")
        person = Person(unit=units[unit] if isinstance(unit, str) else unit, **fields)
        return save_person(person=person)

    return make


@pytest.fixture
def make_course(db):
    """Return a factory of courses of the given types (default: ends 30/06 of ``year``)."""

    def make(*types: str, year: int = 2025, grants: tuple[str, int] | None = None, **fields) -> Course:
        fields.setdefault("code", f"K{next(_codes):06d}")
        fields.setdefault("title", f"Lớp {' '.join(types)} {year}")
        fields.setdefault("start_date", datetime.date(year, 6, 1))
        fields.setdefault("end_date", datetime.date(year, 6, 30))
        if grants:
            fields["grants_kind"], fields["grants_level"] = grants
        course = Course.objects.create(**fields)
        course.types.set(types)
        return course

    return make


@pytest.fixture
def complete(db):
    """Return a helper that records a training result (default: completed, on the course's end date)."""

    def record(person: Person, course: Course, result: str = "hoan_thanh", on: datetime.date | None = None):
        return TrainingRecord.objects.create(person=person, course=course, result=result, completed_on=on)

    return record


@pytest.fixture
def qualify(db):
    """Return a helper that adds a dated qualification."""

    def add(person: Person, kind: str, level: int, on: datetime.date | None = None):
        return Qualification.objects.create(person=person, kind=kind, level=level, obtained_on=on)

    return add


@pytest.fixture
def appoint(db):
    """Return a helper that records an appointment."""

    def add(person: Person, kind: str, on: datetime.date, title: str = "Chuyên viên"):
        return Appointment.objects.create(person=person, kind=kind, appointed_on=on, title=title)

    return add


# ---------------------------------------------------------------------------------------------
# Browser tests: Playwright driving Debian's Chromium (Playwright cannot download browsers here).

CHROMIUM_CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]


def _chromium_path() -> str | None:
    import os
    import shutil

    explicit = os.environ.get("CHROMIUM_PATH")
    if explicit:
        return explicit
    for candidate in CHROMIUM_CANDIDATES:
        if os.path.exists(candidate):
            return candidate
    return shutil.which("chromium")


@pytest.fixture(scope="session")
def browser():
    """Return a headless Chromium; skip without one, except under CI=true where that is a failure."""
    import os

    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop
    path = _chromium_path()
    if path is None:
        message = "Chromium is not installed (apt-get install chromium); browser tests need it"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=path,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser, live_server):
    """Return a fresh browser page in Vietnamese, with ``page.base_url`` set to the live server."""
    context = browser.new_context(locale="vi-VN", viewport={"width": 1366, "height": 768}, accept_downloads=True)
    new_page = context.new_page()
    new_page.set_default_timeout(15_000)
    new_page.base_url = live_server.url
    yield new_page
    context.close()


@pytest.fixture
def login(page):
    """Return a helper that logs ``username`` in through the login form (and the code page, for admins)."""

    def do(username: str, password: str = "mat-khau-thu-nghiem-2025"):
        from django.contrib.auth import get_user_model

        from accounts.mfa import needs_mfa

        user = get_user_model().objects.filter(username=username).first()
        device = enrol_device(user) if user is not None and needs_mfa(user) else None
        page.goto(f"{page.base_url}/dang-nhap/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("button[type=submit]:has-text('Đăng nhập')")
        page.wait_for_load_state("networkidle")
        if device is not None and "/xac-thuc-hai-buoc/" in page.url:
            device.refresh_from_db()
            page.fill("#id_code", totp_code(device))
            page.click("button[type=submit]:has-text('Xác nhận')")
            page.wait_for_load_state("networkidle")
        return page

    return do


PASSWORD = "mat-khau-thu-nghiem-2025"


@pytest.fixture
def make_user(db, units):
    """Return a factory of users with a role and a unit (password: ``PASSWORD``)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    def make(username: str, role: str = "hr", unit: str | None = "H01", **fields):
        user = get_user_model().objects.create_user(
            username=username, password=PASSWORD, unit=units[unit] if unit else None, **fields
        )
        if role == "admin":
            user.is_staff = user.is_superuser = True
            user.save()
        user.groups.add(Group.objects.get(name=role))
        return user

    return make


# ---------------------------------------------------------------------------------------------
# Multi-factor login (accounts/mfa.py). Admins and importers must enter a one-time code after their
# password. The real flow (password form, code page, enrolment) is tested in tests/test_mfa.py and
# tests/test_browser_mfa.py; elsewhere a test that logs a user in directly (client.force_login, which
# already skips the password) also gets the session verified with a confirmed device, so the pages
# behind the code stay reachable. unverified_login() logs in without that step.

from django.test import Client as _DjangoClient  # noqa: E402

_plain_force_login = _DjangoClient.force_login


def totp_code(device) -> str:
    """Return the code ``device``'s authenticator app would show now (the next one if now's was used)."""
    import time

    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    step = max(totp.t(), device.last_t + 1)  # a code is accepted once; the next step is within tolerance
    totp.time = device.t0 + (step - device.drift) * device.step  # t() adds the drift back
    return f"{totp.token():0{device.digits}d}"


def enrol_device(user):
    """Return ``user``'s confirmed authenticator device, creating one if they have none."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.mfa import DEVICE_NAME, confirmed_device

    return confirmed_device(user) or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=True)


def verify_session(client, user) -> None:
    """Mark ``client``'s session as having passed the one-time-code step with ``user``'s device."""
    from django_otp import DEVICE_ID_SESSION_KEY

    session = client.session
    session[DEVICE_ID_SESSION_KEY] = enrol_device(user).persistent_id
    session.save()


def unverified_login(client, user, backend=None) -> None:
    """Log ``user`` in on ``client`` after the password only (the code step not yet passed)."""
    _plain_force_login(client, user, backend)


def login_as(client, user, backend=None):
    """Log ``user`` in on ``client`` as after the whole login: password, then the code when their role needs one."""
    from accounts.mfa import needs_mfa

    _plain_force_login(client, user, backend)
    if needs_mfa(user):
        verify_session(client, user)
    return client


@pytest.fixture(autouse=True)
def _force_login_passes_the_code_step(monkeypatch):
    """Make ``client.force_login`` (Django's and DRF's test clients) log in like ``login_as``."""

    def force_login(self, user, backend=None):
        login_as(self, user, backend)

    monkeypatch.setattr(_DjangoClient, "force_login", force_login)


@pytest.fixture
def figures_in_request(settings):
    """Start from an empty cache, and let a page bring stale figures up to date within the request."""
    cache.clear()
    settings.REPORTS_SYNC_SECONDS = 60  # test_freshness covers serving stale figures and refreshing after
    yield
    cache.clear()


@pytest.fixture
def hr_user(make_user):
    """Return an HR officer of district H01."""
    return make_user("hr_h01", role="hr", unit="H01")


@pytest.fixture
def hr(client, hr_user):
    """Return a client logged in as the HR officer of district H01."""
    client.force_login(hr_user)
    return client


@pytest.fixture
def fuzzing_world(make_user, make_person, make_course, complete, qualify, appoint):
    """Return the data the API fuzzing runs against, under its calling conditions (tests/api_fuzzing.py)."""
    from tests import api_fuzzing

    with api_fuzzing.calling_conditions():
        yield api_fuzzing.build_world(
            make_user=make_user,
            make_person=make_person,
            make_course=make_course,
            complete=complete,
            qualify=qualify,
            appoint=appoint,
            password=PASSWORD,
        )
