"""Property-based tests of the API's personnel operations from its OpenAPI schema (schemathesis): units, persons,
qualifications, appointments and tokens each answer 100 generated requests, valid and invalid, with no server
error and only documented status codes, content types and bodies (tests/api_fuzzing.py says how).

The other operations are in tests/test_api_schemathesis_training.py, so that two workers share them.
"""

import pytest
from rest_framework.test import APIClient

from tests import api_fuzzing as fuzzing


@pytest.mark.parametrize("operation", fuzzing.operations(*fuzzing.PERSONNEL), ids=lambda operation: operation.label)
def test_every_personnel_operation_answers_as_documented(operation, fuzzing_world):
    assert fuzzing.run(operation, fuzzing_world) >= fuzzing.EXAMPLES


def test_the_files_send_requests_to_every_operation_of_the_schema():
    every = [result.ok().label for result in fuzzing.schema.get_all_operations()]
    tested = (
        fuzzing.operations(*fuzzing.PERSONNEL)
        + fuzzing.operations(*fuzzing.TRAINING)
        + fuzzing.operations(*fuzzing.PLANNING)  # tests/test_api_schemathesis_planning.py
    )
    assert len(every) > 50
    assert sorted(operation.label for operation in tested) == sorted(every)


def test_every_operation_documents_its_error_answers(fuzzing_world):
    documented = fuzzing.openapi_schema()
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
    served.credentials(HTTP_AUTHORIZATION=f"Token {fuzzing_world.hr_token}")
    assert served.get("/api/v1/schema/", {"format": "json"}).json()["paths"].keys() == documented["paths"].keys()
