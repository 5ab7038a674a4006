"""The committed contract documents are exactly what intake's schemas generate."""

import json

import pytest
from jsonschema import Draft202012Validator
from nameko.web.handlers import HttpRequestHandler

from intake import api, contracts, schemas
from intake.service import IntakeService
from rueda_backbone.health import Probe


def committed(path):
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "event_type, version", sorted(contracts._schemas()), ids=lambda value: str(value)
)
def test_committed_event_schema_is_generated_from_the_marshmallow_schema(event_type, version):
    path = contracts.EVENTS_DIR / f"{event_type}.v{version}.schema.json"
    assert committed(path) == contracts.event_json_schema(event_type, version), (
        "run `python -m intake.contracts` in services/intake"
    )


def test_committed_asyncapi_document_is_generated_from_the_event_files():
    assert committed(contracts.ASYNCAPI) == contracts.asyncapi()


def test_committed_openapi_document_is_generated_from_the_forms():
    assert committed(api.DOCUMENT) == api.openapi()


def test_asyncapi_documents_every_event_intake_publishes_today_and_every_form_it_reads():
    messages = contracts.asyncapi()["components"]["messages"]
    published = {f"{t}.v{v}" for t, v in schemas.PUBLISHED.current.items()}
    assert published <= set(messages)
    assert {
        f"{t}.v1"
        for t in (
            "delegation_form_submitted",
            "program_form_submitted",
            "interest_form_submitted",
            "expression_of_interest_form_submitted",
        )
    } <= set(messages)
    assert "delegation_registered.v1" not in messages  # retired


@pytest.mark.parametrize(
    "name, message", sorted(contracts.asyncapi()["components"]["messages"].items())
)
def test_asyncapi_example_matches_its_message_schema(name, message):
    validator = Draft202012Validator(
        message["payload"], format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    errors = [error.message for error in validator.iter_errors(message["examples"][0]["payload"])]
    assert errors == []


def _routes():
    routes = set()
    for name in dir(IntakeService):
        for entrypoint in getattr(getattr(IntakeService, name), "nameko_entrypoints", ()):
            # the probes and the docs pages are the same on every service
            # and documented in docs/operations.md and docs/integrations.md
            if isinstance(entrypoint, HttpRequestHandler) and not isinstance(entrypoint, Probe):
                routes.add((entrypoint.method, entrypoint.url))
    return routes


def test_every_http_route_is_in_the_openapi_document_and_nothing_else():
    documented = {
        (method.upper(), path)
        for path, operations in api.openapi()["paths"].items()
        for method in operations
    }
    served = set()
    for method, url in _routes():
        url = url.replace("<string:", "<")
        if "<any(" in url:
            for kind in ("programs", "interests", "expressions-of-interest"):
                served.add(
                    (method, url.replace(url[url.index("<any(") : url.index(":path>") + 6], kind))
                )
        else:
            served.add((method, url))
    served = {
        (method, "/".join(part if not part.startswith("<") else "<>" for part in url.split("/")))
        for method, url in served
    }
    documented = {
        (method, "/".join("<>" if part.startswith("{") else part for part in path.split("/")))
        for method, path in documented
    }
    # ops endpoints come from the backbone and are documented there
    served = {
        (method, url) for method, url in served if not url.startswith(("/health", "/metrics"))
    }
    assert served == documented
