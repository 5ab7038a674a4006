"""The envelope every rueda event travels in, and the event a use case returns.

A use case returns `Event`s (type, schema version, payload); the outbox wraps
each in an `Envelope` that adds identity, time, producer and correlation id.
The envelope's JSON Schema is published in docs/events/envelope.schema.json.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

EVENT_TYPE_PATTERN = r"^[a-z][a-z0-9]*(_[a-z0-9]+)+$"
CORRELATION_ID_PATTERN = r"^[A-Za-z0-9._:-]{1,64}$"


class InvalidEnvelope(Exception):
    """A message that is not a rueda envelope; it can only be parked."""


@dataclass(frozen=True)
class Event:
    """Something that happened, as a use case reports it (past tense name)."""

    type: str
    payload: dict
    version: int = 1

    def __post_init__(self):
        if not re.match(EVENT_TYPE_PATTERN, self.type):
            raise ValueError(f"event type {self.type!r} is not <entity>_<past_tense_verb>")


@dataclass(frozen=True)
class Envelope:
    """An event as it travels: identity, type, version, time, producer, correlation."""

    event_id: str
    event_type: str
    schema_version: int
    occurred_at: datetime
    producer: str
    correlation_id: str
    payload: dict = field(default_factory=dict)

    @classmethod
    def wrap(
        cls,
        event: Event,
        *,
        producer: str,
        correlation_id: str | None = None,
        occurred_at: datetime | None = None,
        event_id: str | None = None,
    ) -> Envelope:
        return cls(
            event_id=event_id or str(uuid.uuid4()),
            event_type=event.type,
            schema_version=event.version,
            occurred_at=occurred_at or datetime.now(UTC),
            producer=producer,
            correlation_id=correlation_id or new_correlation_id(),
            payload=event.payload,
        )

    def to_dict(self) -> dict:
        return _ENVELOPE.dump(self)

    def to_json(self) -> bytes:
        return json.dumps(self.to_dict(), separators=(",", ":"), ensure_ascii=False).encode()

    @classmethod
    def from_dict(cls, data) -> Envelope:
        try:
            return cls(**_ENVELOPE.load(data))
        except ValidationError as exc:
            raise InvalidEnvelope(describe_errors(exc.messages)) from None

    @classmethod
    def from_json(cls, body: bytes | str) -> Envelope:
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise InvalidEnvelope(f"body is not JSON: {exc}") from None
        return cls.from_dict(data)


class EnvelopeSchema(Schema):
    class Meta:
        # tolerant reader: a newer producer may add envelope fields
        unknown = EXCLUDE

    event_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    # \Z, not $: `$` also matches before a trailing newline
    event_type = fields.String(
        required=True, validate=validate.Regexp(EVENT_TYPE_PATTERN[:-1] + r"\Z")
    )
    schema_version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    occurred_at = fields.AwareDateTime(required=True, default_timezone=UTC)
    producer = fields.String(required=True, validate=validate.Length(min=1, max=64))
    correlation_id = fields.String(
        required=True, validate=validate.Regexp(CORRELATION_ID_PATTERN[:-1] + r"\Z")
    )
    payload = fields.Dict(required=True, keys=fields.String())


# built once: a load or dump keeps no state between calls
_ENVELOPE = EnvelopeSchema()


class Published(dict):
    """What a service publishes: {(event type, schema version): schema}.

    `event(type, data)` is the only way a use case builds an event: it takes
    the current (highest) version of the type and dumps `data` through that
    version's schema, so a payload can never be labelled with another version
    than the one it was shaped by. Older versions stay in the table for the
    contract tests (consumers may still hold them in queues or parked).
    """

    def __init__(self, schemas: dict, *, retired=()):
        super().__init__(schemas)
        self.retired = frozenset(retired)
        self._dumpers = {}
        self.current = {}
        for event_type, version in schemas:
            self.current[event_type] = max(version, self.current.get(event_type, 0))

    def schema(self, event_type: str):
        try:
            return self[(event_type, self.current[event_type])]
        except KeyError:
            raise KeyError(f"{event_type!r} is not in this service's published events") from None

    def event(self, event_type: str, data: dict) -> Event:
        version = self.current.get(event_type)
        if version is None:
            raise KeyError(f"{event_type!r} is not in this service's published events")
        schema = self._dumpers.get((event_type, version))
        if schema is None:
            # built once per type and version: a dump keeps no state between calls
            schema = self._dumpers[(event_type, version)] = self[(event_type, version)]()
        return Event(event_type, schema.dump(data), version)


def new_correlation_id() -> str:
    return uuid.uuid4().hex


def valid_correlation_id(value: str | None) -> bool:
    # fullmatch: `$` alone would let a trailing newline through into log lines
    return bool(value) and re.fullmatch(CORRELATION_ID_PATTERN[1:-1], value) is not None


def describe_errors(messages, prefix: str = "") -> str:
    """Flatten marshmallow's nested error dict into 'path: message' lines."""
    return "; ".join(f"{path}: {msg}" for path, msg in flatten_errors(messages, prefix))


def flatten_errors(messages, prefix: str = "") -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            if isinstance(key, int):
                path = f"{prefix}[{key}]"
            elif key == "_schema":
                path = prefix or "$"
            else:
                path = f"{prefix}.{key}" if prefix else str(key)
            out.extend(flatten_errors(value, path))
    elif isinstance(messages, list):
        for item in messages:
            if isinstance(item, (dict, list)):
                out.extend(flatten_errors(item, prefix))
            else:
                out.append((prefix or "$", str(item)))
    else:
        out.append((prefix or "$", str(messages)))
    return out


def reader_for(readers: dict, by_version: dict, producer: str, event_type: str, version: int):
    """The reader a consumer uses for one version of an event: its richer
    reader for that version (`by_version`, keyed by producer, type and
    version) when it has one, else its tolerant reader of the type
    (`readers`, keyed by producer and type)."""
    key = (producer, event_type)
    return by_version.get((*key, version)) or readers[key]
