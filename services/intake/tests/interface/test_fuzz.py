"""intake's HTTP API fuzzed from its own OpenAPI document: whatever arrives,
the answer is never a 5xx (and so never a stack trace)."""

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from intake import api

pytestmark = pytest.mark.broker

# bounded so the whole run stays well under a minute on the project's machine
EXAMPLES_PER_OPERATION = 6


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_no_request_the_openapi_document_allows_or_breaks_gets_a_server_error(intake):
    schema = schemathesis.openapi.from_dict(api.openapi())
    intake.workshop()  # something for the generated requests to run into
    failures, statuses = [], {}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 30
    for operation, mode in [
        (op, mode)
        for op in operations
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    ]:

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def call(case):
            response = case.call(base_url=intake.base, headers={"X-API-Key": intake.key})
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            if response.status_code >= 500:
                failures.append(
                    f"{case.method} {case.formatted_path} -> {response.status_code}: "
                    f"{response.text[:300]}"
                )

        try:
            call()
        except Unsatisfiable:
            pass  # nothing to break in this operation (e.g. a GET without parameters)
    assert failures == []
    # the fuzzing reached the use cases, not only the door
    assert statuses.get(201) and statuses.get(422) and statuses.get(404), statuses
