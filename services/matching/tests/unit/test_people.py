"""People at the tables: the read model keeps each delegate (from
delegation_registered v3), each program's presenters (program_submitted v3)
and each interest's attending delegates; the scenario hands them to the
solver, and the published schedule (v2) names who presents and who attends."""

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from matching import domain, inbound, planning, schemas, usecases
from matching.models import Delegation, Interest, Program, Schedule, Workshop
from matching.solver import check, load_scenario, load_schedule
from rueda_backbone.envelope import Envelope

from .conftest import (
    PA,
    PB,
    PC,
    T0,
    WORKSHOP,
    A,
    B,
    C,
    delegation_event,
    interest_event,
    people_event,
    program_event,
    workshop_event,
)

EVENTS = Path(__file__).resolve().parents[4] / "docs" / "events"
LIMIT = 5.0

A1 = "q0000000-0000-4000-8000-0000000000a1"
B1 = "q0000000-0000-4000-8000-0000000000b1"
B2 = "q0000000-0000-4000-8000-0000000000b2"


def example(name: str) -> dict:
    envelope = Envelope.from_json((EVENTS / f"{name}.example.json").read_bytes())
    return inbound.CONSUMES.read(envelope)


def seed(db, *, b_people=((B1, [1], ["pt", "es"]), (B2, [2], ["pt"]))):
    """Bolivia (one delegate, es) hosts PA; Brazil, registered with its people,
    has B1 only in session 1 and B2 only in session 2 and hosts PB, which B2
    presents; Colombia registered with an older version (2 delegates, nobody
    named) hosts PC. Brazil asks for PA and PC, Colombia for PA and PB,
    Bolivia for PB (its delegate named as the attendee)."""
    with db.transaction() as uow:
        usecases.record_workshop(workshop_event(), uow=uow, now=T0)
        usecases.record_delegation(
            people_event(A, "Bolivia", [(A1, None, ["es"])]), uow=uow, now=T0
        )
        usecases.record_delegation(people_event(B, "Brazil", list(b_people)), uow=uow, now=T0)
        usecases.record_delegation(delegation_event(C, "Colombia", 2), uow=uow, now=T0)
        usecases.record_program(program_event(PA, A, "Bono Juancito Pinto"), uow=uow, now=T0)
        usecases.record_program(
            program_event(PB, B, "Bolsa Familia", presenters=[B2]), uow=uow, now=T0
        )
        usecases.record_program(program_event(PC, C, "Red Unidos"), uow=uow, now=T0)
        for n, (d, wanted, attendees) in enumerate(
            ((B, [PA, PC], ()), (C, [PA, PB], ()), (A, [PB], [A1]))
        ):
            usecases.record_interest(
                interest_event(
                    f"e000000{n}-0000-4000-8000-000000000000", d, wanted, attendees=attendees
                ),
                uow=uow,
                now=T0,
            )


def problem(db):
    with db.transaction() as uow:
        return usecases.read_problem({"workshop_id": WORKSHOP}, uow=uow, now=T0)


def compute(db, at=T0):
    return planning.compute(
        {"workshop_id": WORKSHOP, "trigger": "staff", "time_limit": LIMIT},
        transaction=db.transaction,
        clock=lambda: at,
        solver=planning.solve_in_process,
    )


def publish(db, at):
    with db.transaction() as uow:
        return usecases.publish_schedule({"workshop_id": WORKSHOP}, uow=uow, now=at)


# -- the read model ---------------------------------------------------------------


def test_a_v3_registration_keeps_each_delegate_with_their_sessions_and_languages(db):
    with db.transaction() as uow:
        usecases.record_delegation(example("delegation_registered.v3"), uow=uow, now=T0)
        (delegation,) = uow.session.scalars(sa.select(Delegation))
        assert delegation.delegates == 1
        assert delegation.people == [
            {
                "delegate_id": "e5f1d5a2-d251-4802-b439-d15141ec1a26",
                "sessions": None,
                "languages": ["es", "pt"],
            }
        ]  # no name: nothing to erase here


def test_older_registrations_still_give_a_delegate_count_and_name_nobody(db):
    with db.transaction() as uow:
        usecases.record_delegation(example("delegation_registered.v2"), uow=uow, now=T0)
        usecases.record_delegation(delegation_event(C, "Colombia", 3), uow=uow, now=T0)
        rows = {d.id: d for d in uow.session.scalars(sa.select(Delegation))}
        assert all(d.people is None for d in rows.values())
        assert rows[C].delegates == 3


def test_a_late_older_registration_does_not_replace_the_delegates_of_a_newer_one(db):
    with db.transaction() as uow:
        usecases.record_delegation(
            people_event(B, "Brazil", [(B1, [1], ["pt"])], version=2), uow=uow, now=T0
        )
        usecases.record_delegation(
            people_event(B, "Brazil", [(B2, None, ["es"])], version=1), uow=uow, now=T0
        )
        assert uow.session.get(Delegation, B).people[0]["delegate_id"] == B1


def test_programs_keep_their_presenters_and_interests_their_attending_delegates(db):
    with db.transaction() as uow:
        usecases.record_program(example("program_submitted.v3"), uow=uow, now=T0)
        usecases.record_program(example("program_submitted.v2"), uow=uow, now=T0)
        usecases.record_interest(example("interest_submitted.v2"), uow=uow, now=T0)
        presenters = sorted(p.presenters for p in uow.session.scalars(sa.select(Program)))
        # v2 names nobody: any of the host's delegates
        assert presenters == [[], ["92e9029b-ba3c-4019-b324-d8c86910d23a"]]
        (interest,) = uow.session.scalars(sa.select(Interest))
        assert interest.attendees == ["e61f8d00-50f4-4988-8e04-d8806aef54d4"]


def test_a_delegate_present_in_other_sessions_re_plans_a_published_schedule(db):
    seed(db)
    compute(db)
    publish(db, T0 + timedelta(minutes=1))
    later = T0 + timedelta(minutes=2)
    with db.transaction() as uow:
        # only a language changes: the published rounds still hold
        usecases.record_delegation(
            people_event(B, "Brazil", [(B1, [1], ["pt"]), (B2, [2], ["pt"])], version=2),
            uow=uow,
            now=later,
        )
        assert uow.session.get(Workshop, WORKSHOP).replan_requested_at is None
        usecases.record_delegation(
            people_event(B, "Brazil", [(B1, [2], ["pt"]), (B2, [2], ["pt"])], version=3),
            uow=uow,
            now=later,
        )
        assert uow.session.get(Workshop, WORKSHOP).replan_requested_at == later


# -- the scenario -------------------------------------------------------------------


def test_the_scenario_lists_delegates_presenters_topics_and_attendees(db):
    seed(db)
    scenario = problem(db).scenario
    delegations = {d["id"]: d for d in scenario["delegations"]}
    assert delegations[B]["delegates"] == [
        {"id": B1, "available_sessions": [1], "languages": ["pt", "es"]},
        {"id": B2, "available_sessions": [2], "languages": ["pt"]},
    ]
    # present throughout: no available_sessions
    assert delegations[A]["delegates"] == [{"id": A1, "languages": ["es"]}]
    assert delegations[C]["delegates"] == 2  # an older registration: a count, as before
    programs = {p["id"]: p for p in scenario["programs"]}
    assert programs[PB] == {
        "id": PB,
        "title": "Bolsa Familia",
        "host": B,
        "topics": ["food_security"],
        "presenters": [B2],
    }
    assert "presenters" not in programs[PA]
    interests = {i["delegation"]: i for i in scenario["interests"]}
    assert interests[A]["attendees"] == [A1]
    assert "attendees" not in interests[B]
    load_scenario(scenario)  # the solver accepts it


def test_people_the_delegation_no_longer_lists_and_sessions_off_the_grid_are_dropped(db):
    seed(db, b_people=((B1, [1, 7], ["pt"]),))
    scenario = problem(db).scenario
    delegations = {d["id"]: d for d in scenario["delegations"]}
    assert delegations[B]["delegates"][0]["available_sessions"] == [1]
    programs = {p["id"]: p for p in scenario["programs"]}
    # B2 named to present PB is gone: any of Brazil's delegates may
    assert "presenters" not in programs[PB]
    load_scenario(scenario)


def test_a_delegations_seats_in_a_session_are_its_delegates_present_then(db):
    seed(db)
    view = compute(db)
    scenario = load_scenario(problem(db).scenario)
    with db.transaction() as uow:
        document = uow.session.get(Schedule, view["schedule_id"]).document
    rounds = load_schedule(document, scenario).rounds
    assert check(scenario, rounds, view["objective"], require_people=True) == []
    brazil = {}
    for r in view["rounds"]:
        people = [r["presenter_delegate_id"], *(a["delegate_id"] for a in r["attendees"])]
        named = [q for q in people if q is not None]
        assert len(named) == len(set(named))
        for q in named:
            assert (r["session"], q) not in brazil, f"{q} is in two places in one session"
            brazil[r["session"], q] = r["round_id"]
    # B1 is only there in session 1, B2 only in session 2: one seat each
    assert {q for s, q in brazil if q in (B1, B2)} <= {B1, B2}
    assert all((s, q) in ((1, B1), (2, B2)) for s, q in brazil if q in (B1, B2))
    (pb,) = [r for r in view["rounds"] if r["program_id"] == PB]
    assert (pb["session"], pb["presenter_delegate_id"]) == (2, B2)
    # Brazil hosts PB and asked for two programs, with one seat per session
    brazil_roles = [
        r
        for r in view["rounds"]
        if r["host_delegation_id"] == B or B in r["attendee_delegation_ids"]
    ]
    assert len(brazil_roles) == 2
    assert {(u["delegation_id"], u["program_id"]) for u in view["unmet"]} & {(B, PA), (B, PC)}


def test_without_people_a_delegation_keeps_its_count_of_seats(db):
    # Brazil revised as an older version with 2 delegates throughout: everything fits
    seed(db)
    with db.transaction() as uow:
        usecases.record_delegation(delegation_event(B, "Brazil", 2, version=5), uow=uow, now=T0)
    view = compute(db)
    assert view["unmet"] == []
    for r in view["rounds"]:
        if r["host_delegation_id"] == B:
            assert r["presenter_delegate_id"] is None  # nobody named


# -- what is published ---------------------------------------------------------------


def test_the_published_schedule_v2_names_presenters_attendees_fairness_and_interpretation(db):
    seed(db)
    compute(db)
    payload = publish(db, T0 + timedelta(minutes=1))
    (event,) = db.outbox()
    assert event.schema_version == 2
    assert schemas.SchedulePublishedV2().load(payload)
    rounds = {r["program_id"]: r for r in payload["rounds"]}
    assert rounds[PB]["presenter_delegate_id"] == B2
    assert rounds[PA]["presenter_delegate_id"] == A1
    assert all(
        r["presenter_delegate_id"] is None
        for r in payload["rounds"]
        if r["host_delegation_id"] == C
    )  # Colombia named nobody
    for r in payload["rounds"]:
        assert [a["delegation_id"] for a in r["attendees"]] == r["attendee_delegation_ids"]
        for a in r["attendees"]:
            if a["delegation_id"] == C:
                assert a["delegate_id"] is None  # Colombia named nobody
            elif a["delegation_id"] == A:
                assert a["delegate_id"] == A1
            else:
                assert a["delegate_id"] in (B1, B2)
    fairness = payload["fairness"]
    assert fairness["policy"] == {"kind": "price", "price": 0.05}
    assert {s["delegation_id"] for s in fairness["shares"]} == {A, B, C}
    assert fairness["worst_share"] == min(s["share"] for s in fairness["shares"])
    assert fairness["below_half"] == sum(s["share"] < 0.5 for s in fairness["shares"])
    assert fairness["best_total"] >= payload["objective"]
    assert fairness["best_total_bound"] >= fairness["best_total"]
    # B2 speaks only Portuguese and presents PB to Bolivia's Spanish speaker
    assert {"session": 2, "languages": ["pt", "es"], "round_ids": [rounds[PB]["round_id"]]} in (
        payload["interpretation"]
    )


def test_the_schedule_view_shows_the_same_people_as_the_published_event(db):
    seed(db)
    computed = compute(db)
    payload = publish(db, T0 + timedelta(minutes=1))
    assert computed["rounds"] == payload["rounds"]
    assert any(r["presenter_delegate_id"] for r in computed["rounds"])
    assert computed["interpretation"] == payload["interpretation"]


def test_a_schedule_stored_before_people_were_placed_publishes_nobody_named(db):
    seed(db)
    compute(db)
    with db.transaction() as uow:
        (schedule,) = uow.session.scalars(sa.select(Schedule))
        stored = dict(schedule.payload)
        stored["rounds"] = [
            {k: v for k, v in r.items() if k not in ("presenter_delegate_id", "attendees")}
            for r in stored["rounds"]
        ]
        del stored["fairness"], stored["interpretation"]
        schedule.payload = stored
    payload = publish(db, T0 + timedelta(minutes=1))
    assert all(r["presenter_delegate_id"] is None for r in payload["rounds"])
    assert all(a["delegate_id"] is None for r in payload["rounds"] for a in r["attendees"])
    # fairness from the solver's document, which the schedule kept
    assert payload["fairness"]["policy"] == {"kind": "price", "price": 0.05}


def test_a_re_plan_that_only_moves_people_is_published(db):
    seed(db)
    compute(db)
    before = publish(db, T0 + timedelta(minutes=1))
    moved = {
        **before,
        "rounds": [{**r, "presenter_delegate_id": "someone else"} for r in before["rounds"]],
    }
    assert usecases.schedules._differs(before, moved)
    assert not usecases.schedules._differs(before, before)


@pytest.mark.parametrize(
    "policy,expected",
    [
        ("total", {"kind": "total", "price": None}),
        ({"price": 0.1}, {"kind": "price", "price": 0.1}),
    ],
)
def test_the_published_policy_says_its_kind_and_price(policy, expected):
    document = {
        "fairness": {
            "policy": policy,
            "worst_share": 0.4,
            "below_half": ["x"],
            "best_total": 9,
            "best_total_bound": 10,
            "shares": {"x": 0.4, "y": 1.0},
        }
    }
    assert domain.fairness_published(document, None) == {
        "policy": expected,
        "worst_share": 0.4,
        "below_half": 1,
        "best_total": 9,
        "best_total_bound": 10,
        "shares": [{"delegation_id": "x", "share": 0.4}, {"delegation_id": "y", "share": 1.0}],
    }


def test_a_re_plan_starts_from_the_people_the_published_revision_placed():
    v2 = {
        "session": 1,
        "table": 2,
        "program_id": PB,
        "host_delegation_id": B,
        "attendee_delegation_ids": [A, C],
        "presenter_delegate_id": B2,
        "attendees": [
            {"delegation_id": A, "delegate_id": A1},
            {"delegation_id": C, "delegate_id": None},
        ],
    }
    v1 = {k: v for k, v in v2.items() if k not in ("presenter_delegate_id", "attendees")}
    assert domain.previous_for_solver([v2, v1], [A, B, C]) == [
        {
            "session": 1,
            "table": 2,
            "program": PB,
            "host": B,
            "attendees": [A, C],
            "presenter": B2,
            "attending_delegates": {A: A1},
        },
        {"session": 1, "table": 2, "program": PB, "host": B, "attendees": [A, C]},
    ]
    # a delegation that left takes its delegate with it
    assert "attending_delegates" not in domain.previous_for_solver([v2], [B, C])[0]
