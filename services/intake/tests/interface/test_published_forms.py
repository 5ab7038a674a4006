"""Forms other systems publish as events: accepted like HTTP ones, or parked
with their reasons and replayable after a fix."""

import json
import uuid

import intake_forms
import pytest

from rueda_backbone import Envelope, Event, parking
from rueda_backbone.database import Store
from rueda_backbone.testing import publish_event, publish_raw, wait_for
from rueda_backbone.topology import topology_from_config

pytestmark = pytest.mark.broker


def parked_reasons(store):
    return {m.event_id: m for m in parking.list_parked(store)}


def test_a_published_registration_and_program_are_taken_like_http_ones(intake, config, spy):
    workshop = intake.workshop()
    delegation_id, program_id = str(uuid.uuid4()), str(uuid.uuid4())
    publish_event(
        config["AMQP_URI"],
        "portal",
        "delegation_form_submitted",
        {
            "delegation_id": delegation_id,
            **intake_forms.registration(workshop["id"]),
            "from_the_portal": "ignored",
        },
    )
    wait_for(
        lambda: intake.get(f"/delegations/{delegation_id}").status_code == 200,
        what="the registration",
    )
    publish_event(
        config["AMQP_URI"],
        "portal",
        "program_form_submitted",
        {"program_id": program_id, **intake_forms.program(delegation_id)},
    )
    publish_event(
        config["AMQP_URI"],
        "portal",
        "program_form_submitted",
        {"program_id": program_id, **intake_forms.program(delegation_id, title="PENNAT II")},
    )
    wait_for(
        lambda: intake.get(f"/programs/{program_id}").json().get("version") == 2,
        what="the revision",
    )
    events = spy(5)
    assert [(e["event_type"], e["payload"].get("version")) for e in events[1:]] == [
        ("delegation_registered", 1),
        ("delegation_contacts_updated", 1),
        ("program_submitted", 1),
        ("program_submitted", 2),
    ]


def test_a_form_from_any_system_that_may_write_to_portal_events_is_taken(intake, config):
    """What admits a system is the broker's write permission on portal.events
    (deploy/rabbitmq/systems.json), not the producer name it claims: a peer of
    the portal publishing as `portal-a` is taken like the portal itself."""
    workshop = intake.workshop()
    delegation_id = str(uuid.uuid4())
    envelope = Envelope.wrap(
        Event(
            "delegation_form_submitted",
            {"delegation_id": delegation_id, **intake_forms.registration(workshop["id"])},
        ),
        producer="portal-a",
    )
    publish_raw(
        config["AMQP_URI"],
        "portal.events",
        "delegation_form_submitted",
        envelope.to_json(),
        message_id=envelope.event_id,
    )
    wait_for(
        lambda: intake.get(f"/delegations/{delegation_id}").status_code == 200,
        what="the registration from portal-a",
    )


def test_an_invalid_published_form_is_parked_with_its_reasons_and_replayed_after_a_fix(
    intake, config
):
    store = Store.for_url(config["DATABASE_URL"])
    workshop = intake.workshop(deadline_days=-1)
    delegation = intake.delegation(workshop["id"])
    program_id = str(uuid.uuid4())
    invalid = publish_event(
        config["AMQP_URI"],
        "portal",
        "program_form_submitted",
        {**intake_forms.program(delegation["id"]), "topics": ["astrology"]},
    )
    late = publish_event(
        config["AMQP_URI"],
        "portal",
        "program_form_submitted",
        {"program_id": program_id, **intake_forms.program(delegation["id"])},
    )
    publish_raw(config["AMQP_URI"], "portal.events", "program_form_submitted", b"\x00 not json")
    parked = wait_for(
        lambda: len(parked_reasons(store)) == 3 and parked_reasons(store),
        what="three parked messages",
    )
    assert parked[invalid.event_id].reason.startswith(
        "invalid payload: payload.topics[0]: Must be one of"
    )
    assert parked[late.event_id].reason.startswith("refused: deadline_passed: the deadline")
    assert intake.get(f"/programs/{program_id}").status_code == 404

    # the fix: the secretariat grants a late window; ops replay the parked form
    until = intake_forms.workshop(deadline_days=1)["deadlines"]["programs"]
    intake.made(
        "POST",
        f"/workshops/{workshop['id']}/late-windows",
        {"delegation_id": delegation["id"], "form": "programs", "until": until},
    )
    replayed = parking.replay(
        store,
        amqp_uri=config["AMQP_URI"],
        topology=topology_from_config("intake", config),
        ids=[parked[late.event_id].id],
    )
    assert replayed == [parked[late.event_id].id]
    program = wait_for(
        lambda: (
            intake.get(f"/programs/{program_id}").status_code == 200
            and intake.get(f"/programs/{program_id}").json()
        ),
        what="the replayed form",
    )
    assert program["version"] == 1 and program["status"] == "submitted"
    # still parked, and still visible to ops: the invalid one and the garbage
    assert {m.event_id for m in parking.list_parked(store)} >= {invalid.event_id}
    assert json.loads(parking.get_parked(store, parked[invalid.event_id].id).body)["payload"]
