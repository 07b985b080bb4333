"""Property-based tests of the API's planning operations from its OpenAPI schema (schemathesis): plans, planned
classes, class rosters and nominations each answer generated requests, valid and invalid, with no server error and
only documented status codes, content types and bodies (tests/api_fuzzing.py says how)."""

import pytest

from tests import api_fuzzing as fuzzing


@pytest.mark.parametrize("operation", fuzzing.operations(*fuzzing.PLANNING), ids=lambda operation: operation.label)
def test_every_planning_operation_answers_as_documented(operation, fuzzing_world):
    assert fuzzing.run(operation, fuzzing_world) >= fuzzing.EXAMPLES
