"""Computing, publishing and re-planning schedules from the read model, with the
real solver (in its child process) on a workshop small enough to solve at once."""

from datetime import UTC, datetime, timedelta

import pytest

from matching import domain, inbound, planning, usecases
from matching.exceptions import NotPublishable, PinDoesNotFit, PlanRefused
from matching.schemas import SchedulePublishedV2
from matching.solver import check, load_scenario, load_schedule
from rueda_backbone import Conflict

from .conftest import (
    PA,
    PB,
    PC,
    T0,
    WORKSHOP,
    A,
    B,
    C,
    D,
    delegation_event,
    interest_event,
    withdrawal,
    workshop_event,
)

LIMIT = 5.0  # proven optimal in well under a second; the limit only bounds a failure


def compute(
    db,
    *,
    trigger="staff",
    at=T0,
    publish=False,
    pins=(),
    requested_at=None,
    solver=planning.solve_in_process,
):
    return planning.compute(
        {
            "workshop_id": WORKSHOP,
            "trigger": trigger,
            "time_limit": LIMIT,
            "pins": list(pins),
            "publish": publish,
            "requested_at": requested_at,
        },
        transaction=db.transaction,
        clock=lambda: at,
        solver=solver,
    )


def publish(db, at):
    with db.transaction() as uow:
        return usecases.publish_schedule({"workshop_id": WORKSHOP}, uow=uow, now=at)


def placement(view):
    return sorted(
        (r["round_id"], r["session"], r["table"], tuple(r["attendee_delegation_ids"]))
        for r in view["rounds"]
    )


def replans(uow, now, debounce):
    return [
        d
        for d in usecases.due_work({}, uow=uow, now=now, debounce_seconds=debounce)
        if d.trigger == "replan"
    ]


def published_events(db):
    return [e.payload for e in db.outbox() if e.event_type == "schedule_published"]


def scenario_of(db):
    with db.transaction() as uow:
        return usecases.read_problem({"workshop_id": WORKSHOP}, uow=uow, now=T0)


def test_the_computed_schedule_keeps_every_rule_and_serves_every_interest(db, workshop):
    view = compute(db)
    scenario = load_scenario(scenario_of(db).scenario)
    rounds = load_schedule(
        {
            "rounds": [
                {
                    "session": r["session"],
                    "table": r["table"],
                    "program": r["program_id"],
                    "host": r["host_delegation_id"],
                    "attendees": r["attendee_delegation_ids"],
                }
                for r in view["rounds"]
            ]
        }
    ).rounds
    assert check(scenario, rounds, view["objective"]) == []
    assert (view["status"], view["objective"], view["bound"], view["gap"]) == ("optimal", 8, 8, 0.0)
    assert view["state"] == "provisional" and view["unmet"] == []


def test_rounds_carry_their_times_from_the_workshops_sessions(db, workshop):
    view = compute(db)
    for r in view["rounds"]:
        starts = T0 + timedelta(hours=r["session"] - 1)
        assert (r["starts_at"], r["ends_at"]) == (
            starts.isoformat(),
            (starts + timedelta(minutes=45)).isoformat(),
        )


def test_publishing_emits_revision_1_without_changes(db, workshop):
    compute(db)
    payload = publish(db, T0 + timedelta(minutes=1))
    (event,) = published_events(db)
    assert event == payload
    assert (payload["revision"], payload["changes"]) == (1, [])
    assert SchedulePublishedV2().load(payload)  # what the contract documents
    assert {d["delegation_id"] for d in payload["delegations"]} == {A, B, C, D}


def test_a_schedule_cannot_be_published_twice_nor_after_a_newer_revision(db, workshop):
    compute(db, at=T0)
    stale = compute(db, at=T0 + timedelta(minutes=1))
    publish(db, T0 + timedelta(minutes=2))
    with pytest.raises(NotPublishable) as already:
        publish(db, T0 + timedelta(minutes=3))
    assert isinstance(already.value, Conflict)
    compute(db, at=T0 + timedelta(minutes=4))
    publish(db, T0 + timedelta(minutes=5))
    with pytest.raises(NotPublishable), db.transaction() as uow:
        usecases.publish_schedule(
            {"workshop_id": WORKSHOP, "schedule_id": stale["schedule_id"]},
            uow=uow,
            now=T0 + timedelta(minutes=6),
        )


def test_re_planning_when_nothing_changed_moves_nothing_and_publishes_nothing(db, workshop):
    first = compute(db)
    publish(db, T0 + timedelta(minutes=1))
    again = compute(db, at=T0 + timedelta(minutes=2), trigger="replan", publish=True)
    assert placement(again) == placement(first)
    assert again["moved"]["rounds_moved"] == 0 and again["moved"]["attendees_moved"] == 0
    assert again["state"] == "provisional"
    assert len(published_events(db)) == 1


def test_a_withdrawn_program_is_re_planned_with_changes_for_each_delegation(db, workshop):
    first = compute(db)
    publish(db, T0 + timedelta(minutes=1))
    with db.transaction() as uow:
        usecases.withdraw_program(
            withdrawal("program", PB, 1, B), uow=uow, now=T0 + timedelta(minutes=2)
        )
    with db.transaction() as uow:
        assert replans(uow, T0 + timedelta(minutes=2, seconds=30), 60) == []
        (due,) = replans(uow, T0 + timedelta(minutes=3), 60)
    assert due.trigger == "replan"
    view = compute(
        db,
        at=T0 + timedelta(minutes=3),
        trigger="replan",
        publish=True,
        requested_at=due.requested_at,
    )
    assert view["revision"] == 2
    revision_2 = published_events(db)[-1]
    assert SchedulePublishedV2().load(revision_2)
    old = {r["program_id"]: r for r in first["rounds"]}
    removed = {
        (c["delegation_id"], item["program_id"])
        for c in revision_2["changes"]
        for item in c["items"]
        if item["change"] == "removed"
    }
    assert removed == {(B, PB)} | {(d, PB) for d in old[PB]["attendee_delegation_ids"]}
    assert {(u["delegation_id"], u["reason_code"]) for u in revision_2["unmet"]} == {
        (d, "program_withdrawn") for d in old[PB]["attendee_delegation_ids"]
    }
    # the rounds that stayed kept their ids, sessions and tables
    kept = {r["round_id"]: (r["session"], r["table"]) for r in revision_2["rounds"]}
    assert kept == {old[p]["round_id"]: (old[p]["session"], old[p]["table"]) for p in (PA, PC)}
    with db.transaction() as uow:
        assert replans(uow, T0 + timedelta(hours=1), 60) == []


def test_fewer_delegates_re_plans_a_published_schedule(db, workshop):
    compute(db)
    publish(db, T0 + timedelta(minutes=1))
    with db.transaction() as uow:
        usecases.record_delegation(
            delegation_event(C, "Colombia", 1, version=3), uow=uow, now=T0 + timedelta(minutes=2)
        )
        (due,) = replans(uow, T0 + timedelta(minutes=2), 0)
    assert due.trigger == "replan"


def test_withdrawals_before_anything_is_published_do_not_ask_for_a_re_plan(db, workshop):
    with db.transaction() as uow:
        usecases.withdraw_program(withdrawal("program", PB, 1, B), uow=uow, now=T0)
        assert replans(uow, T0, 0) == []


def test_the_interest_deadline_computes_one_provisional_schedule(db, workshop):
    deadline = datetime(2026, 4, 20, tzinfo=UTC)  # the fixture's interests deadline
    with db.transaction() as uow:
        assert (
            usecases.due_work({}, uow=uow, now=deadline - timedelta(seconds=1), debounce_seconds=0)
            == []
        )
        (due,) = usecases.due_work({}, uow=uow, now=deadline, debounce_seconds=0)
    view = compute(db, trigger=due.trigger, at=deadline)
    assert (view["trigger"], view["state"]) == ("deadline", "provisional")
    with db.transaction() as uow:
        assert (
            usecases.due_work({}, uow=uow, now=deadline + timedelta(days=1), debounce_seconds=0)
            == []
        )


def test_a_pinned_program_stays_where_staff_put_it(db, workshop):
    with db.transaction() as uow:
        usecases.pin_program(
            {"workshop_id": WORKSHOP, "program_id": PC, "session": 2, "table": 2}, uow=uow, now=T0
        )
    view = compute(db)
    (round_,) = [r for r in view["rounds"] if r["program_id"] == PC]
    assert (round_["session"], round_["table"]) == (2, 2)


def test_pins_outside_the_grid_are_refused_field_by_field(db, workshop):
    with pytest.raises(PinDoesNotFit) as error, db.transaction() as uow:
        usecases.pin_program(
            {"workshop_id": WORKSHOP, "program_id": PC, "session": 3, "table": 7}, uow=uow, now=T0
        )
    assert [f["path"] for f in error.value.fields] == ["session", "table"]


@pytest.mark.parametrize("solver", [planning.run_solver, planning.solve_in_process])
def test_pins_the_solver_cannot_keep_are_refused_with_its_reason(db, workshop, solver):
    with pytest.raises(PlanRefused) as error:
        compute(
            db,
            solver=solver,
            pins=[
                {"program_id": PA, "session": 1, "table": 1},
                {"program_id": PB, "session": 1, "table": 1},
            ],
        )
    assert error.value.problems == [
        f"pin of program {PB}.table: table 1 of session 1 is pinned twice"
    ]


def test_the_child_process_and_the_in_process_solver_give_the_same_schedule(db, workshop):
    inputs = scenario_of(db)
    child = planning.run_solver(inputs.scenario, time_limit=LIMIT)
    here = planning.solve_in_process(inputs.scenario, time_limit=LIMIT)
    assert (child["objective"], child["bound"], child["status"]) == (
        here["objective"],
        here["bound"],
        here["status"],
    )


def test_returned_and_withdrawn_programs_and_own_programs_are_not_offered(db, workshop):
    with db.transaction() as uow:
        usecases.withdraw_program(withdrawal("program", PB, 1, B), uow=uow, now=T0)
        usecases.review_program(
            inbound.ProgramReviewed().load(
                {
                    "program_id": PC,
                    "workshop_id": WORKSHOP,
                    "delegation_id": C,
                    "version": 1,
                    "decision": "returned",
                    "reason": "x",
                    "reviewed_at": T0.isoformat(),
                }
            ),
            uow=uow,
            now=T0,
        )
        usecases.record_interest(
            interest_event(
                "e0000009-0000-4000-8000-000000000000", A, [PA, PB, PC], at=T0 + timedelta(hours=1)
            ),
            uow=uow,
            now=T0,
        )
    inputs = scenario_of(db)
    assert [p["id"] for p in inputs.scenario["programs"]] == [PA]
    assert {(i["delegation"], tuple(i["programs"])) for i in inputs.scenario["interests"]} == {
        (B, (PA,)),
        (C, (PA,)),
        (D, (PA,)),
    }
    assert {(u["delegation_id"], u["program_id"], u["reason_code"]) for u in inputs.unmet} == {
        (B, PC, "program_returned"),
        (D, PC, "program_returned"),
        (A, PC, "program_returned"),
        (C, PB, "program_withdrawn"),
        (D, PB, "program_withdrawn"),
        (A, PB, "program_withdrawn"),
    }


def test_fractional_rank_weights_are_scaled_to_integers():
    assert domain.solver_weights([3, 2, 1]) == [3, 2, 1]
    assert domain.solver_weights([1, 0.5, 0.25]) == [100, 50, 25]
    assert domain.solver_weights(None) is None


def test_a_workshop_matching_never_heard_of_is_not_found(db):
    from rueda_backbone import NotFound

    with pytest.raises(NotFound), db.transaction() as uow:
        usecases.read_problem({"workshop_id": WORKSHOP}, uow=uow, now=T0)


def test_a_moved_session_time_re_plans_and_publishes_the_new_times(db, workshop):
    compute(db)
    publish(db, T0 + timedelta(minutes=1))
    later = workshop_event(version=2)
    later["sessions"][1]["starts_at"] += timedelta(minutes=30)
    with db.transaction() as uow:
        usecases.record_workshop(later, uow=uow, now=T0 + timedelta(minutes=2))
        (due,) = replans(uow, T0 + timedelta(minutes=2), 0)
    view = compute(
        db,
        at=T0 + timedelta(minutes=3),
        trigger="replan",
        publish=True,
        requested_at=due.requested_at,
    )
    assert view["revision"] == 2 and view["changes"] == []
    assert {r["starts_at"] for r in view["rounds"] if r["session"] == 2} == {
        (T0 + timedelta(hours=1, minutes=30)).isoformat()
    }


def test_a_re_plan_overtaken_by_a_publication_is_not_published_and_runs_again(db, workshop):
    compute(db)
    publish(db, T0 + timedelta(minutes=1))
    with db.transaction() as uow:
        usecases.withdraw_program(
            withdrawal("program", PB, 1, B), uow=uow, now=T0 + timedelta(minutes=2)
        )
        (due,) = replans(uow, T0 + timedelta(minutes=2), 0)

    def solver_while_staff_publish(scenario, **kwargs):
        compute(db, at=T0 + timedelta(minutes=3))
        publish(db, T0 + timedelta(minutes=4))
        return planning.solve_in_process(scenario, **kwargs)

    view = compute(
        db,
        at=T0 + timedelta(minutes=5),
        trigger="replan",
        publish=True,
        requested_at=due.requested_at,
        solver=solver_while_staff_publish,
    )
    assert view["state"] == "provisional"
    assert [e["revision"] for e in published_events(db)] == [1, 2]
    with db.transaction() as uow:
        assert replans(uow, T0 + timedelta(minutes=5), 0) == [due]
