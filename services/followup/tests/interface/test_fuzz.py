"""followup's HTTP API fuzzed from its own OpenAPI document with every
schemathesis check: no 5xx, and every answer (status, media type, body) is one
the document promises for that request; well-formed requests are accepted and
malformed ones refused. Bounded: a few examples per operation and mode, a
deadline per request. The conftest's `start` and `known` set followup up."""

import json
from datetime import timedelta

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.core.failures import FailureGroup

from followup import api
from followup.service import FollowupService
from rueda_backbone import openapi as oas
from rueda_backbone.apikeys import create_api_key
from rueda_backbone.database import Store
from rueda_backbone.fields import CONTROL_MESSAGE, LINE_BREAK_MESSAGE

pytestmark = pytest.mark.broker

# bounded so the run stays well under a minute on the project's 2-core machine
EXAMPLES_PER_OPERATION = 12
DEADLINE = timedelta(seconds=5)  # per generated request, answer included (charts render)

WORKSHOP = "4b3f1d2a-7c1e-4f0a-9d7e-2f1b8c3a5e10"


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


def test_no_request_the_document_allows_or_breaks_gets_an_answer_it_does_not_promise(
    start, known, followup_config
):
    start(FOLLOW_UP_TIMER_ENABLED=False)
    known(WORKSHOP, ("d-pe", "Peru"), ("d-br", "Brazil"))
    key = create_api_key(Store.for_url(followup_config["DATABASE_URL"]), "secretariat-app")
    base = f"http://{followup_config['WEB_SERVER_ADDRESS']}"

    def made(method, path, body, status=200):
        response = requests.request(
            method, base + path, json=body, timeout=10, headers={"X-API-Key": key}
        )
        assert response.status_code == status, response.text
        return response.json()

    # a scored activity and a selection, so that generated requests also reach real ones
    made(
        "PUT",
        f"/workshops/{WORKSHOP}/criteria",
        {
            "criteria": [
                {"key": "alignment", "label": "Alignment with network priorities", "weight": 3}
            ]
        },
    )
    activity = made(
        "POST",
        "/activities",
        {
            "workshop_id": WORKSHOP,
            "demanding_delegation_id": "d-pe",
            "supplying_delegation_ids": ["d-br"],
            "topic": "food_security",
        },
        201,
    )
    made(
        "POST", f"/activities/{activity['id']}/transitions", {"to": "under_review", "reason": "ok"}
    )
    made(
        "PUT",
        f"/activities/{activity['id']}/scores",
        {"scores": {"alignment": 4}, "estimated_cost": 500_000, "currency": "USD"},
    )
    selection = made(
        "POST", f"/workshops/{WORKSHOP}/selections", {"budget": 1_000_000, "currency": "USD"}, 201
    )
    failures, statuses, operations = fuzz(
        api.openapi(),
        base,
        key,
        {
            "workshop_id": [WORKSHOP],
            "activity_id": [activity["id"]],
            "selection_id": [selection["id"]],
        },
        examples=examples(followup_config),
    )
    assert failures == [], "\n".join(failures)
    assert operations == len(oas.routes(FollowupService))  # every route the service serves
    assert statuses.get(200) and statuses.get(422) and statuses.get(404), json.dumps(statuses)


# what the fuzzer found in followup's document, held by requests that always reach it


def test_the_state_filter_is_documented_as_the_service_reads_it():
    import re

    (state,) = [
        p
        for p in api.openapi()["paths"]["/activities"]["get"]["parameters"]
        if p["name"] == "state"
    ]
    pattern = re.compile(state["schema"]["pattern"])
    assert all(
        pattern.search(value) for value in ("", "proposed", "proposed,selected,", ",,planned")
    )
    assert not any(
        pattern.search(value) for value in ("sideways", "proposed,sideways", "proposedselected")
    )


def test_an_update_from_a_delegation_outside_the_activity_is_a_documented_403(start, known, http):
    start(FOLLOW_UP_TIMER_ENABLED=False)
    known(WORKSHOP, ("d-pe", "Peru"), ("d-br", "Brazil"), ("d-co", "Colombia"))
    activity = http(
        "POST",
        "/activities",
        {
            "workshop_id": WORKSHOP,
            "topic": "food_security",
            "demanding_delegation_id": "d-pe",
            "supplying_delegation_ids": ["d-br"],
        },
    ).json()
    # the conftest's `http` holds every answer to the document: an undocumented 403 fails
    refused = http(
        "POST",
        f"/activities/{activity['id']}/updates",
        {"delegation_id": "d-co", "text": "we would like to join"},
    )
    assert refused.status_code == 403
    assert refused.json()["fields"][0]["path"] == "delegation_id"
    assert http("GET", "/activities", state="sideways").status_code == 400
