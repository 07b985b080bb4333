"""Shared by the access-matrix tests: every URL pattern of the site, a two-district world built once per
module, the roles that visit it, what each answer means, and a detector of another unit's rows in a body.

The world: Ba Đình (H01 > H01X1, H01X2) and Đông Anh (H02 > H02X1) under the city (HN). "Own" records
belong to a person of H01X1, "other" records to a person of H02X1. The HR officer, the leader and the
user without a role belong to H01; the admin and the city-wide viewer to HN.
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import io
import re
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import openpyxl
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, resolve

TODAY = datetime.datetime(2025, 11, 20, 9, 30, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
ROLES = ("anonymous", "admin", "hr", "leader", "viewer", "no_role")
# Roles whose scope is the whole city: another district's records are theirs to see.
CITY_WIDE = ("admin", "viewer")
LOGIN_URL = "/dang-nhap/"
ADMIN_LOGIN_URL = "/admin/login/"


# ---------------------------------------------------------------------------------------------
# Every URL pattern, from the resolver


def readable(route: str) -> str:
    """Return a route with its regular-expression syntax reduced to ``<name>`` placeholders."""
    while (start := route.find("(?P<")) >= 0:  # a named group, which may hold groups of its own
        name = route[start + 4 : route.index(">", start)]
        depth, end = 0, start
        for end in range(start, len(route)):
            if route[end] == "(" and route[end - 1 : end] != "\\":
                depth += 1
            elif route[end] == ")" and route[end - 1 : end] != "\\":
                depth -= 1
                if depth == 0:
                    break
        route = f"{route[:start]}<{name}>{route[end + 1 :]}"
    route = re.sub(r"(?<!\[)\^", "", route)  # anchors, not the negation of a character class
    return route.replace("$", "").replace("\\", "")


def url_patterns() -> list[str]:
    """Return the readable route of every URL pattern the site serves, in resolver order, each once."""

    def walk(patterns, prefix: str):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                yield readable(prefix + str(pattern.pattern))

    return list(dict.fromkeys(walk(get_resolver().url_patterns, "")))


def resolved_route(path: str) -> str:
    """Return the readable route of the pattern that serves ``path``."""
    return readable(resolve(path.split("?")[0]).route)


# ---------------------------------------------------------------------------------------------
# What an answer means


@dataclass(frozen=True)
class Outcome:
    """An expected answer: its status codes and, for a redirect, whether it must (not) lead to a login page."""

    label: str
    statuses: frozenset[int]
    login: str | None = None  # the redirect must go to this login page
    not_to_login: bool = False  # the redirect must not go to a login page (access was granted)
    writes_nothing: bool = False  # a refusal (or a read): the database must be as before

    def __str__(self) -> str:
        return self.label

    def matches(self, response) -> bool:
        """Return whether ``response`` is this outcome."""
        if response.status_code not in self.statuses:
            return False
        location = response.get("Location", "") if 300 <= response.status_code < 400 else ""
        if self.login is not None:
            return location.startswith(self.login)
        if self.not_to_login and location:
            return not location.startswith((LOGIN_URL, ADMIN_LOGIN_URL))
        return True


def outcome(label: str, *statuses: int, **flags) -> Outcome:
    """Return the outcome named ``label``: one of ``statuses``, with the ``Outcome`` flags given."""
    return Outcome(label, frozenset(statuses), **flags)


LOGIN = outcome("redirect to the login page", 302, login=LOGIN_URL, writes_nothing=True)
ADMIN_LOGIN = outcome("redirect to the admin login page", 302, login=ADMIN_LOGIN_URL, writes_nothing=True)
UNAUTHORIZED = outcome("401", 401, writes_nothing=True)
FORBIDDEN = outcome("403", 403, writes_nothing=True)
NOT_FOUND = outcome("404", 404, writes_nothing=True)
NOT_ALLOWED = outcome("405", 405, writes_nothing=True)
SHOWN = outcome("200", 200)
REDIRECT = outcome("redirect, not to a login page", 301, 302, not_to_login=True)
ANY_REDIRECT = outcome("redirect", 302)
PAGE_OR_REDIRECT = outcome("200 or a redirect, not to a login page", 200, 302, not_to_login=True)
# A form posted by someone allowed to write: shown again with its errors, or saved and redirected.
FORM = outcome("form shown again (200) or saved (302)", 200, 302, not_to_login=True)
BAD_REQUEST = outcome("400", 400)
# An API write by someone allowed to write: done, or refused for its content (not for who sent it).
API_WRITE = outcome("written (200/201/204) or refused for its content (400/409)", 200, 201, 204, 400, 409)


# ---------------------------------------------------------------------------------------------
# The world


@dataclass
class World:
    units: dict
    persons: dict  # "own" (H01X1), "other" (H02X1), "sibling" (H01X2)
    qualifications: dict
    appointments: dict
    records: dict
    course: object
    spare_course: object
    users: dict
    sessions: dict = field(default_factory=dict)  # role -> session key
    tokens: dict = field(default_factory=dict)  # role -> API token
    batches: dict = field(default_factory=dict)
    indicator_pk: int = 0  # CC-3 of the seeded programme
    reorganisation: object = None  # a previewed reorganisation (Trúc Bạch into Phúc Xá)
    # planning: "plan"/"other plan" (drafts of H01X1 / H02X1, one planned class each), "class"/"other class" (their
    # ids), "roster"/"other roster" (course codes of classes run by H01 / H02X1), "nomination"/"other nomination"
    planning: dict = field(default_factory=dict)

    def page_client(self, role: str) -> Client:
        """Return a client logged in as ``role`` (anonymous: not logged in)."""
        client = Client()
        if role in self.sessions:
            client.cookies[settings.SESSION_COOKIE_NAME] = self.sessions[role]
        return client

    def api_client(self, role: str):
        """Return an API client carrying ``role``'s token (anonymous: no credentials)."""
        from rest_framework.test import APIClient

        client = APIClient()
        if role in self.tokens:
            client.credentials(HTTP_AUTHORIZATION=f"Token {self.tokens[role]}")
        return client


# Every name holds "Văn": one search ("van") finds all three.
OWN_NAME, OTHER_NAME, SIBLING_NAME = "Trần Văn Mình", "Lê Văn Khác", "Phan Văn Bên"
OWN_CODE, OTHER_CODE, SIBLING_CODE = "CB-MINE", "CB-THEIRS", "CB-SIBLING"
# What must never reach a user of H01 (Ba Đình): Đông Anh's person and units.
OTHER_UNIT_MARKERS = (OTHER_CODE, OTHER_NAME, "H02X1", "UBND xã Uy Nỗ", "UBND huyện Đông Anh")
UNIT_SPECS = [
    ("HN", "Thành phố Hà Nội", None, "thanh_pho"),
    ("SNV", "Sở Nội vụ", "HN", "thanh_pho"),
    ("H01", "UBND quận Ba Đình", "HN", "huyen"),
    ("H01X1", "UBND phường Phúc Xá", "H01", "xa"),
    ("H01X2", "UBND phường Trúc Bạch", "H01", "xa"),
    ("H02", "UBND huyện Đông Anh", "HN", "huyen"),
    ("H02X1", "UBND xã Uy Nỗ", "H02", "xa"),
]
# role -> unit of the user
USER_UNITS = {"admin": "HN", "hr": "H01", "leader": "H01", "viewer": "HN", "no_role": "H01"}


def ensure_seed_data() -> None:
    """Put back the seeded programme, course types and role groups if a browser test flushed them."""
    import importlib

    from django.apps import apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Group, Permission

    from accounts.roles import sync_role_groups
    from targets.models import Programme

    if Programme.objects.filter(code="HN-2021-2025").exists() and Group.objects.filter(name="hr").exists():
        return
    for module in ("training.migrations.0002_seed_course_types", "targets.migrations.0002_seed_hn_2021_2025"):
        importlib.import_module(module).seed(apps, None)
    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0)
    sync_role_groups(Group, Permission)


def make_user(username: str, role: str | None, unit, **fields):
    """Return a user of ``unit`` with ``role`` (None: no role), without a usable password."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    user = get_user_model()(username=username, unit=unit, **fields)
    user.set_unusable_password()
    if role == "admin":
        user.is_staff = user.is_superuser = True
    user.save()
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


def open_session(user) -> str:
    """Return the key of a new logged-in session of ``user`` (past the one-time code when their role needs one)."""
    from .conftest import login_as

    client = login_as(Client(), user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def build_world() -> World:
    """Create the units, three persons with every kind of record, the users, their sessions and tokens."""
    from django.contrib.auth.models import Permission
    from knox.models import AuthToken

    from exchange.models import ImportBatch, ImportStatus, JobState
    from personnel.models import Appointment, OrgUnit, Person, Qualification, Reorganisation
    from personnel.services import rebuild_unit_paths, save_person
    from targets.models import Indicator
    from training.models import Course, TrainingRecord

    ensure_seed_data()
    units = {}
    for code, name, parent, level in UNIT_SPECS:
        units[code] = OrgUnit.objects.create(code=code, name=name, parent=units.get(parent), level=level)
    rebuild_unit_paths()
    units = {code: OrgUnit.objects.get(pk=unit.pk) for code, unit in units.items()}

    # Run by Ba Đình (the HR officer's district), attended by both districts (training.models.Course.unit).
    course = Course.objects.create(
        code="K-MATRIX",
        title="Lớp cập nhật kiến thức pháp luật 2025",
        start_date=datetime.date(2025, 6, 1),
        end_date=datetime.date(2025, 6, 30),
        unit=units["H01"],
    )
    course.types.set(["phap_luat"])
    spare_course = Course.objects.create(
        code="K-SPARE",
        title="Lớp kỹ năng 2025",
        start_date=datetime.date(2025, 3, 1),
        end_date=datetime.date(2025, 3, 5),
        unit=units["H01"],
    )
    spare_course.types.set(["ky_nang_cong_vu"])

    persons, qualifications, appointments, records = {}, {}, {}, {}
    specs = [
        ("own", OWN_CODE, OWN_NAME, "H01X1", "001090000001"),
        ("other", OTHER_CODE, OTHER_NAME, "H02X1", "001090000002"),
        ("sibling", SIBLING_CODE, SIBLING_NAME, "H01X2", "001090000003"),
    ]
    for scope, code, name, unit, citizen_id in specs:
        person = save_person(
            person=Person(
                code=code,
                full_name=name,
                birth_date=datetime.date(1980, 1, 1),
                category="cong_chuc",
                unit=units[unit],
                citizen_id=citizen_id,
            )
        )
        persons[scope] = person
        qualifications[scope] = Qualification.objects.create(
            person=person, kind="chuyen_mon", level=4, obtained_on=datetime.date(2010, 6, 1)
        )
        appointments[scope] = Appointment.objects.create(
            person=person, kind="ngach", appointed_on=datetime.date(2022, 3, 1), title="Chuyên viên"
        )
        # Still studying: the record is listed, and the person still misses CC-3 (so is in its drill-down).
        records[scope] = TrainingRecord.objects.create(person=person, course=course, result="dang_hoc")

    users = {
        role: make_user(f"matrix_{role}", None if role == "no_role" else role, units[unit])
        for role, unit in USER_UNITS.items()
    }
    # Not in the matrix's roles, for the lists: an HR officer of one ward, and one of Ba Đình given the import
    # permission (an importer who is not city-wide sees only their own import batches).
    users["hr_ward"] = make_user("matrix_hr_ward", "hr", units["H01X1"])
    users["hr_importer"] = make_user("matrix_hr_importer", "hr", units["H01"])
    users["hr_importer"].user_permissions.add(
        Permission.objects.get(codename="add_importbatch", content_type__app_label="exchange")
    )
    world = World(units, persons, qualifications, appointments, records, course, spare_course, users)
    for role, user in users.items():
        world.sessions[role] = open_session(user)
        world.tokens[role] = AuthToken.objects.create(user=user)[1]

    world.indicator_pk = Indicator.objects.get(programme__code="HN-2021-2025", code="CC-3").pk
    world.reorganisation = Reorganisation.objects.create(
        name="Sáp nhập Trúc Bạch",
        effective_on=datetime.date(2025, 7, 1),
        plan={
            "name": "Sáp nhập Trúc Bạch",
            "effective_on": "2025-07-01",
            "closures": [{"code": "H01X2", "successors": ["H01X1"], "line": 2}],
        },
        created_by=users["admin"],
    )
    world.planning = build_planning(world)
    admin = users["admin"]
    done = {"job_state": JobState.DONE, "finished_at": TODAY}
    world.batches = {
        "importer's": ImportBatch.objects.create(
            kind="nhan_su",
            file_name="matrix-importer.csv",
            user=users["hr_importer"],
            status=ImportStatus.APPLIED,
            **done,
        ),
        "applied": ImportBatch.objects.create(
            kind="nhan_su", file_name="matrix-applied.csv", user=admin, status=ImportStatus.APPLIED, **done
        ),
        "previewed": ImportBatch.objects.create(
            kind="nhan_su", file_name="matrix-previewed.csv", user=admin, status=ImportStatus.PREVIEWED, **done
        ),
        "rejected": ImportBatch.objects.create(
            kind="nhan_su",
            file_name="matrix-rejected.csv",
            user=admin,
            status=ImportStatus.REJECTED,
            content="Mã cán bộ\nX\n".encode(),
            error_count=1,
            **done,
        ),
    }
    return world


def build_planning(world: World) -> dict:
    """Create, on each side, a draft plan with one planned class, and a class roster holding one nomination."""
    from planning.models import Nomination, PlannedClass, Roster, TrainingPlan
    from targets.models import Programme
    from training.models import Course

    programme = Programme.objects.get(code="HN-2021-2025")
    made = {}
    for side, unit, person, course_code in (
        ("", "H01X1", "own", "K-ROSTER-OWN"),
        ("other ", "H02X1", "other", "K-ROSTER-THEIRS"),
    ):
        plan = TrainingPlan.objects.create(unit=world.units[unit], year=2025, programme=programme)
        planned = PlannedClass.objects.create(
            plan=plan, course_type_id="phap_luat", title="Lớp pháp luật", places=5, quarter=4
        )
        course = Course.objects.create(
            code=course_code,
            title="Lớp pháp luật quý IV",
            start_date=datetime.date(2025, 11, 3),
            end_date=datetime.date(2025, 11, 7),
        )
        course.types.set(["phap_luat"])
        roster_unit = world.units["H01" if side == "" else unit]
        roster = Roster.objects.create(course=course, unit=roster_unit, capacity=10)
        nomination = Nomination.objects.create(
            roster=roster, person=world.persons[person], status="chinh_thuc", position=1
        )
        made.update(
            {
                f"{side}plan": plan.pk,
                f"{side}class": planned.pk,
                f"{side}roster": course_code,
                f"{side}nomination": nomination.pk,
            }
        )
    return made


@contextlib.contextmanager
def world_for_module(django_db_blocker):
    """Build the world once, in a transaction rolled back at the end; each test runs in a savepoint inside it."""
    frozen = time_machine.travel(TODAY, tick=False)
    # Import jobs neither run in the request nor start a worker thread: the matrix asks who is let in.
    quiet_jobs = override_settings(IMPORT_JOBS_INLINE=False, IMPORT_JOBS_THREAD=False)
    with django_db_blocker.unblock(), frozen, quiet_jobs, transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


# ---------------------------------------------------------------------------------------------
# Nothing written, nothing leaked


def fingerprint() -> tuple:
    """Return counts of every domain table and its history (any write adds a history row), and the batches."""
    from django.contrib.auth import get_user_model

    from exchange.models import ImportBatch
    from personnel.models import Appointment, OrgUnit, Person, Qualification
    from planning.models import Nomination, PlannedClass, Roster, TrainingPlan
    from targets.models import Indicator, Programme
    from training.models import Course, CourseType, TrainingRecord

    tables = [get_user_model()._meta.db_table, CourseType._meta.db_table]
    for model in (OrgUnit, Person, Qualification, Appointment, Course, TrainingRecord, Programme, Indicator,
                  TrainingPlan, PlannedClass, Roster, Nomination):  # fmt: skip
        tables += [model._meta.db_table, model.history.model._meta.db_table]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {quote(table)})" for table in tables))  # noqa: S608 (table names from the models' _meta, quoted; no value)
        counts = tuple(cursor.fetchone())
    batches = tuple(ImportBatch.objects.order_by("pk").values_list("pk", "status", "job_state", "undone_by_id"))
    return counts, batches


def body_text(response) -> str:
    """Return what a response shows: its text, every cell of an XLSX, or a streamed CSV."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if response.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
        return "\n".join(
            str(value)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for value in row
            if value
        )
    text = content.decode("utf-8-sig", errors="replace")
    if response.get("Content-Type", "").startswith("text/csv"):
        return "\n".join(",".join(row) for row in csv.reader(io.StringIO(text)))
    return text


def leaked(text: str, markers=OTHER_UNIT_MARKERS) -> list[str]:
    """Return the markers of another unit that ``text`` shows."""
    return [marker for marker in markers if marker in text]


# Users of Ba Đình (H01) whose answers must never name Đông Anh (H02).
SCOPED_ROLES = ("hr", "leader")


def check_cell(client, method: str, url: str, want: Outcome, *, role: str, api: bool = False) -> str:
    """Send one request, in a savepoint rolled back afterwards; return what is wrong with the answer ("" if nothing).

    Wrong: another answer than ``want``; a write where ``want`` allows none; a body shown to a user of Ba Đình
    that names a person or unit of Đông Anh. A write sends an empty body (``api``: as JSON).
    """
    cache.clear()  # drawn dashboards are cached by stored run, and the runs are rolled back with the cell
    with transaction.atomic():
        before = fingerprint() if method != "GET" and want.writes_nothing else None
        if method == "GET":
            response = client.get(url)
        else:
            response = getattr(client, method.lower())(url, {}, **({"format": "json"} if api else {}))
        problems = []
        if not want.matches(response):
            location = response.get("Location", "")
            problems.append(f"expected {want}, got {response.status_code}{' → ' + location if location else ''}")
        elif before is not None and fingerprint() != before:
            problems.append("something was written")
        if role in SCOPED_ROLES and 200 <= response.status_code < 300:
            shown = leaked(body_text(response))
            if shown:
                problems.append(f"shows another district's {shown}")
        transaction.set_rollback(True)
    return "; ".join(problems)


# ---------------------------------------------------------------------------------------------
# Citizen IDs and the access log: the "history" and "list" columns (issue #17)

# role -> how the role reads a citizen ID it is let see: in full, or masked (accounts.privacy); None: refused.
CITIZEN_ID_READING = {"anonymous": None, "admin": "full", "hr": "full", "leader": "masked", "viewer": "masked"}
CITIZEN_ID_READING["no_role"] = None
# The citizen IDs of the world's persons ("own" is corrected to CORRECTED_ID by the history column).
CITIZEN_IDS = {"own": "001090000001", "other": "001090000002", "sibling": "001090000003"}
CORRECTED_ID = "001090000099"


def reads_citizen_id(text: str, citizen_id: str, reading: str) -> bool:
    """Return whether ``text`` shows ``citizen_id`` as ``reading`` says, and never the other way."""
    from accounts.privacy import mask_citizen_id

    full, masked = citizen_id in text, mask_citizen_id(citizen_id) in text
    return full and not masked if reading == "full" else masked and not full


def access_log_count() -> int:
    from accounts.models import AccessLog

    return AccessLog.objects.count()
