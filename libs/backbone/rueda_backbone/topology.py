"""The RabbitMQ objects a consuming service owns, all named `<service>.*`.

- `<producer>.events` (topic): where a producer publishes; routing key = event type.
- `<service>.<handler>` (quorum queue, delivery limit): one per event handler,
  bound to the producer's exchange by event type. A message that keeps killing
  its worker is dead-lettered after the delivery limit instead of looping.
- `<service>.retry.<ms>` (fanout exchange + queue with a TTL that
  dead-letters to `<service>.redeliver`): a failed message is republished
  there with its handler queue as routing key, waits, and comes back through
  `<service>.redeliver` (direct), where each handler queue is bound by its own
  name. Not through the default exchange: writing there would let a service
  put messages into any queue of the vhost, another service's included. RabbitMQ
  3.10 has no delay without a plugin; per-message TTLs would block behind the
  head of one queue, so each delay gets its own queue.
- `<service>.dead` (fanout exchange + queue): messages parked while the
  database was unreachable and those over the delivery limit; the service moves
  them into its parked_message table.

Everything a service declares starts with its own name, which is what lets one
broker user per service be limited to `^<service>\\.`.
"""
from __future__ import annotations

from kombu import Exchange, Queue, binding

DEFAULT_RETRY_DELAYS = (1, 5, 30, 120, 600)
DEFAULT_DELIVERY_LIMIT = 20


def events_exchange(producer: str, **kwargs) -> Exchange:
    return Exchange(f"{producer}.events", type="topic", durable=True, **kwargs)


class Topology:
    def __init__(self, service: str, retry_delays=DEFAULT_RETRY_DELAYS,
                 delivery_limit: int = DEFAULT_DELIVERY_LIMIT):
        if not retry_delays:
            raise ValueError("at least one retry delay is needed (replay uses the first)")
        self.service = service
        self.retry_delays = tuple(float(d) for d in retry_delays)
        self.delivery_limit = delivery_limit
        self.dead_exchange = Exchange(f"{service}.dead", type="fanout", durable=True)
        self.dead_queue = Queue(f"{service}.dead", self.dead_exchange, durable=True)
        self.redeliver_exchange = Exchange(f"{service}.redeliver", type="direct", durable=True)
        self.retry_exchanges = []
        self.retry_queues = []
        for delay in self.retry_delays:
            ms = int(delay * 1000)
            exchange = Exchange(f"{service}.retry.{ms}", type="fanout", durable=True)
            self.retry_exchanges.append(exchange)
            self.retry_queues.append(Queue(
                f"{service}.retry.{ms}", exchange, durable=True,
                queue_arguments={"x-message-ttl": ms,
                                 "x-dead-letter-exchange": self.redeliver_exchange.name}))

    @property
    def max_attempts(self) -> int:
        return len(self.retry_delays) + 1

    def handler_queue(self, handler: str, producer: str, event_type: str) -> Queue:
        return Queue(
            f"{self.service}.{handler}",
            bindings=[
                # the producer owns its exchange: a consumer binds to it, never declares it
                binding(events_exchange(producer, no_declare=True), routing_key=event_type),
                binding(self.redeliver_exchange, routing_key=f"{self.service}.{handler}"),
            ],
            durable=True,
            queue_arguments={
                "x-queue-type": "quorum",
                "x-delivery-limit": self.delivery_limit,
                "x-dead-letter-exchange": self.dead_exchange.name,
            },
        )

    def retry_exchange_for(self, attempt: int) -> Exchange:
        """Where the `attempt`-th retry (1-based) waits."""
        return self.retry_exchanges[min(attempt, len(self.retry_exchanges)) - 1]

    def declarations(self):
        return [self.dead_exchange, self.dead_queue, self.redeliver_exchange,
                *self.retry_exchanges, *self.retry_queues]


def topology_from_config(service: str, config: dict) -> Topology:
    return Topology(
        service,
        retry_delays=config.get("EVENT_RETRY_DELAYS") or DEFAULT_RETRY_DELAYS,
        delivery_limit=int(config.get("EVENT_DELIVERY_LIMIT") or DEFAULT_DELIVERY_LIMIT),
    )
