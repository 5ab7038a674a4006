"""Counterparts' status updates sent by the portal as events, on the real
broker and both databases: recorded once however often they arrive, and
refused ones parked with the field at fault."""
import pytest
import sqlalchemy as sa
from rueda_backbone import metrics, tables
from rueda_backbone.database import Store
from rueda_backbone.parking import list_parked
from rueda_backbone.testing import publish_event, wait_for

from followup.models import CounterpartUpdate

pytestmark = pytest.mark.broker

QUEUE = "followup.handle_activity_update_submitted"
WORKSHOP = "4b3f1d2a-7c1e-4f0a-9d7e-2f1b8c3a5e10"
UPDATE_ID = "7e7bd921-5a1c-4f71-80fd-3ad45b9c9f21"


def consumed(outcome):
    # process-wide counter: tests compare it before and after
    return metrics.REGISTRY.get_sample_value("rueda_events_consumed_total", {
        "service": "followup", "queue": QUEUE, "outcome": outcome}) or 0


@pytest.fixture
def activity(start, http):
    start(FOLLOW_UP_TIMER_ENABLED=False)
    created = http("POST", "/activities", {
        "workshop_id": WORKSHOP, "demanding_delegation_id": "d-pe",
        "supplying_delegation_ids": ["d-br"], "topic": "food_security",
        "follow_up_on": "2026-05-10"})
    assert created.status_code == 201, created.text
    return created.json()


def update(activity_id, **extra):
    return {"update_id": UPDATE_ID, "activity_id": activity_id, "delegation_id": "d-br",
            "delegate_id": None, "text": "expert visit dates agreed",
            "submitted_at": "2026-05-19T09:30:00-05:00", **extra}


def test_an_update_published_twice_is_recorded_once_and_moves_the_follow_up_on(
        activity, http, followup_config):
    amqp, store = followup_config["AMQP_URI"], Store.for_url(followup_config["DATABASE_URL"])
    duplicates = consumed("duplicate")
    first = publish_event(amqp, "portal", "activity_update_submitted", update(activity["id"]))
    # the same envelope again (the inbox drops it), then the same update under a new event id
    publish_event(amqp, "portal", "activity_update_submitted", update(activity["id"]),
                  event_id=first.event_id)
    publish_event(amqp, "portal", "activity_update_submitted",
                  update(activity["id"], text="sent again by the portal"))

    def handled():
        with store.transaction() as session:
            inbox = session.scalar(sa.select(sa.func.count()).select_from(tables.inbox).where(
                tables.inbox.c.handler == QUEUE))
        return inbox == 2 and consumed("duplicate") == duplicates + 1
    wait_for(handled, what="all three deliveries to be settled")
    with store.transaction() as session:
        rows = session.scalars(sa.select(CounterpartUpdate)).all()
        assert [(u.update_id, u.delegation_id, u.text) for u in rows] == [
            (UPDATE_ID, "d-br", "expert visit dates agreed")]
    view = http("GET", f"/activities/{activity['id']}").json()
    assert view["follow_up_on"] == "2026-05-27"  # was 2026-05-10; proposed: a week from today
    assert view["lateness"] is None
    assert [u["text"] for u in view["updates"]] == ["expert visit dates agreed"]
    assert [(c["kind"], c["actor"], c["origin"]) for c in view["trail"]][-1] == (
        "update_posted", "d-br", "event:portal/activity_update_submitted")
    assert list_parked(store) == []


def test_an_update_from_a_foreign_delegation_is_parked_with_its_reason(
        activity, http, followup_config):
    amqp, store = followup_config["AMQP_URI"], Store.for_url(followup_config["DATABASE_URL"])
    publish_event(amqp, "portal", "activity_update_submitted",
                  update(activity["id"], delegation_id="d-cl"))
    publish_event(amqp, "portal", "activity_update_submitted",
                  update(activity["id"], update_id="79b5905f-0c6e-41f8-bbf9-2c7c9548e865", text=""))

    def both_parked():
        rows = list_parked(store)
        return rows if len(rows) == 2 else None
    parked = wait_for(both_parked, what="both refused updates to be parked")
    reasons = sorted(p.reason for p in parked)
    assert {p.queue for p in parked} == {QUEUE}
    assert reasons[0].startswith("invalid payload: payload.text")
    # a domain error is parked at once, with the field at fault
    assert reasons[1].startswith("refused: invalid: payload.delegation_id: d-cl is "
                                 "neither the demanding nor a supplying delegation")
    assert {p.attempts for p in parked} == {1}
    view = http("GET", f"/activities/{activity['id']}").json()
    assert view["updates"] == [] and view["follow_up_on"] == "2026-05-10"
