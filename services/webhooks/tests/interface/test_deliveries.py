"""An event on the broker becomes one signed delivery that the example
receiver verifies; a failing receiver is retried then parked; a replay is
delivered once; a duplicate event makes no second delivery."""

import json

import eventlet
import pytest

from rueda_backbone.testing import publish_event, wait_for
from webhooks import api

pytestmark = pytest.mark.broker

STATUS_CHANGED = {
    "activity_id": "a1",
    "workshop_id": "w1",
    "title": "Visit to the PAA",
    "from_state": "proposed",
    "to_state": "under_review",
    "reason": "Reviewed at the secretariat's meeting.\nNext: terms of reference.",
    "changed_by": "staff-1",
    "changed_at": "2026-05-20T13:00:00+00:00",
}


def subscribe(http, receiver, *event_types):
    made = http(
        "POST",
        "/subscriptions",
        {"name": "funder-grants", "url": receiver.url, "event_types": list(event_types)},
    )
    assert made.status_code == 201, made.text
    receiver.use_secret(made.json()["secret"])
    return made.json()


def deliveries(http, **query):
    return http("GET", "/deliveries", **query).json()["deliveries"]


def test_an_event_becomes_one_delivery_signed_so_the_example_receiver_accepts_it(
    start, http, receiver, webhooks_config
):
    start()
    subscription = subscribe(http, receiver, "activity_status_changed")
    event = publish_event(
        webhooks_config["AMQP_URI"], "followup", "activity_status_changed", STATUS_CHANGED
    )
    # an event nobody subscribed to makes nothing
    publish_event(
        webhooks_config["AMQP_URI"], "followup", "activity_proposed", {"activity_id": "a2"}
    )
    wait_for(lambda: receiver.stored, what="the receiver to store the event")
    (cloud_event,) = receiver.stored
    assert cloud_event["id"] == event.event_id
    assert cloud_event["type"] == "org.rueda.followup.activity_status_changed"
    assert cloud_event["source"] == "/rueda/followup"
    assert cloud_event["correlationid"] == event.correlation_id
    assert cloud_event["data"] == STATUS_CHANGED
    (delivery,) = wait_for(lambda: deliveries(http, status="delivered"), what="delivered")
    assert delivery["subscription_id"] == subscription["id"]
    assert delivery["event_id"] == event.event_id
    assert [r["id"] for r in receiver.requests] == [delivery["id"]]
    assert receiver.requests[0]["signature"].startswith("v1,")
    assert deliveries(http) == [delivery]


def test_a_failing_receiver_is_retried_with_the_same_webhook_id_then_parked(
    start, http, receiver, webhooks_config
):
    start()
    subscribe(http, receiver, "funding_selection_confirmed")
    receiver.failing = True
    publish_event(
        webhooks_config["AMQP_URI"],
        "followup",
        "funding_selection_confirmed",
        {"selection_id": "s1", "workshop_id": "w1"},
    )
    (parked,) = wait_for(lambda: deliveries(http, status="parked"), what="parked")
    assert parked["attempts"] == 3
    assert parked["last_status_code"] == 500
    assert parked["last_error"] == "gave up after 3 attempts; last: HTTP 500"
    assert [r["id"] for r in receiver.requests] == [parked["id"]] * 3
    # each try is signed anew (its own timestamp) over the same body
    assert len({r["body"] for r in receiver.requests}) == 1
    assert http("GET", f"/deliveries/{parked['id']}").json() == parked


def test_a_replayed_delivery_is_delivered_once(start, http, receiver, webhooks_config):
    start()
    subscribe(http, receiver, "schedule_published")
    receiver.failing = True
    event = publish_event(
        webhooks_config["AMQP_URI"],
        "matching",
        "schedule_published",
        {
            "workshop_id": "w1",
            "schedule_id": "sch1",
            "unmet": [{"delegation_id": "d1", "reason": "no seat\nleft"}],
        },
    )
    (parked,) = wait_for(lambda: deliveries(http, status="parked"), what="parked")
    receiver.failing = False
    replayed = http("POST", f"/deliveries/{parked['id']}/replay")
    assert replayed.status_code == 202
    assert replayed.json()["status"] == "pending" and replayed.json()["replays"] == 1
    (delivered,) = wait_for(lambda: deliveries(http, status="delivered"), what="delivered")
    assert delivered["id"] == parked["id"] and delivered["attempts"] == 1
    eventlet.sleep(1.0)  # ten sender passes: nothing else goes out
    assert [e["id"] for e in receiver.stored] == [event.event_id]
    assert [r["id"] for r in receiver.requests] == [parked["id"]] * 4


def test_a_duplicate_event_makes_no_second_delivery(start, http, receiver, webhooks_config):
    start()
    subscribe(http, receiver, "workshop_published")
    event = publish_event(
        webhooks_config["AMQP_URI"],
        "intake",
        "workshop_published",
        {"workshop_id": "w1", "version": 1},
    )
    publish_event(
        webhooks_config["AMQP_URI"],
        "intake",
        "workshop_published",
        {"workshop_id": "w1", "version": 1},
        event_id=event.event_id,
    )
    wait_for(lambda: deliveries(http, status="delivered"), what="delivered")
    eventlet.sleep(1.0)  # the copy was handled (or dropped) by now
    assert len(deliveries(http)) == 1
    assert len(receiver.requests) == 1 and len(receiver.stored) == 1


def test_a_private_url_is_refused_unless_the_settings_allow_it(start, http):
    start(ALLOW_PRIVATE_URLS=False)
    refused = http(
        "POST",
        "/subscriptions",
        {"name": "intranet", "url": "http://10.0.0.8/hook", "event_types": ["activity_proposed"]},
    )
    assert refused.status_code == 422
    assert refused.json()["error"] == "url_refused"
    assert refused.json()["fields"][0]["path"] == "url"
    assert http("GET", "/subscriptions", all="yes").status_code == 422
    unknown = http(
        "POST",
        "/subscriptions",
        {
            "name": "x",
            "url": "https://example.org/",
            "event_types": ["delegation_contacts_updated"],
        },
    )
    assert unknown.status_code == 422
    assert unknown.json()["fields"][0]["path"].startswith("event_types")


def test_the_openapi_document_and_the_pages_are_served_without_a_key(start, webhooks_config):
    import requests

    start()
    base = f"http://{webhooks_config['WEB_SERVER_ADDRESS']}"
    served = requests.get(f"{base}/openapi.json", timeout=10)
    assert served.status_code == 200
    assert served.json() == json.loads(json.dumps(api.openapi()))
    for page in ("/docs", "/docs/events", "/asyncapi.json"):
        assert requests.get(base + page, timeout=10).status_code == 200, page
    assert requests.get(f"{base}/deliveries", timeout=10).status_code == 401
