"""An outside system's webhook receiver: checks each delivery's Standard
Webhooks signature, drops a copy it already has (by `webhook-id`), and hands
the event, a CloudEvent, to the system. Subscribe it first (docs/webhooks.md):

    curl -X POST https://rueda.example.org/webhooks/subscriptions -H "X-API-Key: $KEY" \
         -H 'Content-Type: application/json' \
         -d '{"name": "funder-grants", "url": "https://grants.example.org/rueda",
              "event_types": ["activity_status_changed", "funding_selection_confirmed"]}'

and keep the `secret` of the answer (shown once). Then:

    WEBHOOK_SECRET=whsec_... python webhook_receiver.py --port 9000

Needs `pip install standardwebhooks` (the reference implementation; `verify_by_hand`
below shows the same check in the standard library alone). Answers 204 once
the event is stored, 200 to a duplicate, 401 to a bad or stale signature (more
than 5 minutes off: a replayed capture), and 5xx when storing failed, so rueda
tries again later with the same webhook-id.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import os
import sys
import time

MAX_BODY = 1024 * 1024
TOLERANCE_SECONDS = 5 * 60


def verify(secret: str, body: bytes, headers: dict) -> dict:
    """The CloudEvent of a delivery whose signature is good; raises otherwise."""
    from standardwebhooks import Webhook

    return Webhook(secret).verify(body, headers)


def verify_by_hand(secret: str, body: bytes, headers: dict, *, now: float | None = None) -> dict:
    """The same check as `verify`, written out from the specification."""
    headers = {k.lower(): v for k, v in headers.items()}
    webhook_id = headers["webhook-id"]
    timestamp = headers["webhook-timestamp"]
    if abs((now if now is not None else time.time()) - int(timestamp)) > TOLERANCE_SECONDS:
        raise ValueError("timestamp too far from now")
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{webhook_id}.{timestamp}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    for candidate in headers["webhook-signature"].split(" "):
        version, _, value = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(value, expected):
            return json.loads(body)
    raise ValueError("no matching signature")


class Receiver:
    """A WSGI application: POST / with a signed delivery.

    `store(event)` is the system's own: a real receiver records the webhook-id
    in the same database transaction as what it does with the event, so a
    redelivery after a crash is recognised; here the ids are kept in memory."""

    def __init__(self, secret: str, store, *, verifier=verify):
        self.secret = secret
        self.store = store
        self.verifier = verifier
        self.seen: set[str] = set()

    def __call__(self, environ, start_response):
        def answer(status: str, text: str = ""):
            start_response(status, [("Content-Type", "text/plain; charset=utf-8")])
            return [text.encode()]

        if environ["REQUEST_METHOD"] != "POST":
            return answer("405 Method Not Allowed")
        length = int(environ.get("CONTENT_LENGTH") or 0)
        if length > MAX_BODY:
            return answer("413 Payload Too Large")
        body = environ["wsgi.input"].read(length)
        headers = {
            name: environ.get(f"HTTP_{name.upper().replace('-', '_')}", "")
            for name in ("webhook-id", "webhook-timestamp", "webhook-signature")
        }
        try:
            event = self.verifier(self.secret, body, headers)
        except Exception as exc:  # noqa: BLE001 - every way of failing the check is a 401
            return answer("401 Unauthorized", f"signature refused: {exc}")
        webhook_id = headers["webhook-id"]
        if webhook_id in self.seen:
            return answer("200 OK", "duplicate")
        try:
            self.store(event)
        except Exception as exc:  # noqa: BLE001 - rueda retries: the id stays unseen
            return answer("500 Internal Server Error", f"not stored: {exc}")
        self.seen.add(webhook_id)
        return answer("204 No Content")


def main(argv=None) -> int:
    from wsgiref.simple_server import make_server

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9000)
    args = parser.parse_args(argv)
    secret = os.environ.get("WEBHOOK_SECRET")
    if not secret:
        print("set WEBHOOK_SECRET to the subscription's secret (whsec_...)", file=sys.stderr)
        return 2

    def store(event):
        print(
            json.dumps(
                {
                    "type": event["type"],
                    "id": event["id"],
                    "time": event["time"],
                    "data": event["data"],
                },
                ensure_ascii=False,
            ),
            flush=True,
        )

    with make_server(args.host, args.port, Receiver(secret, store)) as server:
        server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
