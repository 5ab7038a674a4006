"""Every service's AsyncAPI 3.0 document: valid against the AsyncAPI 3.0.0
JSON Schema (read from ../shared/schemas, not copied), current with the code,
and complete: every event the service publishes or consumes, with a JSON
Schema and an example per message."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path

import pytest
from jsonschema import Draft7Validator

from rueda_devkit import asyncapi, edges

# outside standards' schemas live beside the checkout (../shared/schemas)
SHARED_SCHEMAS = Path(
    os.environ.get("RUEDA_SHARED_SCHEMAS")
    or Path(__file__).resolve().parents[3] / "shared" / "schemas"
)
ASYNCAPI_SCHEMA = SHARED_SCHEMAS / "asyncapi-3.0.0" / "asyncapi-3.0.0.json"


@pytest.fixture(scope="module")
def validator():
    assert ASYNCAPI_SCHEMA.is_file(), f"the AsyncAPI 3.0.0 schema is expected at {ASYNCAPI_SCHEMA}"
    return Draft7Validator(json.loads(ASYNCAPI_SCHEMA.read_text()))


@pytest.mark.parametrize("service", edges.SERVICES)
def test_the_document_is_valid_asyncapi_3(service, validator):
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(asyncapi.document(service))
    ]
    assert errors == []


def test_the_validator_does_refuse_a_broken_document(validator):
    broken = copy.deepcopy(asyncapi.document("matching"))
    del broken["info"]
    broken["operations"]["publish_schedule_published"]["action"] = "publish"
    assert len(list(validator.iter_errors(broken))) >= 2


@pytest.mark.parametrize("service", edges.SERVICES)
def test_the_committed_documents_are_current(service):
    for path, text in zip(asyncapi.paths(service), asyncapi.rendered(service), strict=True):
        assert path.is_file() and path.read_text(encoding="utf-8") == text, (
            f"{path.name} is stale: python -m rueda_devkit.asyncapi"
        )


@pytest.mark.parametrize("service", edges.SERVICES)
def test_every_event_published_or_consumed_is_there_with_a_schema_and_an_example(service):
    doc = asyncapi.document(service)
    addresses = {
        (c["bindings"]["amqp"]["exchange"]["name"], c["address"]) for c in doc["channels"].values()
    }
    for row in edges.inbound_tables()[service]:
        assert (f"{row.producer}.events", row.event_type) in addresses
    published = edges.published().get(service, {})
    for event_type, _version in published:
        if (event_type, _version) not in getattr(published, "retired", ()):
            assert (f"{service}.events", event_type) in addresses
    for key, message in doc["components"]["messages"].items():
        assert message["payload"]["properties"]["payload"].get("properties"), key
        assert message.get("examples"), f"{key} has no example"
