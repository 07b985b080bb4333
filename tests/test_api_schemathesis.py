"""Property-based tests of the whole API from its OpenAPI schema (schemathesis): no server error, and
every answer's status code and body are the ones the schema documents.

The calls go to the WSGI application in-process, as an HR officer of Ba Đình (H01) holding a knox token,
with persons, courses, qualifications, appointments and training records in the unit. Read operations
get 100 generated examples each; write operations fewer (each writes to the database), see WRITE_EXAMPLES.
"""

import datetime

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from knox.models import AuthToken
from rest_framework.test import APIClient
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

READ_EXAMPLES = 100
WRITE_EXAMPLES = 25
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def one_database_connection():
    """Keep the test's connection open across WSGI calls, as Django's test client does.

    The WSGI handler closes old connections when a request starts and finishes; inside the test's
    transaction that would close the connection holding the test data (PostgreSQL).
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def hr_token(make_user, make_person, make_course, complete, qualify, appoint):
    """Return the token of an HR officer of H01, whose unit holds people with every kind of record."""
    course = make_course("phap_luat", year=2024, code="K2024-phap_luat")
    for index, unit in enumerate(["H01", "H01X1", "H01X2", "H02X1"]):
        person = make_person(unit=unit, code=f"CB07000{index}", citizen_id=f"00108800000{index}")
        complete(person, course, on=datetime.date(2024, 6, 30))
        qualify(person, "ly_luan_chinh_tri", 2, datetime.date(2015, 3, 1))
        appoint(person, "chuc_vu", datetime.date(2022, 4, 1), title="Phó trưởng phòng")
    _instance, token = AuthToken.objects.create(user=make_user("hr_ba_dinh", "hr", "H01"))
    return token


def openapi_schema() -> dict:
    """Return the API's OpenAPI schema as /api/v1/schema/ serves it (generating it needs no database)."""
    return SchemaGenerator().get_schema(request=None, public=True)


def load_schema():
    """Return the schema for schemathesis, its calls going to the WSGI application in-process."""
    loaded = schemathesis.openapi.from_dict(openapi_schema())
    loaded.app = get_wsgi_application()
    # Logging out would revoke the token the rest of a test uses; logout has its own tests.
    return loaded.exclude(path_regex=r"/auth/logout")


schema = load_schema()


def check(case, token: str) -> int:
    """Send one generated request as the HR officer; check the answer; return its status code."""
    response = case.call(headers={"Authorization": f"Token {token}"})
    case.validate_response(response, checks=CHECKS)
    return response.status_code


def operations(*, writes: bool) -> list:
    """Return the schema's operations that read (GET) or write."""
    found = [result.ok() for result in schema.get_all_operations()]
    return [operation for operation in found if (operation.method.upper() != "GET") == writes]


def run_examples(operation, token: str, max_examples: int) -> None:
    """Send ``max_examples`` generated requests, valid and invalid, to one operation, checking every answer."""
    cases = st.one_of(operation.as_strategy(mode) for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE))
    sent = []

    @given(case=cases)
    @settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def examples(case):
        sent.append(check(case, token))

    examples()
    assert len(sent) >= max_examples


# Each operation is an ordinary pytest test (schemathesis' own pytest integration runs only the first
# operation under pytest-xdist, which `make test` uses).
@pytest.mark.parametrize("operation", operations(writes=False), ids=lambda operation: operation.label)
def test_every_read_operation_answers_as_documented(operation, hr_token):
    run_examples(operation, hr_token, READ_EXAMPLES)


@pytest.mark.parametrize("operation", operations(writes=True), ids=lambda operation: operation.label)
def test_every_write_operation_answers_as_documented(operation, hr_token):
    run_examples(operation, hr_token, WRITE_EXAMPLES)


def test_every_operation_documents_its_error_answers(hr_token):
    documented = openapi_schema()
    every = [
        (f"{method.upper()} {path}", operation)
        for path, item in documented["paths"].items()
        for method, operation in item.items()
    ]
    assert len(every) > 40
    for name, operation in every:
        codes = set(operation["responses"])
        assert {"401", "403", "404"} <= codes, name
        takes_input = "requestBody" in operation or any(p["in"] == "query" for p in operation.get("parameters", []))
        assert ("400" in codes) == takes_input, name
        if name.startswith("DELETE"):
            assert "409" in codes, name
    served = APIClient()
    served.credentials(HTTP_AUTHORIZATION=f"Token {hr_token}")
    assert served.get("/api/v1/schema/", {"format": "json"}).json()["paths"].keys() == documented["paths"].keys()
