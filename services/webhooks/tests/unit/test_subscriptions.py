"""Subscribing, and the one delivery per event and matching subscription."""

import json

import pytest
import sqlalchemy as sa

from rueda_backbone.cloud_events import to_structured
from webhooks import domain, usecases
from webhooks.exceptions import ReplayRefused, UrlRefused
from webhooks.models import Delivery

from .conftest import NOW, SETTINGS, envelope


def subscribe(uow, *event_types, url="https://grants.example.org/hook", name="funder"):
    return usecases.create_subscription(
        {"name": name, "url": url, "event_types": list(event_types)},
        uow=uow,
        now=NOW,
        settings=SETTINGS,
    )


def deliveries(uow):
    return list(uow.session.scalars(sa.select(Delivery).order_by(Delivery.subscription_id)))


def test_a_subscription_answers_its_secret_once_and_never_again(uow):
    made = subscribe(uow, "activity_status_changed", "funding_selection_confirmed")
    assert made["secret"].startswith("whsec_")
    assert made["event_types"] == ["activity_status_changed", "funding_selection_confirmed"]
    shown = usecases.get_subscription({"subscription_id": made["id"]}, uow=uow, now=NOW)
    listed = usecases.list_subscriptions({}, uow=uow, now=NOW)["subscriptions"]
    assert "secret" not in shown and all("secret" not in s for s in listed)
    assert made["secret"] not in json.dumps([shown, listed])


def test_a_private_url_is_refused_with_the_field_at_fault(uow):
    with pytest.raises(UrlRefused) as refused:
        subscribe(uow, "activity_proposed", url="https://169.254.169.254/")
    assert refused.value.code == "url_refused"
    assert refused.value.fields[0]["path"] == "url"


def test_an_event_becomes_one_delivery_per_subscription_that_wants_its_type(uow):
    wants = subscribe(uow, "activity_status_changed", name="funder")
    also = subscribe(uow, "activity_status_changed", "activity_proposed", name="calendar")
    subscribe(uow, "schedule_published", name="agenda")
    event = envelope("activity_status_changed")
    created = usecases.record_event({}, uow=uow, now=NOW, event=event)
    rows = deliveries(uow)
    assert len(created) == 2
    assert {row.subscription_id for row in rows} == {wants["id"], also["id"]}
    for row in rows:
        assert row.status == domain.PENDING and row.next_attempt_at == NOW
        assert row.id.startswith("msg_") and row.event_id == event.event_id
        # the body is the event as a structured CloudEvent, free text intact
        assert json.loads(row.body) == to_structured(event)
    assert len({row.id for row in rows}) == 2


def test_an_event_nobody_subscribed_to_makes_no_delivery(uow):
    subscribe(uow, "schedule_published")
    assert usecases.record_event({}, uow=uow, now=NOW, event=envelope()) == []
    assert deliveries(uow) == []


def test_a_removed_subscription_gets_no_new_deliveries(uow):
    made = subscribe(uow, "activity_status_changed")
    usecases.remove_subscription({"subscription_id": made["id"]}, uow=uow, now=NOW)
    assert usecases.record_event({}, uow=uow, now=NOW, event=envelope()) == []
    assert usecases.list_subscriptions({}, uow=uow, now=NOW)["subscriptions"] == []
    assert (
        usecases.list_subscriptions({"all": True}, uow=uow, now=NOW)["subscriptions"][0]["active"]
        is False
    )


def test_a_pending_delivery_cannot_be_replayed_and_a_parked_one_starts_afresh(uow):
    subscribe(uow, "activity_status_changed")
    (delivery_id,) = usecases.record_event({}, uow=uow, now=NOW, event=envelope())
    with pytest.raises(ReplayRefused):
        usecases.replay_delivery({"delivery_id": delivery_id}, uow=uow, now=NOW)
    row = uow.session.get(Delivery, delivery_id)
    row.status, row.attempts, row.parked_at = domain.PARKED, 8, NOW
    view = usecases.replay_delivery({"delivery_id": delivery_id}, uow=uow, now=NOW)
    assert (view["status"], view["attempts"], view["replays"]) == (domain.PENDING, 0, 1)
    assert view["id"] == delivery_id  # the same webhook-id: the receiver dedups on it


def test_the_offered_event_types_carry_no_contact_details_and_no_names():
    assert not [t for t in domain.EVENT_TYPES if t.endswith("_contacts_updated")]
    assert {"delegation_registered", "staff_member_registered"}.isdisjoint(domain.EVENT_TYPES)
