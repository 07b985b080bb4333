"""Shared by the schemathesis tests (tests/test_api_schemathesis_*.py): the API's schema, the data behind it,
and one property-based run of an operation.

Each operation gets ``EXAMPLES`` generated requests, valid and invalid (schemathesis' positive and negative
modes), sent to the WSGI application in-process with a knox token, and every answer is checked: no server
error, a documented status code, content type and body. The requests are counted as they are answered, so
a test can assert that the figure was reached.

The data: an HR officer of Ba Đình (H01) with persons, qualifications, appointments and training records in
H01 and below, two courses, and one person of Đông Anh (H02X1) outside their scope. Generated values are often
replaced by codes and ids of these records (path, query and body), so that requests reach real records, and
not only the 404 of a random code. Operations only admins may call (writing units, programmes, indicators)
are sent with an admin's token instead: as the HR officer they would all be refused before any validation.

Each write runs in a savepoint rolled back after its answer, so every example meets the same data (a DELETE
or a logout does not empty the rest of the run) and nothing needs a flush.
"""

from __future__ import annotations

import collections
import contextlib
import datetime
import logging
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import schemathesis
import time_machine
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from knox.models import AuthToken
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from targets.models import Indicator
from training.models import CourseType

EXAMPLES = 100
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# The operations are split by resource (first path segment after /api/v1/) over two test files, so that the
# two workers of `make test` (pytest-xdist, --dist loadfile) share them: about half of the time each.
PERSONNEL = ("units", "persons", "qualifications", "appointments", "auth")
TRAINING = ("course-types", "courses", "training-records", "programmes", "indicators", "compliance", "approvals")
PLANNING = ("plans", "planned-classes", "classes", "nominations")
# Writing these resources is for admins only (api.permissions.AdminWrites).
ADMIN_WRITTEN = ("units", "programmes", "indicators")
PROGRAMME = "HN-2021-2025"
# The clock of every run, within the programme's years: date rules and default years answer the same every day.
TODAY = datetime.datetime(2025, 11, 20, 9, 30, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))

# Requests answered, by operation label ("GET /api/v1/persons/"), in this process.
SENT: collections.Counter[str] = collections.Counter()


def openapi_schema() -> dict:
    """Return the API's OpenAPI schema as /api/v1/schema/ serves it (generating it needs no database)."""
    return SchemaGenerator().get_schema(request=None, public=True)


def load_schema():
    """Return the schema for schemathesis, its calls going to the WSGI application in-process."""
    loaded = schemathesis.openapi.from_dict(openapi_schema())
    loaded.app = get_wsgi_application()
    return loaded


schema = load_schema()


def resource_of(operation) -> str:
    """Return the first path segment after /api/v1/ ("persons", "auth", "compliance"...)."""
    return operation.path.removeprefix("/api/v1/").split("/")[0]


def is_admin_only(operation) -> bool:
    """Return whether only an admin may call ``operation``."""
    return operation.method.upper() != "GET" and resource_of(operation) in ADMIN_WRITTEN


@contextlib.contextmanager
def calling_conditions():
    """Stop the clock at ``TODAY``, let WSGI calls share the test's database connection, log only server errors.

    The WSGI handler closes old connections when a request starts and finishes; inside the test's transaction
    that would close the connection holding the test data (PostgreSQL). Django's test client does the same.
    Most generated requests are refused (400, 404...), and logging each refusal would cost more than it tells.
    """
    requests_log = logging.getLogger("django.request")
    level = requests_log.level
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    requests_log.setLevel(logging.ERROR)
    try:
        with time_machine.travel(TODAY, tick=False):
            yield
    finally:
        requests_log.setLevel(level)
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def operations(*resources: str) -> list:
    """Return the schema's operations on ``resources`` (first path segments), in the schema's order."""
    found = [result.ok() for result in schema.get_all_operations()]
    return [operation for operation in found if resource_of(operation) in resources]


@dataclass
class World:
    """The tokens of the two callers, and codes and ids of real records: by resource (for the path, and for a
    body's ``code``) and by the name of a query parameter or body field."""

    hr_token: str
    admin_token: str
    by_resource: dict[str, list[str]]
    by_field: dict[str, list]

    def known_values(self, operation, name: str) -> list:
        """Return the real values a query parameter or body field ``name`` of ``operation`` may take."""
        if name == "code":  # a body's own code: one another record already holds, or its own
            resource = resource_of(operation)
            return self.by_field["indicator"] if resource == "indicators" else self.by_resource.get(resource, [])
        return self.by_field.get(name, [])

    def token_for(self, operation) -> str:
        """Return the token ``operation`` is sent with: the admin's for admin-only writes, else the HR officer's."""
        return self.admin_token if is_admin_only(operation) else self.hr_token


def build_world(*, make_user, make_person, make_course, complete, qualify, appoint, password: str) -> World:
    """Return the world of these tests: an HR officer of H01 whose units hold people with every kind of record."""
    # The first values are drawn most often: a course nobody has a result of yet, so that writing one can succeed.
    courses = [
        make_course("ly_luan_chinh_tri", year=2025, code="K2025-llct", grants=("ly_luan_chinh_tri", 3)),
        make_course("phap_luat", year=2024, code="K2024-phap_luat"),
    ]
    persons, qualifications, appointments, records = [], [], [], []
    for index, unit in enumerate(["H01", "H01X1", "H01X2", "H02X1"]):
        person = make_person(unit=unit, code=f"CB07000{index}", citizen_id=f"00108800000{index}")
        persons.append(person.code)
        records.append(complete(person, courses[1], on=datetime.date(2024, 6, 30)).pk)
        qualifications.append(qualify(person, "ly_luan_chinh_tri", 2, datetime.date(2015, 3, 1)).pk)
        appointments.append(appoint(person, "chuc_vu", datetime.date(2022, 4, 1), title="Phó trưởng phòng").pk)
    hr = make_user("hr_ba_dinh", "hr", "H01")
    admin = make_user("admin_hn", "admin", "HN")
    indicators = list(Indicator.objects.filter(programme__code=PROGRAMME).order_by("order")[:3])
    units = ["H01", "H01X1", "H02X1", "HN"]
    course_codes = [course.code for course in courses]
    course_types = list(CourseType.objects.order_by("order").values_list("code", flat=True)[:3])
    planning = build_planning(persons=persons, units=units, user=hr)
    by_resource = {
        **planning["by_resource"],
        "units": units,
        "persons": persons,
        "qualifications": [str(pk) for pk in qualifications],
        "appointments": [str(pk) for pk in appointments],
        "training-records": [str(pk) for pk in records],
        "courses": course_codes,
        "course-types": course_types,
        "programmes": [PROGRAMME],
        "indicators": [str(indicator.pk) for indicator in indicators],
    }
    by_field = {
        "unit": units,
        "parent": units,
        "within": units,
        "person": persons,
        "course": course_codes,
        "course_type": course_types,
        "type": course_types,
        "course_types": [course_types[:1], course_types[:2]],
        "types": [course_types[:1], course_types[:2]],
        "programme": [PROGRAMME],
        "indicator": [indicator.code for indicator in indicators],
        "result": ["hoan_thanh"],
        "completed_on": ["2025-06-30"],  # within both courses' dates
        "version": [1],
        **planning["by_field"],
        "username": [hr.username, admin.username],
        "password": [password],
    }
    return World(
        hr_token=AuthToken.objects.create(user=hr)[1],
        admin_token=AuthToken.objects.create(user=admin)[1],
        by_resource=by_resource,
        by_field=by_field,
    )


def build_planning(*, persons: list[str], units: list[str], user) -> dict:
    """Create a draft plan of H01X1 with one class, and a class roster run by H01 holding one nomination."""
    from personnel.models import OrgUnit, Person
    from planning.models import Nomination, PlannedClass, Roster, TrainingPlan
    from targets.models import Programme
    from training.models import Course

    unit = OrgUnit.objects.get(code="H01X1")
    plan = TrainingPlan.objects.create(unit=unit, year=2025, programme=Programme.objects.get(code=PROGRAMME))
    planned = PlannedClass.objects.create(plan=plan, course_type_id="phap_luat", title="Lớp", places=5, quarter=4)
    course = Course.objects.create(
        code="K2025-lop",
        title="Lớp pháp luật",
        start_date=datetime.date(2025, 11, 3),
        end_date=datetime.date(2025, 11, 7),
    )
    course.types.set(["phap_luat"])
    roster = Roster.objects.create(course=course, unit=OrgUnit.objects.get(code="H01"), capacity=3)
    nomination = Nomination.objects.create(
        roster=roster, person=Person.objects.get(code=persons[1]), status="chinh_thuc", position=1
    )
    return {
        "by_resource": {
            "plans": [str(plan.pk)],
            "planned-classes": [str(planned.pk)],
            "classes": [course.code],
            "nominations": [str(nomination.pk)],
        },
        "by_field": {
            "plan": [plan.pk],
            "persons": [persons[:2], persons[2:3]],
            "capacity": [5],
            "decision": ["approve", "return"],
            "places": [5],
            "quarter": [4],
        },
    }


def takes_input(operation) -> bool:
    """Return whether ``operation`` reads a query or a body (its path parameters accept any text)."""
    return bool(operation.query) or bool(operation.body)


def generated_cases(operation) -> st.SearchStrategy:
    """Return schemathesis' valid and invalid cases of ``operation`` (only valid ones if it reads no query or body)."""
    # Any text is a valid path parameter: invalid cases of such an operation would all be rejected, each at the
    # cost of a draw.
    modes = [GenerationMode.POSITIVE]
    if takes_input(operation):
        modes.append(GenerationMode.NEGATIVE)
    return st.one_of(operation.as_strategy(mode) for mode in modes)


@st.composite
def cases_meeting_the_data(draw, cases: st.SearchStrategy, operation, world: World):
    """Draw a generated case, then often put codes and ids of real records in its path, query and body."""
    # For each value, one of the known ones (the first most often) or None: keep the generated one.
    case = draw(cases)
    known = world.by_resource.get(resource_of(operation), [])
    for name in case.path_parameters or {}:
        value = draw(st.sampled_from([*known, None]))
        if value is not None:
            case.path_parameters[name] = value
    for container in (case.query, *(case.body if isinstance(case.body, list) else [case.body])):
        if not isinstance(container, dict):
            continue
        for name in sorted(container):
            known = world.known_values(operation, name)
            value = draw(st.sampled_from([*known, None])) if known else None
            if value is not None:
                container[name] = value
    return case


def send(case, token: str):
    """Send one case, a write inside a savepoint rolled back after the answer; count it; return the answer."""
    headers = {"Authorization": f"Token {token}"}
    if case.method.upper() == "GET":
        response = case.call(headers=headers)
    else:
        with transaction.atomic():
            response = case.call(headers=headers)
            transaction.set_rollback(True)
    SENT[case.operation.label] += 1
    return response


def run(operation, world: World) -> int:
    """Send ``EXAMPLES`` generated requests to ``operation``, checking every answer; return how many were sent."""
    token = world.token_for(operation)
    before = SENT[operation.label]

    @given(case=cases_meeting_the_data(generated_cases(operation), operation, world))
    @settings(
        max_examples=EXAMPLES,
        # Generation only: no example database to replay, and no shrinking (a failure is reported as found,
        # with the curl command that reproduces it, rather than after many more requests).
        phases=[Phase.explicit, Phase.generate],
        deadline=None,
        derandomize=True,  # the same requests on every run and machine
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def examples(case):
        case.validate_response(send(case, token), checks=CHECKS)

    examples()
    return SENT[operation.label] - before
