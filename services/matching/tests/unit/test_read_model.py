"""matching's copy of intake's workshops, delegations, programs and interests:
the highest version wins, so duplicates and out-of-order deliveries change nothing."""

from datetime import UTC, datetime
from itertools import permutations

import pytest
import sqlalchemy as sa
from marshmallow import ValidationError

from matching import domain, inbound, usecases
from matching.models import Base, Delegation, Interest, Program, Workshop
from rueda_backbone.testing import sqlite_unit_of_work

from .conftest import (
    PA,
    T0,
    WORKSHOP,
    A,
    delegation_event,
    interest_event,
    program_event,
    withdrawal,
    workshop_event,
)


@pytest.fixture
def uow(tmp_path):
    with sqlite_unit_of_work(tmp_path / "db.sqlite3", Base.metadata, producer="matching") as uow:
        yield uow


def program(version, title):
    return {
        "program_id": "p1",
        "workshop_id": None,
        "delegation_id": "d1",
        "title": title,
        "topics": [],
        "version": version,
        "submitted_at": datetime(2026, 1, version, tzinfo=UTC),
    }


def test_a_late_older_revision_does_not_overwrite_a_newer_one(uow):
    usecases.record_program(program(2, "revised"), uow=uow, now=T0)
    usecases.record_program(program(1, "original"), uow=uow, now=T0)
    assert uow.session.scalar(sa.select(Program.title)) == "revised"


def test_a_newer_revision_replaces_the_program(uow):
    usecases.record_program(program(1, "original"), uow=uow, now=T0)
    usecases.record_program(program(3, "third"), uow=uow, now=T0)
    assert uow.session.scalar(sa.select(Program.version)) == 3


def apply(event, uow):
    kind, payload = event
    if kind == "submitted":
        usecases.record_program(payload, uow=uow, now=T0)
    elif kind == "withdrawn":
        usecases.withdraw_program(payload, uow=uow, now=T0)
    else:
        usecases.review_program(payload, uow=uow, now=T0)


def program_state(uow):
    p = uow.session.get(Program, PA)
    return (p.version, p.title, p.withdrawn, domain.schedulable_program(p))


PROGRAM_HISTORY = [
    ("submitted", program_event(PA, A, "first", version=1)),
    ("submitted", program_event(PA, A, "second", version=2)),
    ("withdrawn", withdrawal("program", PA, 2, A)),
    ("submitted", program_event(PA, A, "third", version=3)),
]


@pytest.mark.parametrize("order", list(permutations(range(4))))
def test_any_delivery_order_of_a_programs_history_ends_in_the_same_state(tmp_path, order):
    with sqlite_unit_of_work(tmp_path / "db.sqlite3", Base.metadata) as uow:
        for index in order:
            apply(PROGRAM_HISTORY[index], uow)
            apply(PROGRAM_HISTORY[index], uow)  # and every event twice
        assert program_state(uow) == (3, "third", False, True)


def test_a_withdrawal_that_overtakes_its_submission_keeps_the_program_out(uow):
    usecases.withdraw_program(withdrawal("program", PA, 1, A), uow=uow, now=T0)
    usecases.record_program(program_event(PA, A, "late", version=1), uow=uow, now=T0)
    assert uow.session.get(Program, PA).withdrawn


def test_a_returned_program_is_scheduled_again_from_its_next_revision(uow):
    review = inbound.ProgramReviewed().load(
        {
            "program_id": PA,
            "workshop_id": WORKSHOP,
            "delegation_id": A,
            "version": 1,
            "decision": "returned",
            "reason": "no objectives",
            "reviewed_at": T0.isoformat(),
        }
    )
    usecases.review_program(review, uow=uow, now=T0)  # before its submission, even
    usecases.record_program(program_event(PA, A, "first", version=1), uow=uow, now=T0)
    assert not domain.schedulable_program(uow.session.get(Program, PA))
    usecases.record_program(program_event(PA, A, "second", version=2), uow=uow, now=T0)
    assert domain.schedulable_program(uow.session.get(Program, PA))


def test_an_accepted_review_changes_nothing(uow):
    usecases.record_program(program_event(PA, A, "first"), uow=uow, now=T0)
    review = inbound.ProgramReviewed().load(
        {
            "program_id": PA,
            "workshop_id": WORKSHOP,
            "delegation_id": A,
            "version": 1,
            "decision": "accepted",
            "reason": None,
            "reviewed_at": T0.isoformat(),
        }
    )
    usecases.review_program(review, uow=uow, now=T0)
    assert domain.schedulable_program(uow.session.get(Program, PA))


def test_a_delegation_withdrawn_at_its_version_stays_out_until_a_later_registration(uow):
    usecases.record_delegation(delegation_event(A, "Bolivia", 2, version=1), uow=uow, now=T0)
    usecases.withdraw_delegation(withdrawal("delegation", A, 1), uow=uow, now=T0)
    usecases.record_delegation(delegation_event(A, "Bolivia", 2, version=1), uow=uow, now=T0)
    assert uow.session.get(Delegation, A).withdrawn
    usecases.record_delegation(delegation_event(A, "Bolivia", 1, version=2), uow=uow, now=T0)
    delegation = uow.session.get(Delegation, A)
    assert (delegation.withdrawn, delegation.delegates) == (False, 1)


def test_a_version_1_registration_without_workshop_is_still_read(uow):
    v1 = inbound.DelegationRegistered().load(
        {
            "delegation_id": A,
            "country": "Bolivia",
            "institution": "Ministerio",
            "acronym": None,
            "kind": "ministry",
            "working_languages": ["es"],
            "registered_at": T0.isoformat(),
            "delegates": [
                {
                    "delegate_id": "x",
                    "name": "n",
                    "role": None,
                    "language": "es",
                    "is_focal_point": True,
                }
            ],
        }
    )
    usecases.record_delegation(v1, uow=uow, now=T0)
    delegation = uow.session.get(Delegation, A)
    assert (delegation.version, delegation.workshop_id, delegation.delegates) == (1, None, 1)


def test_a_withdrawn_interest_reopens_with_a_later_submission(uow):
    iid = "e0000000-0000-4000-8000-000000000009"
    usecases.record_interest(interest_event(iid, A, [PA]), uow=uow, now=T0)
    usecases.withdraw_interest(withdrawal("interest", iid, 1, A), uow=uow, now=T0)
    usecases.record_interest(interest_event(iid, A, [PA]), uow=uow, now=T0)  # duplicate of v1
    assert uow.session.get(Interest, iid).withdrawn
    usecases.record_interest(interest_event(iid, A, [PA], version=2), uow=uow, now=T0)
    assert not uow.session.get(Interest, iid).withdrawn


def test_an_older_workshop_version_changes_nothing_and_a_moved_deadline_rearms_the_plan(uow):
    usecases.record_workshop(workshop_event(version=2, tables_per_session=5), uow=uow, now=T0)
    usecases.record_workshop(workshop_event(version=1, tables_per_session=9), uow=uow, now=T0)
    workshop = uow.session.get(Workshop, WORKSHOP)
    assert workshop.tables_per_session == 5
    workshop.deadline_planned_at = T0
    later = workshop_event(version=3)
    later["deadlines"]["interests"] = T0
    usecases.record_workshop(later, uow=uow, now=T0)
    assert workshop.deadline_planned_at is None and workshop.interests_deadline == T0


def test_bad_payloads_are_refused_field_by_field():
    with pytest.raises(ValidationError) as error:
        inbound.WorkshopPublished().load({"workshop_id": WORKSHOP, "version": 0})
    messages = error.value.messages
    assert "version" in messages and "sessions" in messages and "tables_per_session" in messages


def test_the_automatic_plan_waits_for_the_last_late_window_for_interests(uow):
    event = workshop_event()
    event["late_windows"] = inbound.WorkshopPublished().load(
        {
            **_raw_workshop(),
            "late_windows": [
                {"delegation_id": A, "form": "interests", "until": "2026-04-25T00:00:00+00:00"},
                {"delegation_id": A, "form": "programs", "until": "2026-04-30T00:00:00+00:00"},
            ],
        }
    )["late_windows"]
    usecases.record_workshop(event, uow=uow, now=T0)
    assert uow.session.get(Workshop, WORKSHOP).interests_deadline == datetime(
        2026, 4, 25, tzinfo=UTC
    )


def _raw_workshop():
    event = workshop_event()
    raw = {
        **event,
        "sessions": [
            {"number": s["number"], "starts_at": s["starts_at"].isoformat()}
            for s in event["sessions"]
        ],
        "deadlines": {"interests": event["deadlines"]["interests"].isoformat()},
    }
    return raw
