"""The producers' documented examples (docs/events) go through followup's
readers and use cases: what intake and matching really send becomes an activity."""
import json
from pathlib import Path

import pytest
from rueda_backbone.envelope import Envelope

from followup import inbound, usecases
from followup.models import Activity, Delegation, Program, StaffMember, Workshop

from .conftest import NOW

EVENTS = Path(__file__).resolve().parents[4] / "docs" / "events"
APPLY = {
    "workshop_published": lambda e, uow: usecases.record_workshop(e, uow=uow),
    "delegation_registered": lambda e, uow: usecases.record_delegation(e, uow=uow),
    "program_submitted": lambda e, uow: usecases.record_program(e, uow=uow),
    "staff_member_registered": lambda e, uow: usecases.record_staff_member(e, uow=uow),
    "schedule_published": lambda e, uow: usecases.record_schedule(e, uow=uow),
    "expression_of_interest_submitted": lambda e, uow: usecases.record_expression(e, uow=uow, now=NOW),
    "expression_of_interest_withdrawn": lambda e, uow: usecases.withdraw_expression(e, uow=uow, now=NOW),
}


def example(name: str) -> Envelope:
    path = EVENTS / f"{name}.example.json"
    return Envelope.from_dict(json.loads(path.read_text(encoding="utf-8")))


@pytest.mark.parametrize("name", ["workshop_published.v1", "delegation_registered.v1",
                                  "delegation_registered.v2", "program_submitted.v1",
                                  "program_submitted.v2", "staff_member_registered.v1",
                                  "schedule_published.v1"])
def test_a_documented_event_is_recorded(uow, name):
    envelope = example(name)
    APPLY[envelope.event_type](inbound.read(envelope), uow=uow)
    uow.session.flush()
    model = {"workshop_published": Workshop, "delegation_registered": Delegation,
             "program_submitted": Program, "staff_member_registered": StaffMember,
             "schedule_published": Workshop}[envelope.event_type]
    assert uow.session.query(model).count() == 1


def test_the_documented_expression_becomes_an_activity_and_its_withdrawal_withdraws_it(uow):
    submitted = example("expression_of_interest_submitted.v1")
    activity = usecases.record_expression(inbound.read(submitted), uow=uow, now=NOW)
    assert activity.demanding_delegation_id == submitted.payload["demanding_delegation_id"]
    assert activity.round_session == submitted.payload["round"]["session"]
    withdrawn = example("expression_of_interest_withdrawn.v1")
    payload = inbound.read(withdrawn)
    if payload["expression_id"] == submitted.payload["expression_id"]:
        usecases.withdraw_expression(payload, uow=uow, now=NOW)
        assert uow.session.get(Activity, activity.id).state == "withdrawn"
