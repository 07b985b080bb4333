"""Property-based tests of the API's training and target operations from its OpenAPI schema (schemathesis):
course types, courses, training records, programmes, indicators and compliance each answer 100 generated
requests, valid and invalid, with no server error and only documented status codes, content types and bodies
(tests/api_fuzzing.py says how).

The other operations are in tests/test_api_schemathesis_personnel.py, so that two workers share them.
"""

import pytest

from tests import api_fuzzing as fuzzing


@pytest.mark.parametrize("operation", fuzzing.operations(*fuzzing.TRAINING), ids=lambda operation: operation.label)
def test_every_training_operation_answers_as_documented(operation, fuzzing_world):
    assert fuzzing.run(operation, fuzzing_world) >= fuzzing.EXAMPLES
