"""Staff and counterparts changing an activity: owners, updates, rounds, withdrawals."""
import pytest
from rueda_backbone.web import ApiError

from followup import inbound, usecases
from followup.models import Delegation

from .conftest import NOW, delegation, expression, staff

STAFF = usecases.Actor("ana", "http:test@127.0.0.1")


@pytest.fixture
def activity(uow):
    return usecases.record_expression(expression(), uow=uow, now=NOW)


def test_only_an_active_staff_member_can_own_an_activity(uow, activity):
    usecases.record_staff_member(staff("bea", "secretariat", active=False), uow=uow)
    for who in ("nobody", "bea"):
        with pytest.raises(ApiError) as refused:
            usecases.assign_owner(activity.id, {"owner_staff_id": who}, uow=uow, actor=STAFF, now=NOW)
        assert refused.value.fields[0]["path"] == "owner_staff_id"
    usecases.record_staff_member(staff("bea", "secretariat", version=2), uow=uow)
    usecases.assign_owner(activity.id, {"owner_staff_id": "bea", "reason": "back from leave"},
                          uow=uow, actor=STAFF, now=NOW)
    trail = usecases.describe(uow.session, activity, NOW, with_trail=True)["trail"]
    assert trail[-1]["kind"] == "owner_assigned" and trail[-1]["reason"] == "back from leave"


def test_only_the_activitys_delegations_post_updates(uow, activity):
    with pytest.raises(ApiError) as refused:
        usecases.post_update(activity.id, {"delegation_id": "d-cl", "text": "hello"}, uow=uow,
                             actor=STAFF, now=NOW)
    assert refused.value.status == 403
    usecases.post_update(activity.id, {"delegation_id": "d-pe", "text": "dates agreed"}, uow=uow,
                         actor=STAFF, now=NOW)
    view = usecases.describe(uow.session, activity, NOW, with_trail=True)
    assert [u["text"] for u in view["updates"]] == ["dates agreed"]
    assert view["trail"][-1]["actor"] == "d-pe"


def test_the_round_of_an_expression_is_found_in_the_latest_schedule(uow):
    activity = usecases.record_expression(
        expression(round={"session": 2, "table": 3, "program_id": "p1"}, program_id=None),
        uow=uow, now=NOW)
    assert usecases.describe(uow.session, activity, NOW)["round"]["round_id"] is None
    for revision, round_id in ((2, "r-new"), (1, "r-old")):  # the older revision arrives late
        usecases.record_schedule(inbound.SchedulePublished().load({
            "workshop_id": "w1", "revision": revision, "rounds": [
                {"round_id": round_id, "session": 2, "table": 3, "program_id": "p1",
                 "starts_at": "2026-05-14T15:00:00+00:00"}]}), uow=uow)
        uow.session.flush()
    view = usecases.describe(uow.session, activity, NOW)
    assert (view["round"]["round_id"], view["program_id"]) == ("r-new", "p1")


def test_a_withdrawn_delegation_is_shown_withdrawn_and_its_activities_stay(uow, activity):
    usecases.record_delegation(delegation("d-br", "MDS", "Brazil", version=1), uow=uow)
    with pytest.raises(LookupError):  # retried until the registration is known
        usecases.withdraw_delegation({"delegation_id": "d-xx", "version": 1}, uow=uow)
    usecases.withdraw_delegation({"delegation_id": "d-br", "version": 1}, uow=uow)
    assert uow.session.get(Delegation, "d-br").withdrawn_version == 1
    view = usecases.describe(uow.session, activity, NOW)
    assert view["supplying"][0]["withdrawn"] is True and view["state"] == "proposed"
