"""Counterparts' status updates sent by the portal as events, on the real
broker and both databases: recorded once however often they arrive, and
refused ones parked with the field at fault."""

import pytest
import sqlalchemy as sa

from followup.models import CounterpartUpdate
from rueda_backbone import metrics, tables
from rueda_backbone.database import Store
from rueda_backbone.envelope import Envelope, Event
from rueda_backbone.parking import list_parked
from rueda_backbone.testing import publish_event, publish_raw, wait_for

pytestmark = pytest.mark.broker

QUEUE = "followup.handle_activity_update_submitted"
WORKSHOP = "4b3f1d2a-7c1e-4f0a-9d7e-2f1b8c3a5e10"
UPDATE_ID = "7e7bd921-5a1c-4f71-80fd-3ad45b9c9f21"


def consumed(outcome):
    # process-wide counter: tests compare it before and after
    return (
        metrics.REGISTRY.get_sample_value(
            "rueda_events_consumed_total",
            {"service": "followup", "queue": QUEUE, "outcome": outcome},
        )
        or 0
    )


@pytest.fixture
def activity(start, http, known):
    start(FOLLOW_UP_TIMER_ENABLED=False)
    known(WORKSHOP, ("d-pe", "Peru"), ("d-br", "Brazil"))
    created = http(
        "POST",
        "/activities",
        {
            "workshop_id": WORKSHOP,
            "demanding_delegation_id": "d-pe",
            "supplying_delegation_ids": ["d-br"],
            "topic": "food_security",
            "follow_up_on": "2026-05-10",
        },
    )
    assert created.status_code == 201, created.text
    return created.json()


def publish_as(amqp, producer, payload):
    """What another system of the network publishes on portal.events, naming itself."""
    envelope = Envelope.wrap(Event("activity_update_submitted", payload, 1), producer=producer)
    publish_raw(
        amqp,
        "portal.events",
        "activity_update_submitted",
        envelope.to_json(),
        message_id=envelope.event_id,
    )
    return envelope


def update(activity_id, **extra):
    return {
        "update_id": UPDATE_ID,
        "activity_id": activity_id,
        "delegation_id": "d-br",
        "delegate_id": None,
        "text": "expert visit dates agreed",
        "submitted_at": "2026-05-19T09:30:00-05:00",
        **extra,
    }


def test_an_update_published_twice_is_recorded_once_and_moves_the_follow_up_on(
    activity, http, followup_config
):
    amqp, store = followup_config["AMQP_URI"], Store.for_url(followup_config["DATABASE_URL"])
    duplicates = consumed("duplicate")
    first = publish_event(amqp, "portal", "activity_update_submitted", update(activity["id"]))
    # the same envelope again (the inbox drops it), then the same update under a new event id
    publish_event(
        amqp, "portal", "activity_update_submitted", update(activity["id"]), event_id=first.event_id
    )
    publish_event(
        amqp,
        "portal",
        "activity_update_submitted",
        update(activity["id"], text="sent again by the portal"),
    )

    def handled():
        with store.transaction() as session:
            inbox = session.scalar(
                sa.select(sa.func.count())
                .select_from(tables.inbox)
                .where(tables.inbox.c.handler == QUEUE)
            )
        return inbox == 2 and consumed("duplicate") == duplicates + 1

    wait_for(handled, what="all three deliveries to be settled")
    with store.transaction() as session:
        rows = session.scalars(sa.select(CounterpartUpdate)).all()
        assert [(u.update_id, u.delegation_id, u.text) for u in rows] == [
            (UPDATE_ID, "d-br", "expert visit dates agreed")
        ]
    view = http("GET", f"/activities/{activity['id']}").json()
    assert view["follow_up_on"] == "2026-05-27"  # was 2026-05-10; proposed: a week from today
    assert view["lateness"] is None
    assert [u["text"] for u in view["updates"]] == ["expert visit dates agreed"]
    assert [(c["kind"], c["actor"], c["origin"]) for c in view["trail"]][-1] == (
        "update_posted",
        "d-br",
        "event:portal/activity_update_submitted",
    )
    assert list_parked(store) == []


def test_an_update_from_a_foreign_delegation_is_parked_with_its_reason(
    activity, http, followup_config
):
    amqp, store = followup_config["AMQP_URI"], Store.for_url(followup_config["DATABASE_URL"])
    publish_event(
        amqp, "portal", "activity_update_submitted", update(activity["id"], delegation_id="d-cl")
    )
    publish_event(
        amqp,
        "portal",
        "activity_update_submitted",
        update(activity["id"], update_id="79b5905f-0c6e-41f8-bbf9-2c7c9548e865", text=""),
    )

    def both_parked():
        rows = list_parked(store)
        return rows if len(rows) == 2 else None

    parked = wait_for(both_parked, what="both refused updates to be parked")
    reasons = sorted(p.reason for p in parked)
    assert {p.queue for p in parked} == {QUEUE}
    assert reasons[0].startswith("invalid payload: payload.text")
    # a domain error is parked at once, with the field at fault
    assert reasons[1].startswith(
        "refused: invalid: payload.delegation_id: d-cl is "
        "neither the demanding nor a supplying delegation"
    )
    assert {p.attempts for p in parked} == {1}
    view = http("GET", f"/activities/{activity['id']}").json()
    assert view["updates"] == [] and view["follow_up_on"] == "2026-05-10"


def test_updates_are_taken_from_the_systems_the_configuration_names_and_no_other(
    start, http, known, followup_config
):
    """COUNTERPART_PRODUCERS, not a hard-coded name: an allowed system's update
    is recorded; another's is parked at once with a reason of its own, not
    retried and never confused with an unknown activity."""
    amqp, store = followup_config["AMQP_URI"], Store.for_url(followup_config["DATABASE_URL"])
    start(FOLLOW_UP_TIMER_ENABLED=False, COUNTERPART_PRODUCERS="portal, portal-a")
    known(WORKSHOP, ("d-pe", "Peru"), ("d-br", "Brazil"))
    activity = http(
        "POST",
        "/activities",
        {
            "workshop_id": WORKSHOP,
            "demanding_delegation_id": "d-pe",
            "supplying_delegation_ids": ["d-br"],
            "topic": "food_security",
        },
    ).json()
    publish_as(amqp, "portal-a", update(activity["id"]))
    publish_as(
        amqp, "portal-b", update(activity["id"], update_id="0b7f3f8e-52a4-4a39-9a4e-6f1c2d3e4f50")
    )
    publish_as(
        amqp,
        "portal-a",
        update("no-such-activity", update_id="1c8f4f9e-63b5-4b4a-8b5f-7a2d3e4f5a61"),
    )
    parked = wait_for(
        lambda: (lambda rows: rows if len(rows) == 2 else None)(list_parked(store)),
        what="two refused updates to be parked",
    )
    reasons = sorted(p.reason for p in parked)
    assert reasons[0].startswith(
        "refused: not_found: payload.activity_id: no activity no-such-activity"
    )
    assert reasons[1].startswith(
        "refused: producer_not_allowed: 'portal-b' may not post "
        "counterpart updates; the systems that may are portal, portal-a"
    )
    assert {p.attempts for p in parked} == {1}
    view = wait_for(
        lambda: (lambda v: v if v["updates"] else None)(
            http("GET", f"/activities/{activity['id']}").json()
        ),
        what="portal-a's update",
    )
    assert [u["text"] for u in view["updates"]] == ["expert visit dates agreed"]
    assert view["trail"][-1]["origin"] == "event:portal-a/activity_update_submitted"
