"""intake's HTTP API fuzzed from its own OpenAPI document with every
schemathesis check (test_fuzz.py holds intake to no 5xx only): every answer
(status, media type, body) is one the document promises for that request;
well-formed requests are accepted and malformed ones refused. Bounded: a few
examples per operation and mode, a deadline per request."""

import json
from datetime import timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.core.failures import FailureGroup

from intake import api
from intake.service import IntakeService
from rueda_backbone import openapi as oas
from rueda_backbone.fields import CONTROL_MESSAGE, LINE_BREAK_MESSAGE

pytestmark = pytest.mark.broker

# bounded so the run stays well under a minute on the project's 2-core machine
EXAMPLES_PER_OPERATION = 4
DEADLINE = timedelta(seconds=5)  # per generated request, answer included


# a request the document calls valid may still be refused for a domain rule
# it cannot state (an unknown delegation, a state that forbids it: 409/422),
# never for one it could: the input policy, a type, a format, a field
STATEABLE = (
    CONTROL_MESSAGE,
    LINE_BREAK_MESSAGE,
    "must be between",
    "Not a valid",
    "Unknown field.",
    "Missing data",
)


def refused_for_a_reason_the_document_could_state(ctx, response, case):
    if (
        case.meta is None
        or not case.meta.generation.mode.is_positive
        or response.status_code not in (400, 422)
    ):
        return None
    try:
        fields = response.json().get("fields") or []
    except ValueError:
        return None
    stated = [
        f"{f.get('path')}: {f.get('message')}"
        for f in fields
        if str(f.get("message")).startswith(STATEABLE)
    ]
    if stated:
        raise AssertionError(
            "refused for a reason the document does not state: " + "; ".join(stated)
        )
    return None


# what random generation seldom reaches: the ends of the range a date-time may
# take, and a NUL in a plain string (PostgreSQL refuses it in any statement)
EDGES = {
    "date-time": ["0001-01-01T00:01:00+00:05", "9999-12-31T23:59:00-00:05"],
    "date": ["0001-01-01", "9999-12-31"],
    "string": ["\x00"],
}


def edges_of(schema):
    if schema.get("type") == "string" and not {"enum", "pattern", "format"} & set(schema):
        return EDGES["string"]
    return EDGES.get(schema.get("format"), [])


def edge_cases(operation, known, key):
    """One case per path or query parameter and edge value its schema allows."""
    path = {
        p.name: (known.get(p.name) or ["x"])[0]
        for p in operation.iter_parameters()
        if p.location.value == "path"
    }
    for parameter in operation.iter_parameters():
        where = parameter.location.value
        for value in (
            edges_of(parameter.definition.get("schema", {})) if where in ("path", "query") else ()
        ):
            yield operation.Case(
                path_parameters={**path, parameter.name: value} if where == "path" else path,
                query={parameter.name: value} if where == "query" else {},
                headers={"X-API-Key": key},
            )


def examples(config):
    """Fewer random cases on PostgreSQL: they mostly repeat SQLite's, and the
    edge cases (a NUL in every path and query string) run in full on both."""
    sqlite = config["DATABASE_URL"].startswith("sqlite")
    return EXAMPLES_PER_OPERATION if sqlite else max(2, EXAMPLES_PER_OPERATION // 3)


def sent(request):
    """The request as it went out, the API key left out."""
    headers = {
        name: value
        for name, value in request.headers.items()
        if name in ("Content-Type", "Idempotency-Key")
    }
    body = (
        request.body.decode("utf-8", "backslashreplace")
        if isinstance(request.body, bytes)
        else request.body
    )
    return f"{request.method} {request.url} {headers} {body!r}"[:1000]


def fuzz(document, base, key, known=None, examples=EXAMPLES_PER_OPERATION):
    """Every operation of `document`, in both modes, with every check; `known`
    maps a path parameter to ids that exist (drawn half of the time). Returns
    one line per (operation, check) that failed, with the request and the
    answer, the count of answers by status and the number of operations."""
    known = known or {}
    config = schemathesis.Config.from_dict(
        {
            # the key as the document's scheme says; `ignored_auth` also tries without it
            "auth": {"openapi": {"apiKey": {"api_key": key}}},
            "generation": {"with-security-parameters": False},
            "checks": {
                "positive_data_acceptance": {
                    "expected-statuses": ["2xx", "401", "403", "404", "409", "422"]
                }
            },
            "dictionaries": {name: {"values": values} for name, values in known.items()},
            "parameters": {
                f"path.{name}": {"dictionary": name, "probability": 0.5} for name in known
            },
        }
    )
    schema = schemathesis.openapi.from_dict(document, config=config)
    failures, statuses = {}, {}

    def check(case, kind):
        response = case.call(base_url=base, timeout=30)
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        try:
            case.validate_response(
                response, additional_checks=[refused_for_a_reason_the_document_could_state]
            )
        except FailureGroup as group:
            for failure in group.exceptions:
                failures.setdefault(
                    (case.operation.label, failure.title),
                    (
                        f"{case.operation.label} [{kind}] {failure.title}: "
                        f"{failure.message.strip()[:400]}\n  {sent(response.request)}\n"
                        f"  -> {response.status_code} {response.text[:400]}"
                    ),
                )

    def generated(operation, mode):
        @settings(
            max_examples=examples,
            deadline=DEADLINE,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def call(case):
            check(case, mode.value)

        return call

    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                generated(operation, mode)()
            except Unsatisfiable:
                pass  # nothing to vary in this mode (e.g. a GET without parameters)
        for case in edge_cases(operation, known, key):
            check(case, "edge")
    return list(failures.values()), statuses, len(operations)


def test_every_answer_is_one_the_document_promises(intake, config):
    workshop = intake.workshop()  # something for the generated requests to run into
    delegation = intake.delegation(workshop["id"])
    failures, statuses, operations = fuzz(
        api.openapi(),
        intake.base,
        intake.key,
        {"workshop_id": [workshop["id"]], "delegation_id": [delegation["id"]]},
        examples=examples(config),
    )
    assert failures == [], "\n".join(failures)
    assert operations == len(oas.routes(IntakeService))  # every route the service serves
    assert statuses.get(201) and statuses.get(422) and statuses.get(404), json.dumps(statuses)
