"""The consumer edge: what a service consumes, declared once.

Each service's `inbound.py` holds one `Inbound` table whose rows say
(producer, event type, schema versions) -> tolerant reader -> use case. From
that table the backbone derives everything else:

- the nameko entrypoints (`@event_handlers(inbound.CONSUMES)` on the service
  class adds one `handle_<event_type>` per row: read the payload through the
  reader of its version, run the use case as `(message, *, uow, now)` with
  the inbox record, then wake what the row names); the events of a queue
  that arrive together are applied in one transaction and acked together
  (`consuming.py`), each still once;
- the queue `<service>.handle_<event_type>` and its binding (`topology`);
- the broker user's topic permissions (`rueda_devkit.definitions`).

A version the row does not list is parked with the reason (a newer one
too); tests/contract/test_consumer_edge.py holds every consumer to the
versions its producers publish now.

A service class may not carry hand-written event handlers beside the table,
so the subscription cannot be written twice and disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

from marshmallow import Schema

from .consuming import EventHandler, PermanentFailure, event_handler


class UnsupportedVersion(PermanentFailure):
    """An event of a schema version the consumer does not declare."""


@dataclass(frozen=True)
class Consumes:
    """One row of the table: one subscription of one service."""

    producer: str
    event_type: str
    readers: Mapping[int, type[Schema]]
    use_case: Callable
    wakes: tuple[str, ...] = field(default=())
    uses: tuple[str, ...] = field(default=())
    # None: wake after any event applied; else only when some event's use
    # case returned a result this says is worth waking for
    wake_when: Callable | None = None

    @property
    def handler(self) -> str:
        """The entrypoint's name, which is also its queue's: `<service>.handle_<type>`."""
        return f"handle_{self.event_type}"

    @property
    def versions(self) -> tuple[int, ...]:
        return tuple(sorted(self.readers))

    def reader_for(self, version: int) -> type[Schema]:
        """The reader of `version`. A version the table does not name is
        refused, newer ones too: the row says what this consumer was written
        against, so a producer's new version waits (parked, then replayed by
        ops) until the consumer declares it, rather than being read as
        something it may not be. Release consumers first (docs/contributing.md)."""
        if version in self.readers:
            return self.readers[version]
        raise UnsupportedVersion(
            f"{self.event_type} v{version} is not a version this service reads "
            f"({', '.join(f'v{v}' for v in self.versions)}); upgrade it, then replay"
        )

    def read(self, envelope) -> dict:
        cls = self.reader_for(envelope.schema_version)
        reader = _READERS.get(cls)
        if reader is None:
            # built once per reader class: a load keeps no state between calls
            reader = _READERS[cls] = cls()
        return reader.load(envelope.payload)


_READERS: dict[type[Schema], Schema] = {}


def consumes(
    producer: str,
    event_type: str,
    readers,
    *,
    use_case: Callable,
    wakes: tuple[str, ...] | str = (),
    uses: tuple[str, ...] | str = (),
    wake_when: Callable | None = None,
) -> Consumes:
    """A row: `readers` is a reader class (for schema version 1) or a mapping
    {version: reader class}; `wakes` names dependencies of the service
    (`self.<name>.wake()`) to wake once the use case committed; `uses` names
    dependencies the use case takes as keyword arguments of the same name
    (settings read from config at the edge, never in the use case), or
    `event` (the envelope) and `event_id`, which the edge gives per event.
    `wake_when(result)` limits the waking to events whose use case returned
    something to do (`bool`: a non-empty list of deliveries, say), so that a
    loop is not woken to find nothing."""
    if not isinstance(readers, Mapping):
        readers = {1: readers}
    if not readers:
        raise ValueError(f"{producer}/{event_type}: at least one reader is needed")
    wakes = (wakes,) if isinstance(wakes, str) else tuple(wakes)
    uses = (uses,) if isinstance(uses, str) else tuple(uses)
    return Consumes(producer, event_type, dict(readers), use_case, wakes, uses, wake_when)


class Inbound:
    """A service's table of subscriptions."""

    def __init__(self, *rows: Consumes):
        seen = {}
        for row in rows:
            if row.handler in seen:
                raise ValueError(
                    f"{row.producer}/{row.event_type} and "
                    f"{seen[row.handler].producer}/{row.event_type} would share "
                    f"the handler {row.handler}"
                )
            seen[row.handler] = row
        self.rows = tuple(rows)

    def __iter__(self) -> Iterator[Consumes]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def row(self, producer: str, event_type: str) -> Consumes:
        for row in self.rows:
            if (row.producer, row.event_type) == (producer, event_type):
                return row
        raise KeyError(f"{producer}/{event_type} is not consumed here")

    def reader_for(self, producer: str, event_type: str, version: int) -> type[Schema]:
        return self.row(producer, event_type).reader_for(version)

    def read(self, envelope) -> dict:
        """The payload of an envelope through the reader of its version."""
        return self.row(envelope.producer, envelope.event_type).read(envelope)

    def subscriptions(self) -> list[tuple[str, str, str]]:
        """(handler, producer, event type) for every row, sorted."""
        return sorted((row.handler, row.producer, row.event_type) for row in self.rows)


# what a row's `uses` may name beside the service's dependencies: the event
# being handled, given by the edge itself (a batch holds several)
PER_EVENT = {
    "event": lambda envelope: envelope,
    "event_id": lambda envelope: envelope.event_id,
}


def _entrypoint(row: Consumes):
    per_event = [name for name in row.uses if name in PER_EVENT]
    shared = [name for name in row.uses if name not in PER_EVENT]

    def handle(self, events):
        outcomes: list = [None] * len(events)
        readable = []
        for n, event in enumerate(events):
            try:
                readable.append((n, event, row.read(event)))
            except Exception as exc:  # noqa: BLE001 - settled (parked) by the entrypoint
                outcomes[n] = exc
        extras = {name: getattr(self, name) for name in shared}
        messages = {id(event): message for _n, event, message in readable}

        results = {}  # a batch applied again event by event overwrites them

        def apply(uow, event):
            results[id(event)] = row.use_case(
                messages[id(event)],
                uow=uow,
                now=self.clock(),
                **extras,
                **{name: PER_EVENT[name](event) for name in per_event},
            )

        applied = self.db.apply_each([event for _n, event, _m in readable], apply)
        worth_waking = False
        for (n, event, _message), outcome in zip(readable, applied, strict=True):
            outcomes[n] = outcome
            if outcome is None:
                worth_waking = worth_waking or (
                    row.wake_when is None or bool(row.wake_when(results.get(id(event))))
                )
        if worth_waking:
            for name in row.wakes:
                getattr(self, name).wake()
        return outcomes

    handle.__name__ = handle.__qualname__ = row.handler
    handle.__doc__ = (
        f"{row.producer}'s {row.event_type} "
        f"(v{', v'.join(map(str, row.versions))}) -> "
        f"{row.use_case.__module__}.{row.use_case.__name__}"
    )
    return event_handler(row.producer, row.event_type, batched=True)(handle)


def _hand_written_handlers(cls) -> list[str]:
    return [
        name
        for name in dir(cls)
        if any(
            isinstance(e, EventHandler)
            for e in getattr(getattr(cls, name), "nameko_entrypoints", ())
        )
    ]


def event_handlers(table: Inbound):
    """Class decorator: add the table's entrypoints to a nameko service class.

    The class needs `db` (`rueda_backbone.Database`) and `clock`
    (`rueda_backbone.Clock`); its table is kept as `cls.inbound`."""

    def attach(cls):
        for attribute in ("db", "clock"):
            if not hasattr(cls, attribute):
                raise TypeError(f"{cls.__name__} needs `{attribute}` for its event handlers")
        written = _hand_written_handlers(cls)
        if written:
            raise TypeError(
                f"{cls.__name__}: declare {', '.join(written)} in inbound.py, "
                f"not as @event_handler methods"
            )
        for row in table:
            for name in (*row.wakes, *(u for u in row.uses if u not in PER_EVENT)):
                if not hasattr(cls, name):
                    raise TypeError(f"{cls.__name__} has no `{name}` that {row.handler} needs")
            setattr(cls, row.handler, _entrypoint(row))
        cls.inbound = table
        return cls

    return attach
