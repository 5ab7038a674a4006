"""webhooks in a real container on the real broker and database (SQLite and
PostgreSQL), a real HTTP receiver (the example in examples/integrations/,
behind a switch that can make it fail) and an HTTP client holding an API key."""

import importlib.util
import json
import os
from pathlib import Path

import eventlet
import eventlet.wsgi
import pytest
import requests

from rueda_backbone import openapi as oas
from rueda_backbone.apikeys import create_api_key
from rueda_backbone.database import Store
from webhooks import api
from webhooks.service import WebhooksService

DOCUMENT = api.openapi()
EXAMPLE = Path(__file__).resolve().parents[4] / "examples" / "integrations" / "webhook_receiver.py"


def _example():
    spec = importlib.util.spec_from_file_location("webhook_receiver_example", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def webhooks_config(config):
    # local receivers on the loopback over plain HTTP; three quick tries
    return {
        **config,
        "ALLOW_PRIVATE_URLS": True,
        "REQUIRE_HTTPS": False,
        "DELIVERY_POLL_SECONDS": 0.1,
        "DELIVERY_MAX_ATTEMPTS": 3,
        "DELIVERY_FIRST_RETRY_SECONDS": 0.2,
        "DELIVERY_BACKOFF_FACTOR": 1.5,
        "DELIVERY_CONNECT_TIMEOUT_SECONDS": 2,
        "DELIVERY_TIMEOUT_SECONDS": 2,
    }


@pytest.fixture
def start(container_factory, webhooks_config):
    def start_service(**overrides):
        container_factory(WebhooksService, {**webhooks_config, **overrides}).start()

    return start_service


@pytest.fixture
def http(webhooks_config):
    key = create_api_key(Store.for_url(webhooks_config["DATABASE_URL"]), "ops")
    base = f"http://{webhooks_config['WEB_SERVER_ADDRESS']}"

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


class LocalReceiver:
    """The example receiver on a free loopback port; `failing = True` makes
    it answer 500 before looking at the request. Every request is kept."""

    def __init__(self):
        self.requests = []
        self.stored = []
        self.failing = False
        self.secret = None
        self._example = _example()
        self._receiver = None
        self._socket = eventlet.listen(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}/hook"
        self._thread = eventlet.spawn(
            eventlet.wsgi.server,
            self._socket,
            self._app,
            log=open(os.devnull, "w"),
            log_output=False,
        )

    def use_secret(self, secret):
        self.secret = secret
        self._receiver = self._example.Receiver(secret, self.stored.append)

    def _app(self, environ, start_response):
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        self.requests.append(
            {
                "id": environ.get("HTTP_WEBHOOK_ID"),
                "body": body,
                "signature": environ.get("HTTP_WEBHOOK_SIGNATURE"),
                "timestamp": environ.get("HTTP_WEBHOOK_TIMESTAMP"),
            }
        )
        if self.failing or self._receiver is None:
            start_response("500 Internal Server Error", [("Content-Type", "text/plain")])
            return [b"down for maintenance"]
        import io

        environ["wsgi.input"] = io.BytesIO(body)
        return self._receiver(environ, start_response)

    def close(self):
        self._thread.kill()
        self._socket.close()


@pytest.fixture
def receiver():
    local = LocalReceiver()
    yield local
    local.close()
