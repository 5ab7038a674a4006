"""followup in a real container on the real broker and database (both SQLite
and PostgreSQL), with an HTTP client holding an API key and a spy queue on
followup's exchange."""

import json

import pytest
import requests
from kombu import Connection, Exchange, Queue

from followup import api, inbound, usecases
from followup.service import FollowupService
from rueda_backbone import openapi as oas
from rueda_backbone.apikeys import create_api_key
from rueda_backbone.database import Store
from rueda_backbone.outbox import UnitOfWork

NOW = "2026-05-20T13:00:00+00:00"
DOCUMENT = api.openapi()


@pytest.fixture
def followup_config(config):
    # a fixed clock: "today" is the 20th of May 2026 wherever the test runs
    return {**config, "CLOCK_FIXED_AT": NOW, "FOLLOW_UP_SCAN_SECONDS": 0.2}


@pytest.fixture
def spy(followup_config):
    """Queues bound to followup's exchange; call with the event type to read."""
    with Connection(followup_config["AMQP_URI"]) as connection:
        queues = {}

        def bind(*event_types):
            for event_type in event_types:
                queue = Queue(
                    f"spy.{event_type}",
                    Exchange("followup.events", "topic", durable=True),
                    routing_key=event_type,
                )
                queue.bind(connection.channel()).declare()
                queues[event_type] = queue

        def received(event_type, count=1):
            out = []
            with connection.SimpleQueue(queues[event_type]) as simple:
                while len(out) < count:
                    message = simple.get(timeout=10)
                    out.append(json.loads(message.body))
                    message.ack()
            return out

        received.bind = bind
        yield received


@pytest.fixture
def start(container_factory, followup_config):
    def start_service(**overrides):
        container_factory(FollowupService, {**followup_config, **overrides}).start()

    return start_service


@pytest.fixture
def http(followup_config):
    key = create_api_key(Store.for_url(followup_config["DATABASE_URL"]), "secretariat-app")
    base = f"http://{followup_config['WEB_SERVER_ADDRESS']}"

    def call(method, path, body=None, **params):
        response = requests.request(
            method,
            base + path,
            timeout=10,
            params=params,
            data=None if body is None else json.dumps(body),
            headers={"Content-Type": "application/json", "X-API-Key": key},
        )
        # every answer of every test is held to the published document
        assert oas.response_problems(DOCUMENT, method, path, response) == []
        return response

    return call


@pytest.fixture
def known(followup_config):
    """Tell followup of a workshop and its delegations, as intake's
    workshop_published and delegation_registered would: an activity recorded
    over HTTP must name known ones."""
    from datetime import datetime

    def tell(workshop_id, *delegations):
        now = datetime.fromisoformat(NOW)
        with Store.for_url(followup_config["DATABASE_URL"]).transaction() as session:
            uow = UnitOfWork(session, producer="followup", correlation_id="test", origin="test")
            usecases.record_workshop(
                inbound.WorkshopPublished().load(
                    {
                        "workshop_id": workshop_id,
                        "version": 1,
                        "title": "Santa Marta",
                        "time_zone": "America/Bogota",
                    }
                ),
                uow=uow,
                now=now,
            )
            for delegation_id, country in delegations:
                usecases.record_delegation(
                    inbound.DelegationRegisteredV2().load(
                        {
                            "delegation_id": delegation_id,
                            "institution": f"Ministry {delegation_id}",
                            "acronym": None,
                            "country": country,
                            "kind": "ministry",
                            "registered_at": NOW,
                            "workshop_id": workshop_id,
                            "version": 1,
                            "delegates": [
                                {"delegate_id": f"{delegation_id}-1", "is_focal_point": True}
                            ],
                        }
                    ),
                    uow=uow,
                    now=now,
                )

    return tell
