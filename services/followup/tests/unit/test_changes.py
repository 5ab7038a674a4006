"""Staff and counterparts changing an activity: owners, updates, rounds, withdrawals."""

import pytest

from followup import exceptions, inbound, usecases
from followup.exceptions import DelegationNotKnownYet, FieldRefused, NotACounterpart
from followup.models import Delegation

from .conftest import NOW, delegation, expression, staff

ORIGIN = "http:test@127.0.0.1"


def view(uow, activity) -> dict:
    return usecases.get_activity({"activity_id": activity.id}, uow=uow, now=NOW)


@pytest.fixture
def activity(uow):
    return usecases.record_expression(expression(), uow=uow, now=NOW)


def test_only_an_active_staff_member_can_own_an_activity(uow, activity):
    usecases.record_staff_member(staff("bea", "secretariat", active=False), uow=uow, now=NOW)
    uow.origin = ORIGIN
    for who in ("nobody", "bea"):
        with pytest.raises(FieldRefused) as refused:
            usecases.assign_owner(
                {"activity_id": activity.id, "owner_staff_id": who, "by": "ana"}, uow=uow, now=NOW
            )
        assert refused.value.fields[0]["path"] == "owner_staff_id"
    usecases.record_staff_member(staff("bea", "secretariat", version=2), uow=uow, now=NOW)
    answer = usecases.assign_owner(
        {
            "activity_id": activity.id,
            "owner_staff_id": "bea",
            "reason": "back from leave",
            "by": "ana",
        },
        uow=uow,
        now=NOW,
    )
    assert answer["owner_staff_id"] == "bea"
    last = answer["trail"][-1]
    assert (last["kind"], last["reason"], last["actor"], last["origin"]) == (
        "owner_assigned",
        "back from leave",
        "ana",
        ORIGIN,
    )
    assert last["details"] == {"from": None, "to": "bea"}


def test_only_the_activitys_delegations_post_updates(uow, activity):
    uow.origin = ORIGIN
    with pytest.raises(NotACounterpart) as refused:
        usecases.post_update(
            {"activity_id": activity.id, "delegation_id": "d-cl", "text": "hello"}, uow=uow, now=NOW
        )
    assert exceptions.ERRORS.status_of(refused.value) == 403
    answer = usecases.post_update(
        {"activity_id": activity.id, "delegation_id": "d-pe", "text": "dates agreed", "by": "ana"},
        uow=uow,
        now=NOW,
    )
    assert [u["text"] for u in answer["updates"]] == ["dates agreed"]
    # the delegation posts it, whoever sends it
    assert (answer["trail"][-1]["actor"], answer["trail"][-1]["origin"]) == ("d-pe", ORIGIN)


def test_the_round_of_an_expression_is_found_in_the_latest_schedule(uow):
    activity = usecases.record_expression(
        expression(round={"session": 2, "table": 3, "program_id": "p1"}, program_id=None),
        uow=uow,
        now=NOW,
    )
    assert view(uow, activity)["round"]["round_id"] is None
    for revision, round_id in ((2, "r-new"), (1, "r-old")):  # the older revision arrives late
        usecases.record_schedule(
            inbound.SchedulePublished().load(
                {
                    "workshop_id": "w1",
                    "revision": revision,
                    "rounds": [
                        {
                            "round_id": round_id,
                            "session": 2,
                            "table": 3,
                            "program_id": "p1",
                            "starts_at": "2026-05-14T15:00:00+00:00",
                        }
                    ],
                }
            ),
            uow=uow,
            now=NOW,
        )
        uow.session.flush()
    shown = view(uow, activity)
    assert (shown["round"]["round_id"], shown["program_id"]) == ("r-new", "p1")


def test_a_withdrawn_delegation_is_shown_withdrawn_and_its_activities_stay(uow, activity):
    usecases.record_delegation(delegation("d-br", "MDS", "Brazil", version=1), uow=uow, now=NOW)
    with pytest.raises(DelegationNotKnownYet) as early:
        usecases.withdraw_delegation({"delegation_id": "d-xx", "version": 1}, uow=uow, now=NOW)
    assert exceptions.ERRORS.is_retried(early.value)  # until the registration is known
    usecases.withdraw_delegation({"delegation_id": "d-br", "version": 1}, uow=uow, now=NOW)
    assert uow.session.get(Delegation, "d-br").withdrawn_version == 1
    shown = view(uow, activity)
    assert shown["supplying"][0]["withdrawn"] is True and shown["state"] == "proposed"
