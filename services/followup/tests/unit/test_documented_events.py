"""The producers' documented examples (docs/events) go through followup's
consumer table as the edge passes them (the row's reader for the envelope's
version, then its use case): what intake and matching really send becomes an
activity."""

import json
from pathlib import Path

import pytest

from followup import inbound, usecases
from followup.models import Activity, Delegation, Program, StaffMember, Workshop
from rueda_backbone.envelope import Envelope

from .conftest import NOW

EVENTS = Path(__file__).resolve().parents[4] / "docs" / "events"


def example(name: str) -> Envelope:
    path = EVENTS / f"{name}.example.json"
    return Envelope.from_dict(json.loads(path.read_text(encoding="utf-8")))


def handle(envelope: Envelope, uow):
    """What the derived `handle_<type>` entrypoint does inside its unit of work."""
    row = inbound.CONSUMES.row(envelope.producer, envelope.event_type)
    uow.origin = f"event:{envelope.producer}/{envelope.event_type}"
    return row.use_case(row.read(envelope), uow=uow, now=NOW)


@pytest.mark.parametrize(
    "name",
    [
        "workshop_published.v1",
        "delegation_registered.v1",
        "delegation_registered.v2",
        "program_submitted.v1",
        "program_submitted.v2",
        "staff_member_registered.v1",
        "schedule_published.v1",
    ],
)
def test_a_documented_event_is_recorded(uow, name):
    envelope = example(name)
    handle(envelope, uow)
    uow.session.flush()
    model = {
        "workshop_published": Workshop,
        "delegation_registered": Delegation,
        "program_submitted": Program,
        "staff_member_registered": StaffMember,
        "schedule_published": Workshop,
    }[envelope.event_type]
    assert uow.session.query(model).count() == 1


def test_the_documented_expression_becomes_an_activity_and_its_withdrawal_withdraws_it(uow):
    submitted = example("expression_of_interest_submitted.v1")
    activity = handle(submitted, uow)
    assert activity.demanding_delegation_id == submitted.payload["demanding_delegation_id"]
    assert activity.round_session == submitted.payload["round"]["session"]
    withdrawn = example("expression_of_interest_withdrawn.v1")
    if withdrawn.payload["expression_id"] == submitted.payload["expression_id"]:
        handle(withdrawn, uow)
        assert uow.session.get(Activity, activity.id).state == "withdrawn"
    trail = usecases.get_activity({"activity_id": activity.id}, uow=uow, now=NOW)["trail"]
    assert (trail[0]["actor"], trail[0]["origin"]) == (
        "intake",
        "event:intake/expression_of_interest_submitted",
    )
