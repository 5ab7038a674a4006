"""intake's HTTP API in a real container, with the real broker and databases."""
import json

import pytest
import requests
from kombu import Connection, Exchange, Queue
from rueda_backbone.apikeys import create_api_key
from rueda_backbone.database import Store

from intake.service import IntakeService

pytestmark = pytest.mark.broker

REGISTRATION = {
    "country": "Peru", "institution": "Ministerio de Desarrollo e Inclusión Social",
    "kind": "ministry",
    "delegates": [{"name": "Rosa", "email": "rosa@example.org", "language": "es"}],
}


@pytest.fixture
def intake(container_factory, config):
    container_factory(IntakeService, config).start()
    key = create_api_key(Store.for_url(config["DATABASE_URL"]), "portal")
    base = f"http://{config['WEB_SERVER_ADDRESS']}"

    def post(path, body, headers=None):
        data = body if isinstance(body, (bytes, str)) else json.dumps(body)
        return requests.post(base + path, data=data, timeout=10, headers={
            "Content-Type": "application/json", "X-API-Key": key, **(headers or {})})
    return post


@pytest.fixture
def spy(config):
    """A queue bound to everything intake publishes."""
    with Connection(config["AMQP_URI"]) as connection:
        queue = Queue("spy", Exchange("intake.events", "topic", durable=True), routing_key="#")
        queue.bind(connection.channel()).declare()

        def received(count):
            out = []
            with connection.SimpleQueue(queue) as simple:
                while len(out) < count:
                    message = simple.get(timeout=10)
                    out.append(json.loads(message.body))
                    message.ack()
            return out
        yield received


def test_a_registration_and_a_program_are_published_as_events(intake, spy):
    response = intake("/delegations", REGISTRATION, {"X-Correlation-ID": "trace-1"})
    assert response.status_code == 201
    delegation = response.json()
    assert "email" not in json.dumps(delegation)  # personal data stays in intake
    response = intake("/programs", {"delegation_id": delegation["id"], "title": "Qali Warma",
                                    "topics": ["food_security"]}, {"X-Correlation-ID": "trace-1"})
    assert response.status_code == 201 and response.headers["X-Correlation-ID"] == "trace-1"
    events = spy(3)
    assert [e["event_type"] for e in events] == [
        "delegation_registered", "delegation_contacts_updated", "program_submitted"]
    assert {e["correlation_id"] for e in events} == {"trace-1"}
    assert "email" not in json.dumps(events[0]["payload"])
    assert events[1]["payload"]["contacts"][0]["email"] == "rosa@example.org"


def test_invalid_forms_get_field_level_errors(intake):
    response = intake("/delegations", {**REGISTRATION, "kind": "ngo",
                                       "delegates": [{"name": "", "email": "x", "language": "es"}]})
    assert response.status_code == 422
    paths = {f["path"] for f in response.json()["fields"]}
    assert paths == {"kind", "delegates[0].name", "delegates[0].email"}


def test_a_program_for_an_unknown_delegation_is_refused(intake):
    response = intake("/programs", {"delegation_id": "nope", "title": "PENNAT",
                                    "topics": ["food_security"]})
    assert response.status_code == 422
    assert response.json()["fields"] == [{"path": "delegation_id",
                                          "message": "no delegation is registered with this id"}]


@pytest.mark.parametrize("body, headers, status, code", [
    ("{broken", {}, 400, "malformed_json"),
    ("[1]", {}, 400, "malformed_json"),
    (REGISTRATION, {"X-API-Key": "rk_wrong"}, 401, "unauthorized"),
    (REGISTRATION, {"Content-Type": "text/plain"}, 415, "unsupported_media_type"),
    ("x" * 1_000_001, {}, 413, "too_large"),
])
def test_bad_requests_get_a_json_error_and_never_a_stack_trace(intake, body, headers, status, code):
    response = intake("/delegations", body, headers)
    assert response.status_code == status
    assert response.json()["error"] == code
    assert "Traceback" not in response.text
