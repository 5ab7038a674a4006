"""The sender: a 2xx is delivered, a failure waits its turn in the backoff
schedule, the last failure parks the delivery with the reason."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from rueda_backbone import tables
from rueda_backbone.database import Store
from webhooks import domain, posting, sending, usecases
from webhooks.models import Base, Delivery, Subscription
from webhooks.settings import Settings

from .conftest import NOW, envelope, public_dns


class Clock:
    def __init__(self):
        self.now = NOW

    def __call__(self):
        return self.now


@pytest.fixture
def store(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    Base.metadata.create_all(store.engine)
    tables.metadata.create_all(store.engine)
    yield store
    store.engine.dispose()


@pytest.fixture
def outcomes(monkeypatch):
    """What the receiver answers, one per try; the requests it was sent."""
    planned, sent = [], []

    def post(http, url, *, body, headers, connect_timeout, timeout):
        sent.append((url, headers, body))
        return planned.pop(0)

    monkeypatch.setattr(posting, "post", post)
    return planned, sent


def delivery_for(store, *, url="https://grants.example.org/hook"):
    with store.transaction() as session:
        from rueda_backbone.outbox import UnitOfWork

        uow = UnitOfWork(session, producer="webhooks", correlation_id="t")
        made = usecases.create_subscription(
            {"name": "funder", "url": url, "event_types": ["activity_status_changed"]},
            uow=uow,
            now=NOW,
            settings=Settings(resolve=public_dns),
        )
        (delivery_id,) = usecases.record_event({}, uow=uow, now=NOW, event=envelope())
    return made, delivery_id


def row(store, delivery_id) -> Delivery:
    with store.transaction() as session:
        found = session.get(Delivery, delivery_id)
        session.expunge(found)
        return found


def sender(store, clock, attempts=3):
    delays = domain.retry_delays(max_attempts=attempts, first_seconds=10, factor=4)
    return sending.Sender(store, http=None, delays=delays, concurrency=2, clock=clock)


def test_a_2xx_answer_delivers_it_signed_with_the_subscriptions_secret(store, outcomes):
    planned, sent = outcomes
    made, delivery_id = delivery_for(store)
    planned.append(posting.Outcome(True, 204))
    assert sender(store, Clock()).send_due() == 1
    found = row(store, delivery_id)
    assert (found.status, found.attempts, found.last_status_code) == (domain.DELIVERED, 1, 204)
    ((url, headers, body),) = sent
    assert url == "https://grants.example.org/hook"
    assert headers["webhook-id"] == delivery_id
    assert headers["webhook-timestamp"] == str(int(NOW.timestamp()))
    from webhooks import signing

    assert headers["webhook-signature"] == signing.signature(
        made["secret"], webhook_id=delivery_id, timestamp=int(NOW.timestamp()), body=body
    )


def test_failures_wait_ever_longer_and_the_last_one_parks_it_with_the_reason(store, outcomes):
    planned, sent = outcomes
    _, delivery_id = delivery_for(store)
    clock = Clock()
    job = sender(store, clock, attempts=3)
    planned.extend(
        [
            posting.Outcome(False, 503, "HTTP 503"),
            posting.Outcome(False, None, "timed out (connect 5 s, answer 15 s)"),
            posting.Outcome(False, 500, "HTTP 500"),
        ]
    )
    job.send_due()
    assert row(store, delivery_id).next_attempt_at == NOW + timedelta(seconds=10)
    assert job.send_due() == 0  # not due yet
    clock.now = NOW + timedelta(seconds=10)
    job.send_due()
    second = row(store, delivery_id)
    assert second.next_attempt_at == clock.now + timedelta(seconds=40)
    assert second.last_error.startswith("timed out")
    clock.now += timedelta(seconds=40)
    job.send_due()
    parked = row(store, delivery_id)
    assert (parked.status, parked.attempts) == (domain.PARKED, 3)
    assert parked.last_error == "gave up after 3 attempts; last: HTTP 500"
    assert len(sent) == 3
    # all three tries carried the same webhook-id and the same body
    assert len({(h["webhook-id"], b) for _, h, b in sent}) == 1


def test_a_removed_subscriptions_pending_delivery_is_parked_unsent(store, outcomes):
    planned, sent = outcomes
    made, delivery_id = delivery_for(store)
    with store.transaction() as session:
        from rueda_backbone.outbox import UnitOfWork

        usecases.remove_subscription(
            {"subscription_id": made["id"]},
            uow=UnitOfWork(session, producer="webhooks", correlation_id="t"),
            now=NOW,
        )
    sender(store, Clock()).send_due()
    found = row(store, delivery_id)
    assert (found.status, found.last_error) == (domain.PARKED, "subscription removed")
    assert sent == []


def test_a_delivery_claimed_by_another_sender_is_left_alone(store, outcomes):
    planned, sent = outcomes
    _, delivery_id = delivery_for(store)
    with store.transaction() as session:
        session.execute(
            sa.update(Delivery).values(
                claimed_by="other", claimed_until=NOW + timedelta(seconds=30)
            )
        )
    assert sender(store, Clock()).send_due() == 0
    assert sent == []


def deliveries_for(store, count):
    """One event for `count` subscriptions (hook/0, hook/1, ...): their
    subscription ids and delivery ids, in that order."""
    from rueda_backbone.outbox import UnitOfWork

    with store.transaction() as session:
        uow = UnitOfWork(session, producer="webhooks", correlation_id="t")
        made = [
            usecases.create_subscription(
                {
                    "name": f"funder-{n}",
                    "url": f"https://grants.example.org/hook/{n}",
                    "event_types": ["activity_status_changed"],
                },
                uow=uow,
                now=NOW,
                settings=Settings(resolve=public_dns),
            )
            for n in range(count)
        ]
        ids = usecases.record_event({}, uow=uow, now=NOW, event=envelope())
        by_subscription = {session.get(Delivery, i).subscription_id: i for i in ids}
    return [(m["id"], by_subscription[m["id"]]) for m in made]


def test_one_delivery_that_cannot_be_built_is_parked_alone_and_the_others_go(store, outcomes):
    from rueda_backbone import metrics

    planned, sent = outcomes
    deliveries = deliveries_for(store, 3)
    with store.transaction() as session:  # a secret the signer cannot use
        session.execute(
            sa.update(Subscription)
            .where(Subscription.id == deliveries[1][0])
            .values(secret="whsec_not base64!")
        )
    planned.extend([posting.Outcome(True, 204), posting.Outcome(True, 204)])
    before = (
        metrics.REGISTRY.get_sample_value(
            "rueda_loop_item_failures_total", {"service": "webhooks", "loop": "delivery_sender"}
        )
        or 0
    )

    assert sender(store, Clock()).send_due() == 2  # the sender's batch: its concurrency
    assert sender(store, Clock()).send_due() == 1

    assert sorted(url for url, _, _ in sent) == [
        "https://grants.example.org/hook/0",
        "https://grants.example.org/hook/2",
    ]
    states = [row(store, delivery_id) for _, delivery_id in deliveries]
    assert [s.status for s in states] == [domain.DELIVERED, domain.PARKED, domain.DELIVERED]
    assert states[1].last_error.startswith("cannot be built: ")
    assert (
        metrics.REGISTRY.get_sample_value(
            "rueda_loop_item_failures_total", {"service": "webhooks", "loop": "delivery_sender"}
        )
        == before + 1
    )
    assert sender(store, Clock()).send_due() == 0  # parked: not tried again


def test_an_unexpected_error_posting_one_delivery_is_a_failed_try_of_that_one(
    store, outcomes, monkeypatch
):
    planned, sent = outcomes
    (_, first), (_, second) = deliveries_for(store, 2)
    real = posting.post

    def post(http, url, **kwargs):
        if url.endswith("/0"):
            raise UnicodeError("label too long")
        return real(http, url, **kwargs)

    monkeypatch.setattr(posting, "post", post)
    planned.append(posting.Outcome(True, 204))
    sender(store, Clock()).send_due()
    failed = row(store, first)
    assert (failed.status, failed.attempts) == (domain.PENDING, 1)
    assert failed.last_error == "could not be posted: UnicodeError: label too long"
    assert row(store, second).status == domain.DELIVERED
