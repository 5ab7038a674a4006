"""The RabbitMQ objects a consuming service owns, all named `<service>.*`.

- `<producer>.events` (topic): where a producer publishes; routing key = event type.
- `<service>.<handler>` (quorum queue): one per event handler, bound to the
  producer's exchange by event type. A message that keeps killing its worker
  is dead-lettered after the delivery limit instead of looping.
- `<service>.retry.<ms>` (fanout exchange + queue whose messages expire after
  <ms> and dead-letter to `<service>.redeliver`): a failed message is
  republished there with its handler queue as routing key, waits, and comes
  back through `<service>.redeliver` (direct), where each handler queue is
  bound by its own name. Not through the default exchange: writing there would
  let a service put messages into any queue of the vhost, another service's
  included. RabbitMQ 3.10 has no delay without a plugin; per-message TTLs
  would block behind the head of one queue, so each delay gets its own queue.
- `<service>.dead` (fanout exchange + queue): messages parked while the
  database was unreachable and those over the delivery limit; the service moves
  them into its parked_message table.

Delivery limit, dead-letter exchanges and TTLs are RabbitMQ **policies**
(`Topology.policies()`), not queue arguments, so ops change them with
`rabbitmqctl set_policy` without deleting a queue. The one argument left is
`x-queue-type: quorum`, which no policy can set. In production the policies
come with the definitions file (deploy/rabbitmq/definitions.json); where that
file is not loaded (tests, the demo, a developer's broker) the backbone sets
them itself through the management API, before declaring anything, but only
with management credentials (`policy_manager_url`): a service's own broker
user has no right to.

Everything a service declares starts with its own name, which is what lets one
broker user per service be limited to `^<service>\\.`.
"""

from __future__ import annotations

import base64
import json
import re
import urllib.error
import urllib.request
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import structlog
from amqp.exceptions import PreconditionFailed
from kombu import Exchange, Queue, binding

log = structlog.get_logger(__name__)

DEFAULT_RETRY_DELAYS = (1, 5, 30, 120, 600)
DEFAULT_DELIVERY_LIMIT = 20
# ours never overlap, so any priority would do; 1 leaves 0 below them for a
# broker-wide catch-all, and an override of ops' own goes above (deploy/README.md)
POLICY_PRIORITY = 1
MANAGEMENT_PORT = 15672
# what a version before the policies declared as arguments (deploy/README.md)
LEGACY_ARGUMENTS = ("x-delivery-limit", "x-dead-letter-exchange", "x-message-ttl")
_LEGACY_MISMATCH = re.compile(
    "inequivalent arg '({})'".format("|".join(re.escape(a) for a in LEGACY_ARGUMENTS))
)


def events_exchange(producer: str, **kwargs) -> Exchange:
    return Exchange(f"{producer}.events", type="topic", durable=True, **kwargs)


class Topology:
    def __init__(
        self,
        service: str,
        retry_delays=DEFAULT_RETRY_DELAYS,
        delivery_limit: int = DEFAULT_DELIVERY_LIMIT,
    ):
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
            name = f"{service}.retry.{int(delay * 1000)}"
            exchange = Exchange(name, type="fanout", durable=True)
            self.retry_exchanges.append(exchange)
            # its TTL and dead-letter exchange are policies (policies())
            self.retry_queues.append(Queue(name, exchange, durable=True))

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
            # a queue's type is fixed at declaration: the only argument left
            queue_arguments={"x-queue-type": "quorum"},
        )

    @property
    def handler_queues_pattern(self) -> str:
        """Every queue of the service but its retry delays and its dead letters."""
        return f"^{re.escape(self.service)}\\.(?!retry\\.|dead$)"

    def policies(self) -> list[dict]:
        """The policies this topology needs, as RabbitMQ's definitions list
        them (without the vhost): one for the handler queues (delivery limit,
        dead letters to `<service>.dead`) and one per retry delay (its TTL,
        dead letters to `<service>.redeliver`)."""
        policies = {
            f"{self.service}.handlers": {
                "pattern": self.handler_queues_pattern,
                "definition": {
                    "delivery-limit": self.delivery_limit,
                    "dead-letter-exchange": self.dead_exchange.name,
                },
            }
        }
        for queue, delay in zip(self.retry_queues, self.retry_delays, strict=True):
            policies[queue.name] = {
                "pattern": f"^{re.escape(queue.name)}$",
                "definition": {
                    "message-ttl": int(delay * 1000),
                    "dead-letter-exchange": self.redeliver_exchange.name,
                },
            }
        return [
            {
                "name": name,
                "pattern": policy["pattern"],
                "apply-to": "queues",
                "definition": policy["definition"],
                "priority": POLICY_PRIORITY,
            }
            for name, policy in policies.items()
        ]

    def retry_exchange_for(self, attempt: int) -> Exchange:
        """Where the `attempt`-th retry (1-based) waits."""
        return self.retry_exchanges[min(attempt, len(self.retry_exchanges)) - 1]

    def declarations(self):
        return [
            self.dead_exchange,
            self.dead_queue,
            self.redeliver_exchange,
            *self.retry_exchanges,
            *self.retry_queues,
        ]


def topology_from_config(service: str, config: dict) -> Topology:
    return Topology(
        service,
        retry_delays=config.get("EVENT_RETRY_DELAYS") or DEFAULT_RETRY_DELAYS,
        delivery_limit=int(config.get("EVENT_DELIVERY_LIMIT") or DEFAULT_DELIVERY_LIMIT),
    )


# -- declaring, also over queues a previous version declared ------------------


def declare(connection, entity) -> bool:
    """Declare an exchange or a queue (with its bindings) on a channel of its
    own. True when declared as asked; False for a queue that already exists
    with one of the LEGACY_ARGUMENTS a version before the policies set (a
    redeclaration without them is refused with PRECONDITION_FAILED): that
    queue is used as it is, its bindings made sure of, and a warning logged
    until ops recreate it (deploy/README.md). Any other mismatch raises."""
    try:
        entity.bind(connection.channel()).declare()
        return True
    except PreconditionFailed as exc:
        if not isinstance(entity, Queue) or not _LEGACY_MISMATCH.search(str(exc)):
            raise
        reason = str(exc)
    channel = connection.channel()
    channel.queue_declare(entity.name, passive=True)
    routes = [(b.exchange.name, b.routing_key) for b in entity.bindings]
    if entity.exchange is not None and entity.exchange.name:
        routes.append((entity.exchange.name, entity.routing_key or ""))
    for exchange, routing_key in routes:
        channel.queue_bind(entity.name, exchange, routing_key or "")
    log.warning(
        "queue.legacy_arguments",
        queue=entity.name,
        broker=reason,
        action="uses the queue as it is; recreate it without arguments "
        "(deploy/README.md, 'Queues declared before the policies')",
    )
    return False


# -- setting the policies where no definitions file is loaded -----------------


def policy_manager_url(config: dict) -> str | None:
    """The management API through which this process may set its own
    policies, or None (production: the definitions file has them).

    `BROKER_MANAGEMENT_URL` (`http://user:password@host:15672`) when the
    config has one (the test fixtures); otherwise, when the AMQP user is
    RabbitMQ's `guest`, the management API on the AMQP host with guest's
    credentials: RabbitMQ lets guest in from localhost only, so that is a
    developer's broker, a test's or the demo's. A service's own broker user
    (production, docker compose, the e2e stack with service users) is never
    used for it and has no right to (no policymaker tag)."""
    explicit = config.get("BROKER_MANAGEMENT_URL")
    if explicit:
        return explicit
    parts = urlsplit(config.get("AMQP_URI") or "")
    if unquote(parts.username or "") != "guest" or not parts.hostname:
        return None
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return urlunsplit(
        (
            "http",
            f"guest:{quote(unquote(parts.password or ''), safe='')}@{host}:{MANAGEMENT_PORT}",
            "",
            "",
            "",
        )
    )


def vhost_of(amqp_uri: str) -> str:
    path = urlsplit(amqp_uri).path
    return unquote(path[1:]) if len(path) > 1 else "/"


_applied: set[tuple[str, str, str]] = set()


def apply_policies(
    management_url: str, vhost: str, policies: list[dict], timeout: float = 10.0
) -> None:
    """PUT each policy into `vhost` (idempotent; once per process and value)."""
    parts = urlsplit(management_url)
    base = f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{parts.path.rstrip('/')}"
    credentials = f"{unquote(parts.username or '')}:{unquote(parts.password or '')}"
    headers = {
        "Content-Type": "application/json",
        "Authorization": "Basic " + base64.b64encode(credentials.encode()).decode(),
    }
    for policy in policies:
        body = {key: value for key, value in policy.items() if key not in ("name", "vhost")}
        key = (base, vhost, json.dumps(policy, sort_keys=True))
        if key in _applied:
            continue
        request = urllib.request.Request(
            f"{base}/api/policies/{quote(vhost, safe='')}/{quote(policy['name'], safe='')}",
            method="PUT",
            data=json.dumps(body).encode(),
            headers=headers,
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout):
                pass
        except urllib.error.HTTPError as exc:
            raise RuntimeError(
                f"could not set the broker policy {policy['name']!r} in vhost {vhost!r} "
                f"through {base}: {exc.code} {exc.read().decode(errors='replace')[:200]}; "
                f"load deploy/rabbitmq/definitions.json or give management credentials "
                f"(BROKER_MANAGEMENT_URL)"
            ) from exc
        except OSError as exc:
            raise RuntimeError(
                f"could not reach the broker's management API at {base} to set the "
                f"policy {policy['name']!r} ({exc}); enable rabbitmq_management, or load "
                f"deploy/rabbitmq/definitions.json"
            ) from exc
        _applied.add(key)
