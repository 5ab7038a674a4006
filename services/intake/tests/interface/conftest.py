"""intake in a real nameko container, on the real broker and databases, and a
spy queue that sees every event intake publishes."""

import json

import intake_forms
import pytest
import requests
from kombu import Connection, Exchange, Queue

from intake.service import IntakeService
from rueda_backbone.apikeys import create_api_key
from rueda_backbone.database import Store


class Client:
    def __init__(self, base, key):
        self.base = base
        self.key = key

    def call(self, method, path, body=None, headers=None):
        data = body if body is None or isinstance(body, (bytes, str)) else json.dumps(body)
        return requests.request(
            method,
            self.base + path,
            data=data,
            timeout=10,
            headers={"Content-Type": "application/json", "X-API-Key": self.key, **(headers or {})},
        )

    def post(self, path, body=None, headers=None):
        return self.call("POST", path, body if body is not None else {}, headers)

    def put(self, path, body, headers=None):
        return self.call("PUT", path, body, headers)

    def get(self, path, headers=None):
        return self.call("GET", path, None, headers)

    def made(self, method, path, body=None, status=None):
        response = self.call(method, path, body if body is not None else {})
        assert response.status_code == (status or (201 if method == "POST" else 200)), response.text
        return response.json()

    # a workshop with two delegations, each with a program: what most tests start from
    def workshop(self, **changes):
        return self.made("POST", "/workshops", intake_forms.workshop(**changes))

    def delegation(self, workshop_id, country="Bolivia"):
        return self.made("POST", "/delegations", intake_forms.registration(workshop_id, country))

    def program(self, delegation_id, **changes):
        return self.made("POST", "/programs", intake_forms.program(delegation_id, **changes))


@pytest.fixture
def intake(container_factory, config):
    container_factory(IntakeService, config).start()
    key = create_api_key(Store.for_url(config["DATABASE_URL"]), "portal")
    return Client(f"http://{config['WEB_SERVER_ADDRESS']}", key)


@pytest.fixture
def spy(config):
    """A queue bound to everything intake publishes; `spy(n)` returns the next n envelopes."""
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
