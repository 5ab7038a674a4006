"""Two replicas of every service side by side on the real broker and shared
PostgreSQL databases: competing consumers, several outbox relays, several
mail senders. Every event has its effect once per handler, every email goes
out once, and both replicas of each did part of the work."""

from collections import Counter

import pytest
from prometheus_client.parser import text_string_to_metric_families

from rueda_backbone.testing import wait_for
from rueda_devkit import definitions
from rueda_devkit.flow import emails, register_and_submit, rows

pytestmark = [pytest.mark.e2e, pytest.mark.broker, pytest.mark.postgres]

REPLICAS = 2
FORMS = 8


class Replica:
    """The stack as the flow sees it, with every request going to one replica."""

    def __init__(self, stack, replica: int):
        self.stack, self.replica = stack, replica

    def url(self, service: str, replica: int = 0) -> str:
        return self.stack.url(service, self.replica)


def counters(stack, service, replica, name):
    """`name`'s samples on one replica, keyed by their labels minus `service`."""
    found = Counter()
    for family in text_string_to_metric_families(stack.metrics(service, replica)):
        for sample in family.samples:
            if sample.name == name and sample.labels.get("service") == service:
                found[
                    tuple(sorted((k, v) for k, v in sample.labels.items() if k != "service"))
                ] += sample.value
    return found


def processed(stack, service, replica, queue):
    return counters(stack, service, replica, "rueda_events_consumed_total")[
        (("outcome", "processed"), ("queue", queue))
    ]


def test_two_replicas_of_each_service_process_every_event_once_and_send_every_email_once(
    make_stack,
):
    stack = make_stack("postgresql")
    api_key = stack.ops("intake", "api-key", "create", "portal")
    stack.start_all(replicas=REPLICAS)
    for n in range(FORMS):
        register_and_submit(Replica(stack, n % REPLICAS), api_key, title=f"Programa {n:02d}")

    published = Counter(
        r["event_type"]
        for r in rows(stack.database_urls["intake"], "select event_type from outbox_message")
    )
    handlers = {
        service: [
            (f"{service}.{handler}", event_type)
            for handler, producer, event_type in definitions.event_handlers(
                definitions.service_class(service)
            )
            if producer == "intake" and published[event_type]
        ]
        for service in ("matching", "followup", "notify")
    }
    assert all(handlers.values()), f"every consumer reads some of {dict(published)}"

    def all_processed():
        return all(
            sum(processed(stack, service, r, queue) for r in range(REPLICAS))
            >= published[event_type]
            for service, queues in handlers.items()
            for queue, event_type in queues
        )

    wait_for(all_processed, timeout=60, interval=0.5, what="every event processed")
    # one receipt per program at least; notify's email table says how many in all
    wait_for(lambda: len(emails(stack)) >= FORMS, timeout=60, what="every receipt")

    for service, queues in handlers.items():
        inbox = Counter(
            r["handler"]
            for r in rows(stack.database_urls[service], "select handler from inbox_message")
        )
        for queue, event_type in queues:
            per_replica = [processed(stack, service, r, queue) for r in range(REPLICAS)]
            # the inbox lets one effect through per event, whichever replica got it
            assert sum(per_replica) == published[event_type] == inbox[queue], (queue, per_replica)
        # competing consumers: the broker spread the busiest queue over both replicas
        busiest = max(queues, key=lambda q: published[q[1]])[0]
        assert all(processed(stack, service, r, busiest) > 0 for r in range(REPLICAS)), busiest

    relayed = [
        sum(counters(stack, "intake", r, "rueda_events_published_total").values())
        for r in range(REPLICAS)
    ]
    assert sum(relayed) >= sum(published.values())
    assert all(count > 0 for count in relayed), f"both intake relays published: {relayed}"

    # a graceful stop lets any sender still at work finish: a duplicate would show now
    stack.stop()
    message_ids = [message["Message-ID"] for _path, message in emails(stack)]
    (queued,) = rows(stack.database_urls["notify"], "select count(*) as n from email")
    # the Message-ID is the email row's id: a second sending would repeat it
    assert len(message_ids) == len(set(message_ids)) == queued["n"] >= FORMS
