"""CloudEvents 1.0 at the edge, beside rueda's own envelope.

Outside systems may publish on `portal.events` in any of three forms; each
becomes the same `Envelope` before a reader sees it:

- rueda's envelope (docs/events/envelope.schema.json), as the services do;
- a CloudEvent in structured mode: content type `application/cloudevents+json`,
  the whole event in the body;
- a CloudEvent in binary mode (the RabbitMQ binding: `ce-` headers, the data
  in the body, `content_type` its media type).

Mapping (both ways, also used for events leaving the suite):

| CloudEvents | envelope |
|---|---|
| `id` | `event_id` |
| `type`: `<event_type>` or `<reverse-dns>.<event_type>` | `event_type` |
| `schemaversion` extension, else `dataschema` ending `.v<N>.schema.json`, else 1 | `schema_version` |
| `time` (else the time it arrived) | `occurred_at` |
| the producer whose exchange the handler reads (`portal.events` -> `portal`) | `producer` |
| `correlationid` extension, else a new one | `correlation_id` |
| `data` (a JSON object) | `payload` |

The `cloudevents` SDK parses and validates the CloudEvent; what it refuses,
and a CloudEvent whose type or data rueda cannot take, is an
`InvalidEnvelope` with the reason, so the consumer parks it.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from cloudevents.core.bindings.rabbitmq import CE_PREFIX, RabbitMQMessage, from_rabbitmq
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent

from .envelope import (
    EVENT_TYPE_PATTERN,
    Envelope,
    InvalidEnvelope,
    new_correlation_id,
    valid_correlation_id,
)

STRUCTURED = "application/cloudevents+json"
TYPE_PREFIX = "org.rueda"
SCHEMA_BASE = "https://rueda.example.org/events"
DATASCHEMA_VERSION = re.compile(r"\.v(?P<version>[1-9][0-9]*)\.schema\.json$")
JSON_MEDIA = re.compile(r"^application/([a-zA-Z0-9.\-]+\+)?json(;.*)?$")

_FORMAT = JSONFormat()


def is_cloud_event(headers: dict | None, content_type: str | None) -> bool:
    """A structured CloudEvent by its content type, a binary one by its headers."""
    if (content_type or "").split(";")[0].strip() == STRUCTURED:
        return True
    return any(str(name).lower() == f"{CE_PREFIX}specversion" for name in (headers or {}))


def envelope_from_message(
    body: bytes, *, headers: dict | None, content_type: str | None, producer: str
) -> Envelope:
    """The envelope a message carries, whichever of the three forms it is in;
    a CloudEvent is taken as published by `producer`, the owner of the
    exchange it was read from (its `source` is the outside system's own URI)."""
    if not is_cloud_event(headers, content_type):
        return Envelope.from_json(body)
    return _to_envelope(_parse(body, headers, content_type), producer=producer)


def _parse(body, headers, content_type) -> CloudEvent:
    text_headers = {str(k): v if isinstance(v, str) else str(v) for k, v in (headers or {}).items()}
    if isinstance(body, str):
        body = body.encode()
    try:
        return from_rabbitmq(
            RabbitMQMessage(headers=text_headers, content_type=content_type, body=body),
            _FORMAT,
            CloudEvent,
        )
    except Exception as exc:  # the SDK raises its own errors and ValueErrors alike
        raise InvalidEnvelope(f"not a valid CloudEvent: {exc}") from None


def _event_type(ce_type: str) -> str:
    event_type = ce_type.rsplit(".", 1)[-1]
    if not re.match(EVENT_TYPE_PATTERN, event_type):
        raise InvalidEnvelope(
            f"CloudEvent type {ce_type!r} does not end in a rueda event type "
            f"(<entity>_<past_tense_verb>, e.g. {TYPE_PREFIX}.program_form_submitted)"
        )
    return event_type


def _schema_version(event: CloudEvent) -> int:
    raw = event.get_extension("schemaversion")
    if raw is not None:
        try:
            version = int(raw)
        except (TypeError, ValueError):
            raise InvalidEnvelope(f"schemaversion {raw!r} is not a whole number") from None
        if version < 1:
            raise InvalidEnvelope("schemaversion must be 1 or more")
        return version
    match = DATASCHEMA_VERSION.search(event.get_dataschema() or "")
    return int(match["version"]) if match else 1


def _to_envelope(event: CloudEvent, *, producer: str) -> Envelope:
    content_type = event.get_datacontenttype() or "application/json"
    if not JSON_MEDIA.match(content_type):
        raise InvalidEnvelope(f"CloudEvent data must be JSON, not {content_type}")
    data = event.get_data()
    if isinstance(data, (bytes, str)):
        try:
            data = json.loads(data)
        except ValueError as exc:
            raise InvalidEnvelope(f"CloudEvent data is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise InvalidEnvelope("CloudEvent data must be a JSON object")
    correlation_id = event.get_extension("correlationid")
    if correlation_id is not None and not valid_correlation_id(str(correlation_id)):
        raise InvalidEnvelope("correlationid must be 1-64 of A-Z a-z 0-9 . _ : -")
    occurred_at = event.get_time() or datetime.now(UTC)
    if occurred_at.tzinfo is None:
        occurred_at = occurred_at.replace(tzinfo=UTC)
    return Envelope.from_dict(
        {
            "event_id": event.get_id(),
            "event_type": _event_type(event.get_type()),
            "schema_version": _schema_version(event),
            "occurred_at": occurred_at.isoformat(),
            "producer": producer,
            "correlation_id": str(correlation_id) if correlation_id else new_correlation_id(),
            "payload": data,
        }
    )


# -- events leaving the suite ------------------------------------------------------


def attributes_of(envelope: Envelope, *, schema_base: str = SCHEMA_BASE) -> dict:
    """The CloudEvents context attributes of a rueda event."""
    return {
        "specversion": "1.0",
        "id": envelope.event_id,
        "source": f"/rueda/{envelope.producer}",
        "type": f"{TYPE_PREFIX}.{envelope.producer}.{envelope.event_type}",
        "time": envelope.occurred_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "dataschema": f"{schema_base}/{envelope.event_type}.v{envelope.schema_version}.schema.json",
        "datacontenttype": "application/json",
        "correlationid": envelope.correlation_id,
        "schemaversion": envelope.schema_version,
    }


def to_structured(envelope: Envelope, **kwargs) -> dict:
    """The event as a structured-mode CloudEvent (a JSON object)."""
    return {**attributes_of(envelope, **kwargs), "data": envelope.payload}
