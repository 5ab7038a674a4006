"""matching's HTTP API fuzzed from its own OpenAPI document with every
schemathesis check: no 5xx, and every answer (status, media type, body) is one
the document promises for that request; well-formed requests are accepted and
malformed ones refused. Bounded: a few examples per operation and mode, a
deadline per request, a small workshop and a short solver time limit."""

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import requests
import schemathesis
import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.core.failures import FailureGroup

from matching import api
from matching.models import Interest, Workshop
from matching.service import MatchingService
from rueda_backbone import openapi as oas
from rueda_backbone.apikeys import create_api_key
from rueda_backbone.database import Store
from rueda_backbone.fields import CONTROL_MESSAGE, LINE_BREAK_MESSAGE
from rueda_backbone.testing import publish_event, wait_for

pytestmark = pytest.mark.broker

# bounded so the run stays well under a minute on the project's 2-core machine
EXAMPLES_PER_OPERATION = 10
DEADLINE = timedelta(seconds=8)  # per generated request, answer included (?wait=true solves)

WORKSHOP = str(uuid.uuid4())
T0 = datetime(2030, 5, 4, 9, 0, tzinfo=UTC)
A, B = str(uuid.uuid4()), str(uuid.uuid4())
PA, PB = str(uuid.uuid4()), str(uuid.uuid4())


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


def workshop():
    return {
        "workshop_id": WORKSHOP,
        "version": 1,
        "title": "Santa Marta",
        "place": "Santa Marta",
        "time_zone": "America/Bogota",
        "starts_on": "2030-05-04",
        "ends_on": "2030-05-04",
        "languages": ["es"],
        "sessions": [
            {"number": n, "starts_at": (T0 + timedelta(hours=n)).isoformat()} for n in (1, 2)
        ],
        "tables_per_session": 2,
        "table_capacity": 3,
        "round_minutes": 45,
        "max_runs_per_program": 1,
        "rank_weights": [2, 1],
        "deadlines": {
            name: "2099-01-01T00:00:00+00:00"
            for name in ("programs", "interests", "expressions_of_interest")
        },
        "late_windows": [],
    }


def delegation(delegation_id, name):
    return {
        "delegation_id": delegation_id,
        "workshop_id": WORKSHOP,
        "version": 1,
        "country": name,
        "institution": f"Ministry of {name}",
        "acronym": None,
        "kind": "ministry",
        "working_languages": ["es"],
        "registered_at": T0.isoformat(),
        "delegates": [
            {
                "delegate_id": str(uuid.uuid4()),
                "name": "n",
                "role": None,
                "language": "es",
                "is_focal_point": True,
            }
        ],
    }


def program(program_id, host, title):
    return {
        "program_id": program_id,
        "workshop_id": WORKSHOP,
        "delegation_id": host,
        "version": 1,
        "title": title,
        "country": "x",
        "topics": ["food_security"],
        "areas_of_influence": [],
        "target_populations": [],
        "statuses": [],
        "exchange_methods": [],
        "starts_on": None,
        "ends_on": None,
        "missing_fields": [],
        "submitted_at": T0.isoformat(),
    }


def interest(delegation_id, programs):
    return {
        "interest_id": str(uuid.uuid4()),
        "workshop_id": WORKSHOP,
        "delegation_id": delegation_id,
        "version": 1,
        "programs": programs,
        "topics": [],
        "attending_delegate_ids": [],
        "submitted_at": T0.isoformat(),
    }


@pytest.fixture
def matching(container_factory, config):
    config = {
        **config,
        "REPLAN_DEBOUNCE_SECONDS": 0,
        "PLANNER_POLL_SECONDS": 0.2,
        "SOLVER_TIME_LIMIT": 1,
        "SOLVE_JOB_POLL_SECONDS": 0.2,
        "SOLVE_JOB_PROGRESS_SECONDS": 0.2,
    }
    container_factory(MatchingService, config).start()
    key = create_api_key(Store.for_url(config["DATABASE_URL"]), "staff")
    return f"http://{config['WEB_SERVER_ADDRESS']}", key, config


def feed(config):
    """intake's events for a two-delegation workshop, its deadlines far ahead."""
    uri, store = config["AMQP_URI"], Store.for_url(config["DATABASE_URL"])
    for d, name in ((A, "Bolivia"), (B, "Brazil")):
        publish_event(uri, "intake", "delegation_registered", delegation(d, name), version=2)
    for p, host, title in ((PA, A, "Juancito Pinto"), (PB, B, "Bolsa Familia")):
        publish_event(uri, "intake", "program_submitted", program(p, host, title), version=2)
    for d, wanted in ((A, [PB]), (B, [PA])):
        publish_event(uri, "intake", "interest_submitted", interest(d, wanted))

    def interests():
        with store.transaction() as session:
            return session.scalar(sa.select(sa.func.count()).select_from(Interest)) == 2

    wait_for(interests, what="the interests")
    publish_event(uri, "intake", "workshop_published", workshop())

    def ready():
        with store.transaction() as session:
            return session.get(Workshop, WORKSHOP) is not None

    wait_for(ready, what="the workshop")


def test_no_request_the_document_allows_or_breaks_gets_an_answer_it_does_not_promise(matching):
    base, key, config = matching
    feed(config)
    # a computed schedule and its job, so that generated requests also reach real ones
    computed = requests.post(
        f"{base}/workshops/{WORKSHOP}/schedule?wait=true", timeout=30, headers={"X-API-Key": key}
    )
    assert computed.status_code == 201, computed.text
    (job,) = requests.get(
        f"{base}/workshops/{WORKSHOP}/schedule/jobs", timeout=10, headers={"X-API-Key": key}
    ).json()["jobs"]
    failures, statuses, operations = fuzz(
        api.openapi(),
        base,
        key,
        {"workshop_id": [WORKSHOP], "program_id": [PA, PB], "job_id": [job["job_id"]]},
        examples=examples(config),
    )
    assert failures == [], "\n".join(failures)
    assert operations == len(oas.routes(MatchingService))  # every route the service serves
    assert statuses.get(200) and statuses.get(422) and statuses.get(404), json.dumps(statuses)
