"""A counterpart's status update sent by the portal as `activity_update_submitted`:
read like the HTTP body, applied by the same use case, recorded once per
`update_id`, refused with the payload field at fault."""

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from marshmallow import ValidationError

from followup import exceptions, inbound, usecases
from followup.exceptions import ActivityNotFound, FieldRefused, NotACounterpart
from followup.models import Activity, CounterpartUpdate
from rueda_backbone.envelope import Envelope

from .conftest import NOW

EXAMPLE = (
    Path(__file__).resolve().parents[4]
    / "docs"
    / "events"
    / "activity_update_submitted.v1.example.json"
)
PORTAL = "event:portal/activity_update_submitted"


def documented() -> Envelope:
    return Envelope.from_dict(json.loads(EXAMPLE.read_text(encoding="utf-8")))


def add_activity(uow, activity_id, demanding="d-pe", supplying=("d-br",), **extra) -> Activity:
    activity = Activity(
        id=activity_id,
        workshop_id="w1",
        demanding_delegation_id=demanding,
        supplying_delegation_ids=list(supplying),
        topic="food_security",
        activity_types=[],
        contact_delegate_ids=[],
        state="proposed",
        scores={},
        proposed_at=NOW,
        updated_at=NOW,
        follow_up_on=date(2026, 5, 10),
        **extra,
    )
    uow.session.add(activity)
    uow.session.flush()
    return activity


def update(
    activity_id="a1",
    *,
    update_id="7e7bd921-5a1c-4f71-80fd-3ad45b9c9f21",
    delegation_id="d-pe",
    **extra,
) -> dict:
    return inbound.ActivityUpdateSubmitted().load(
        {
            "update_id": update_id,
            "activity_id": activity_id,
            "delegation_id": delegation_id,
            "delegate_id": None,
            "text": "dates agreed",
            "submitted_at": "2026-05-19T09:30:00-05:00",
            **extra,
        }
    )


def post(uow, form: dict) -> dict:
    uow.origin = PORTAL  # as the consumer edge's unit of work says
    return usecases.post_update(form, uow=uow, now=NOW)


def updates(uow) -> list[CounterpartUpdate]:
    uow.session.flush()
    return uow.session.query(CounterpartUpdate).order_by(CounterpartUpdate.id).all()


# -- the reader ---------------------------------------------------------------------


def test_the_documented_update_is_recorded_on_its_activity(uow):
    envelope = documented()
    form = inbound.CONSUMES.read(envelope)
    activity = add_activity(
        uow, envelope.payload["activity_id"], demanding=envelope.payload["delegation_id"]
    )
    post(uow, form)
    [recorded] = updates(uow)
    assert (recorded.update_id, recorded.delegate_id, recorded.text) == (
        envelope.payload["update_id"],
        envelope.payload["delegate_id"],
        envelope.payload["text"],
    )
    assert recorded.activity_id == activity.id


def test_the_reader_takes_the_http_rules_and_ignores_what_it_does_not_know(uow):
    form = update(by="someone", added_later=True)
    assert "by" not in form and "added_later" not in form  # the delegation is the author
    assert form["update_id"] == "7e7bd921-5a1c-4f71-80fd-3ad45b9c9f21"
    payload = {k: v for k, v in documented().payload.items() if k != "delegate_id"}
    assert inbound.ActivityUpdateSubmitted().load(payload)["delegate_id"] is None
    with pytest.raises(ValidationError) as refused:
        update(text="", update_id="not-a-uuid", delegation_id="d" * 37)
    assert set(refused.value.messages) == {"text", "update_id", "delegation_id"}
    with pytest.raises(ValidationError) as refused:
        inbound.ActivityUpdateSubmitted().load({"text": "x"})
    assert set(refused.value.messages) == {
        "update_id",
        "activity_id",
        "delegation_id",
        "submitted_at",
    }


# -- the use case ----------------------------------------------------------------------


def test_an_update_moves_the_follow_up_on_and_is_dated_when_it_was_written(uow):
    activity = add_activity(uow, "a1")
    post(uow, update())
    assert activity.follow_up_on == date(2026, 5, 27)  # proposed: a week from "today"
    [recorded] = updates(uow)
    assert recorded.at == datetime(2026, 5, 19, 14, 30, tzinfo=UTC)
    view = usecases.get_activity({"activity_id": activity.id}, uow=uow, now=NOW)
    assert (view["trail"][-1]["kind"], view["trail"][-1]["actor"], view["trail"][-1]["origin"]) == (
        "update_posted",
        "d-pe",
        PORTAL,
    )
    assert view["updates"][0]["text"] == "dates agreed"


def test_an_update_dated_in_the_future_is_dated_when_it_arrived(uow):
    add_activity(uow, "a1")
    post(uow, update(submitted_at="2026-06-01T00:00:00+00:00"))
    assert updates(uow)[0].at == NOW


def test_the_same_update_sent_again_is_recorded_once(uow):
    activity = add_activity(uow, "a1")
    post(uow, update())
    activity.follow_up_on = date(2026, 5, 10)
    post(uow, update(text="sent again by the portal"))
    assert [u.text for u in updates(uow)] == ["dates agreed"]
    assert activity.follow_up_on == date(2026, 5, 10)  # a duplicate is no follow-up
    post(uow, update(update_id="79b5905f-0c6e-41f8-bbf9-2c7c9548e865", delegation_id="d-br"))
    assert [u.delegation_id for u in updates(uow)] == ["d-pe", "d-br"]


def test_an_update_id_already_used_on_another_activity_is_refused(uow):
    add_activity(uow, "a1")
    add_activity(uow, "a2")
    post(uow, update("a1"))
    with pytest.raises(FieldRefused) as refused:
        post(uow, update("a2"))
    assert refused.value.fields[0]["path"] == "update_id"
    assert refused.value.describe().startswith("invalid: payload.update_id: ")


def test_a_foreign_delegation_or_an_unknown_activity_is_refused_with_the_field(uow):
    add_activity(uow, "a1")
    with pytest.raises(NotACounterpart) as foreign:
        post(uow, update(delegation_id="d-cl"))
    assert exceptions.ERRORS.status_of(foreign.value) == 403  # as over HTTP
    assert foreign.value.code == "invalid"
    assert foreign.value.describe().startswith("invalid: payload.delegation_id: d-cl is neither")
    assert not exceptions.ERRORS.is_retried(foreign.value)  # parked, not retried
    with pytest.raises(ActivityNotFound) as unknown:
        post(uow, update("a-none"))
    assert unknown.value.describe() == "not_found: payload.activity_id: no activity a-none"
    assert updates(uow) == []


# -- which systems may send them ------------------------------------------------------------


def receive(uow, form: dict, producer: str, settings=None):
    uow.origin = f"event:{producer}/activity_update_submitted"
    kwargs = {} if settings is None else {"settings": settings}
    return usecases.receive_update(form, uow=uow, now=NOW, **kwargs)


def test_updates_come_from_portal_unless_the_configuration_names_others(uow):
    from followup.settings import Settings

    add_activity(uow, "a1")
    assert receive(uow, update(), "portal")["updates"][0]["text"] == "dates agreed"
    with pytest.raises(exceptions.ProducerNotAllowed):
        receive(uow, update(update_id="0b7f3f8e-52a4-4a39-9a4e-6f1c2d3e4f50"), "portal-a")
    allowed = Settings.from_config({"COUNTERPART_PRODUCERS": "portal, portal-a"})
    assert allowed.counterpart_producers == ("portal", "portal-a")
    view = receive(
        uow,
        update(update_id="0b7f3f8e-52a4-4a39-9a4e-6f1c2d3e4f50", text="from portal-a"),
        "portal-a",
        allowed,
    )
    assert [u["text"] for u in view["updates"]] == ["dates agreed", "from portal-a"]
    assert view["trail"][-1]["origin"] == "event:portal-a/activity_update_submitted"
    assert Settings.from_config({"COUNTERPART_PRODUCERS": ["portal-b"]}).counterpart_producers == (
        "portal-b",
    )
    assert Settings.from_config({}).counterpart_producers == ("portal",)


def test_an_unknown_producer_and_an_unknown_activity_are_different_reasons(uow):
    from rueda_backbone.consuming import describe_failure

    with pytest.raises(exceptions.ProducerNotAllowed) as stranger:
        receive(uow, update("no-such-activity"), "portal-b")
    with pytest.raises(ActivityNotFound) as unknown:
        receive(uow, update("no-such-activity"), "portal")
    assert describe_failure(stranger.value) == (
        "refused: producer_not_allowed: 'portal-b' may not post counterpart updates; the "
        "systems that may are portal (COUNTERPART_PRODUCERS)"
    )
    assert describe_failure(unknown.value) == (
        "refused: not_found: payload.activity_id: no activity no-such-activity"
    )
    # neither can resolve itself: both are parked at once, not retried for minutes
    assert not exceptions.ERRORS.is_retried(stranger.value)
    assert not exceptions.ERRORS.is_retried(unknown.value)
    assert exceptions.ERRORS.status_of(stranger.value) == 403


def test_an_update_with_a_control_character_is_refused_by_the_reader():
    with pytest.raises(ValidationError) as refused:
        update(text="dates\x00agreed")
    assert "text" in refused.value.messages
    assert update(text="dates agreed\non two lines")["text"] == "dates agreed\non two lines"
    with pytest.raises(ValidationError) as refused:
        update(delegation_id="d-pe\n")
    assert "delegation_id" in refused.value.messages
