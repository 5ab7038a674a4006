"""Solves as jobs, through the use cases' one shape with a fixed clock: queue,
claim under a lease, progress, cancel, finish, recovery from a replica that
died, the planner's due work queued once; and `planning.run_job`, which runs
a claimed job to its end (in-process solver, and the child process for a
cancel that must stop a solve that is under way)."""

from datetime import UTC, datetime, timedelta

import pytest

from matching import domain, exceptions, planning, usecases
from matching.models import Schedule, SolveJob, Workshop
from rueda_backbone import Invalid, NotFound

from .bench_scenarios import medium_scenario
from .conftest import PA, PB, PC, WORKSHOP, A, B, C, D

NOW = datetime(2027, 10, 24, 9, tzinfo=UTC)
LEASE = 30.0
LIMIT = 5.0


def request(db, at=NOW, **command):
    with db.transaction() as uow:
        return usecases.request_solve(
            {"workshop_id": WORKSHOP, "time_limit": LIMIT, "pins": [], **command}, uow=uow, now=at
        )


def claim(db, at=NOW, claimed_by="replica-1"):
    with db.transaction() as uow:
        return usecases.claim_job({"claimed_by": claimed_by}, uow=uow, now=at, lease_seconds=LEASE)


def job_row(db, job_id) -> SolveJob:
    with db.transaction() as uow:
        job = uow.session.get(SolveJob, job_id)
        uow.session.expunge(job)
        return job


def progress(db, job, at=NOW, claimed_by="replica-1", **figures):
    with db.transaction() as uow:
        return usecases.report_progress(
            {"job_id": job["job_id"], "claimed_by": claimed_by, "progress": figures},
            uow=uow,
            now=at,
            lease_seconds=LEASE,
        )


def test_staff_request_queues_a_job_after_checking_the_workshop_and_pins(db, workshop):
    job = request(db, pins=[{"program_id": PA, "session": 1, "table": 1}])
    assert (job["state"], job["trigger"], job["time_limit"], job["created_at"]) == (
        "queued",
        "staff",
        LIMIT,
        NOW.isoformat(),
    )
    assert job["href"] == f"/workshops/{WORKSHOP}/schedule/jobs/{job['job_id']}"
    assert job_row(db, job["job_id"]).pins == [{"program_id": PA, "session": 1, "table": 1}]
    with pytest.raises(NotFound):
        with db.transaction() as uow:
            usecases.request_solve({"workshop_id": "nope", "time_limit": 1}, uow=uow, now=NOW)
    with pytest.raises(Invalid):
        request(db, pins=[{"program_id": "not-a-program", "session": 1}])
    with pytest.raises(exceptions.PlanRefused) as refused:  # on its face: no solve needed
        request(
            db,
            pins=[
                {"program_id": PA, "session": 1, "table": 1},
                {"program_id": PB, "session": 1, "table": 1},
            ],
        )
    assert "pin of program" in refused.value.problems[0]


def test_one_job_of_a_workshop_runs_at_a_time_and_the_oldest_is_claimed_first(db, workshop):
    first, second = request(db), request(db, at=NOW + timedelta(seconds=1))
    claimed = claim(db)
    assert (claimed["job_id"], claimed["claimed_by"]) == (first["job_id"], "replica-1")
    assert claim(db, claimed_by="replica-2") is None  # same workshop, still running
    row = job_row(db, first["job_id"])
    assert (row.state, row.started_at, row.lease_until, row.attempts, row.running_slot) == (
        "running",
        NOW,
        NOW + timedelta(seconds=LEASE),
        1,
        WORKSHOP,
    )
    with db.transaction() as uow:
        usecases.finish_job(
            {
                "job_id": first["job_id"],
                "claimed_by": "replica-1",
                "state": "failed",
                "error": {"code": "x", "message": "y", "fields": []},
            },
            uow=uow,
            now=NOW,
        )
    assert claim(db, claimed_by="replica-2")["job_id"] == second["job_id"]


def test_progress_renews_the_lease_and_says_when_to_stop(db, workshop):
    job = request(db)
    claimed = claim(db)
    later = NOW + timedelta(seconds=5)
    assert (
        progress(db, claimed, at=later, stage="interests", objective=7, bound=9, solutions=3)
        is None
    )
    row = job_row(db, job["job_id"])
    assert (row.objective, row.bound, row.solutions, row.stage, row.progress_at) == (
        7,
        9,
        3,
        "interests",
        later,
    )
    assert row.lease_until == later + timedelta(seconds=LEASE)
    assert progress(db, claimed, claimed_by="someone-else") == "lease_lost"
    with db.transaction() as uow:
        view = usecases.cancel_job(
            {"workshop_id": WORKSHOP, "job_id": job["job_id"]}, uow=uow, now=later
        )
    assert (view["state"], view["cancel_requested"]) == ("running", True)
    assert view["gap"] == pytest.approx(2 / 9)
    assert progress(db, claimed) == "cancelled"


def test_finishing_needs_the_claim_so_a_job_taken_over_is_not_recorded_twice(db, workshop):
    job = request(db)
    claim(db)
    with pytest.raises(exceptions.LeaseLost):
        with db.transaction() as uow:
            usecases.finish_job(
                {"job_id": job["job_id"], "claimed_by": "replica-2", "state": "succeeded"},
                uow=uow,
                now=NOW,
            )
    with db.transaction() as uow:  # the replica stops: back in the queue, no attempt spent
        usecases.finish_job(
            {"job_id": job["job_id"], "claimed_by": "replica-1", "state": "released"},
            uow=uow,
            now=NOW,
        )
    row = job_row(db, job["job_id"])
    assert (row.state, row.attempts, row.running_slot, row.finished_at) == ("queued", 0, None, None)


def test_a_job_whose_replica_died_is_queued_again_then_failed(db, workshop):
    job = request(db)
    at = NOW
    for attempt in range(1, usecases.jobs.MAX_ATTEMPTS + 1):
        assert claim(db, at=at)["job_id"] == job["job_id"]
        at += timedelta(seconds=LEASE + 1)  # nobody renewed the lease
        with db.transaction() as uow:
            assert usecases.recover_jobs({}, uow=uow, now=at) == 1
        row = job_row(db, job["job_id"])
        if attempt < usecases.jobs.MAX_ATTEMPTS:
            assert (row.state, row.attempts, row.running_slot) == ("queued", attempt, None)
    assert (row.state, row.error["code"], row.finished_at) == ("failed", "interrupted", at)
    with db.transaction() as uow:  # a live lease is left alone
        other = usecases.request_solve({"workshop_id": WORKSHOP, "time_limit": 1}, uow=uow, now=at)
    claim(db, at=at)
    with db.transaction() as uow:
        assert usecases.recover_jobs({}, uow=uow, now=at + timedelta(seconds=LEASE - 1)) == 0
    assert job_row(db, other["job_id"]).state == "running"


def test_a_cancel_requested_before_the_replica_died_ends_the_job_cancelled(db, workshop):
    job = request(db)
    claim(db)
    with db.transaction() as uow:
        usecases.cancel_job({"workshop_id": WORKSHOP, "job_id": job["job_id"]}, uow=uow, now=NOW)
        usecases.recover_jobs({}, uow=uow, now=NOW + timedelta(seconds=LEASE + 1))
    assert job_row(db, job["job_id"]).state == "cancelled"


def test_cancelling_a_queued_job_is_at_once_and_a_finished_one_is_refused(db, workshop):
    job = request(db)
    with db.transaction() as uow:
        view = usecases.cancel_job(
            {"workshop_id": WORKSHOP, "job_id": job["job_id"]}, uow=uow, now=NOW
        )
    assert (view["state"], view["finished_at"]) == ("cancelled", NOW.isoformat())
    with db.transaction() as uow:  # again: nothing changes
        assert (
            usecases.cancel_job(
                {"workshop_id": WORKSHOP, "job_id": job["job_id"]},
                uow=uow,
                now=NOW + timedelta(minutes=1),
            )
            == view
        )
    assert claim(db) is None
    done = request(db)
    claim(db)
    with db.transaction() as uow:
        usecases.finish_job(
            {"job_id": done["job_id"], "claimed_by": "replica-1", "state": "succeeded"},
            uow=uow,
            now=NOW,
        )
    with pytest.raises(exceptions.JobFinished):
        with db.transaction() as uow:
            usecases.cancel_job(
                {"workshop_id": WORKSHOP, "job_id": done["job_id"]}, uow=uow, now=NOW
            )
    with pytest.raises(NotFound):
        with db.transaction() as uow:
            usecases.show_job(
                {"workshop_id": "another", "job_id": done["job_id"]}, uow=uow, now=NOW
            )


def queue_due(db, at):
    with db.transaction() as uow:
        return usecases.queue_due_work(
            {}, uow=uow, now=at, debounce_seconds=0, time_limit=LIMIT, autopublish=True
        )


def test_the_planner_queues_one_automatic_job_per_workshop(db, workshop):
    # the small workshop's interest deadline (2026-04-20) has passed
    (job_id,) = queue_due(db, NOW)
    assert queue_due(db, NOW + timedelta(seconds=5)) == []  # still queued
    row = job_row(db, job_id)
    assert (row.trigger, row.publish, row.time_limit) == ("deadline", False, LIMIT)
    claimed = claim(db)
    assert queue_due(db, NOW + timedelta(seconds=10)) == []  # running
    with db.transaction() as uow:
        usecases.finish_job(
            {
                **claimed,
                "state": "failed",
                "error": {"code": "solver_failed", "message": "x", "fields": []},
            },
            uow=uow,
            now=NOW + timedelta(seconds=20),
        )
    # a failed one is retried, but not in a tight loop
    assert queue_due(db, NOW + timedelta(seconds=30)) == []
    assert len(queue_due(db, NOW + timedelta(seconds=20) + usecases.jobs.RETRY_AFTER)) == 1


def test_an_automatic_job_staff_cancelled_is_not_queued_again(db, workshop):
    (job_id,) = queue_due(db, NOW)
    with db.transaction() as uow:
        usecases.cancel_job({"workshop_id": WORKSHOP, "job_id": job_id}, uow=uow, now=NOW)
        assert uow.session.get(Workshop, WORKSHOP).deadline_planned_at == NOW
    assert queue_due(db, NOW + timedelta(hours=1)) == []


def run(db, job, solver=planning.solve_in_process, at=NOW, **kwargs):
    return planning.run_job(
        job,
        transaction=db.transaction,
        clock=lambda: at,
        lease_seconds=LEASE,
        solver=solver,
        **kwargs,
    )


def test_a_claimed_job_runs_to_a_recorded_schedule_with_its_figures(db, workshop):
    job = request(db)
    assert run(db, claim(db)) == "succeeded"
    row = job_row(db, job["job_id"])
    with db.transaction() as uow:
        schedule = uow.session.get(Schedule, row.schedule_id)
        assert (row.state, row.stage, row.finished_at) == ("succeeded", "done", NOW)
        assert (row.objective, row.bound) == (
            schedule.document["objective"],
            schedule.document["bound"],
        )
        view = usecases.job_outcome(
            usecases.show_job({"workshop_id": WORKSHOP, "job_id": job["job_id"]}, uow=uow, now=NOW),
            uow=uow,
            now=NOW,
        )
    assert view["schedule_id"] == row.schedule_id and view["trigger"] == "staff"


def test_a_job_taken_over_by_another_replica_records_nothing(db, workshop):
    request(db)
    claimed = claim(db)

    def slow_solver(scenario, **kwargs):
        document = planning.solve_in_process(scenario, **kwargs)
        with db.transaction() as uow:  # meanwhile the lease ran out and replica-2 took it
            usecases.recover_jobs({}, uow=uow, now=NOW + timedelta(seconds=LEASE + 1))
        assert claim(db, at=NOW + timedelta(seconds=LEASE + 1), claimed_by="replica-2")
        return document

    assert run(db, claimed, solver=slow_solver) == "lost"
    with db.transaction() as uow:
        assert uow.session.query(Schedule).count() == 0


def test_pins_the_solver_refuses_fail_the_job_and_an_automatic_one_gives_up(db, workshop):
    (job_id,) = queue_due(db, NOW)
    claimed = claim(db)

    def refusing(scenario, **kwargs):
        raise exceptions.PlanRefused(["pinned: these rounds cannot all be kept together"])

    assert run(db, claimed, solver=refusing) == "failed"
    row = job_row(db, job_id)
    assert (row.state, row.error["code"], row.error["fields"][0]["path"]) == (
        "failed",
        "pins_conflict",
        "pins",
    )
    with db.transaction() as uow:
        assert uow.session.get(Workshop, WORKSHOP).deadline_planned_at == NOW
        with pytest.raises(exceptions.PlanRefused):
            usecases.job_outcome(
                usecases.job_view(uow.session.get(SolveJob, job_id)), uow=uow, now=NOW
            )


def test_a_solver_crash_fails_the_job_with_its_reason(db, workshop):
    job = request(db)

    def crashing(scenario, **kwargs):
        raise RuntimeError("the solver failed with status -9")

    assert run(db, claim(db), solver=crashing) == "failed"
    row = job_row(db, job["job_id"])
    assert row.error == {
        "code": "solver_failed",
        "fields": [],
        "message": "RuntimeError: the solver failed with status -9",
    }
    with pytest.raises(exceptions.SolveFailed):
        with db.transaction() as uow:
            usecases.job_outcome(
                usecases.job_view(uow.session.get(SolveJob, job["job_id"])), uow=uow, now=NOW
            )


def test_cancelling_a_running_job_stops_the_child_solver_and_keeps_its_progress(db, workshop):
    job = request(db, time_limit=60)
    claimed = claim(db)
    seen = []

    def medium(scenario, **kwargs):
        # a solve that takes its whole time unless stopped
        return planning.run_solver(medium_scenario(), **kwargs)

    def cancel_once_the_solver_reported():
        row = job_row(db, job["job_id"])
        seen.append(row.objective)
        if row.objective is not None and row.cancel_requested_at is None:
            with db.transaction() as uow:
                usecases.cancel_job(
                    {"workshop_id": WORKSHOP, "job_id": job["job_id"]}, uow=uow, now=NOW
                )
        return False

    started = datetime.now(UTC)
    state = run(
        db, claimed, solver=medium, stopping=cancel_once_the_solver_reported, poll_seconds=0.2
    )
    assert state == "cancelled"
    assert (datetime.now(UTC) - started).total_seconds() < 30  # not the 60 s limit
    row = job_row(db, job["job_id"])
    assert (row.state, row.stage, row.schedule_id) == ("cancelled", "done", None)
    assert row.objective is not None and row.bound >= row.objective  # what it had found


def test_a_stopping_replica_hands_its_running_job_back(db, workshop):
    job = request(db, time_limit=60)

    def medium(scenario, **kwargs):
        return planning.run_solver(medium_scenario(), **kwargs)

    assert run(db, claim(db), solver=medium, stopping=lambda: True, poll_seconds=0.2) == "released"
    row = job_row(db, job["job_id"])
    assert (row.state, row.attempts, row.claimed_by) == ("queued", 0, None)


def test_the_child_reports_each_stage_with_its_total_bound_and_worst_share(db):
    messages = []
    document = planning.run_solver(medium_scenario(), time_limit=2, progress=messages.append)
    assert all(
        set(m) == {"stage", "objective", "bound", "worst_share", "solutions"} for m in messages
    )
    stages = list(dict.fromkeys(m["stage"] for m in messages))
    # the default policy's stages, in order, then placing people
    assert stages == ["interests", "fairness", "total", "people"]
    found = [m for m in messages if m["objective"] is not None]
    assert found and all(m["bound"] >= m["objective"] for m in found)
    interests = [m for m in found if m["stage"] == "interests"]
    # fairness costs up to the price: the schedule never beats what the first
    # stage proved possible (its incumbent, cut by the time limit on a busy
    # machine, can be bettered by the later stages)
    assert interests[-1]["bound"] >= document["objective"]
    last = messages[-1]
    assert (last["objective"], last["bound"]) == (document["objective"], document["bound"])
    assert last["worst_share"] == document["fairness"]["worst_share"]


def test_the_fairness_policy_is_the_workshops_and_reaches_the_solver(db, workshop):
    with db.transaction() as uow:
        assert usecases.show_fairness({"workshop_id": WORKSHOP}, uow=uow, now=NOW) == {
            "workshop_id": WORKSHOP,
            "fairness": {"price": 0.05},
            "default": True,
        }
        assert usecases.read_problem({"workshop_id": WORKSHOP}, uow=uow, now=NOW).scenario[
            "workshop"
        ]["fairness"] == {"price": 0.05}
        assert (
            usecases.set_fairness({"workshop_id": WORKSHOP, "fairness": "total"}, uow=uow, now=NOW)[
                "fairness"
            ]
            == "total"
        )
    with db.transaction() as uow:
        assert (
            usecases.read_problem({"workshop_id": WORKSHOP}, uow=uow, now=NOW).scenario["workshop"][
                "fairness"
            ]
            == "total"
        )
        with pytest.raises(NotFound):
            usecases.set_fairness({"workshop_id": "nope", "fairness": "total"}, uow=uow, now=NOW)
    request(db)
    assert run(db, claim(db)) == "succeeded"
    with db.transaction() as uow:
        view = usecases.show_schedule({"workshop_id": WORKSHOP}, uow=uow, now=NOW)
    fairness = view["fairness"]
    assert fairness["policy"] == "total"
    # every delegation of the small workshop asked for something
    assert {s["delegation_id"] for s in fairness["shares"]} == {A, B, C, D}
    assert all(s["name"] for s in fairness["shares"])
    assert fairness["worst_share"] == min(s["share"] for s in fairness["shares"])


def test_a_schedule_the_solver_reported_no_fairness_for_shows_nulls():
    view = domain.fairness_view(
        {"objective": 8, "fairness": {"worst_share": 1.0, "proven": True}}, None
    )
    assert view == {
        "policy": None,
        "worst_share": 1.0,
        "proven": True,
        "shares": None,
        "below_half": None,
        "best_total": None,
        "best_total_bound": None,
        "price_paid": None,
    }
    assert (
        domain.fairness_view({"objective": 95, "fairness": {"best_total": 100}}, None)["price_paid"]
        == 0.05
    )


def test_program_ids_are_named_in_refused_pins():
    assert domain.name_pins(
        ["pinned[1].table: taken"], [{"program_id": PA}, {"program_id": PC}]
    ) == [f"pin of program {PC}.table: taken"]
