"""One workshop whose solve fails, or whose problem cannot be read, does not
stop the others; the planner gives up on a due plan whose automatic jobs
failed MAX_FAILED_RUNS times in a row instead of retrying it every minute."""

from datetime import timedelta

import pytest
from sqlalchemy.exc import OperationalError

from matching import planning, usecases
from matching.models import SolveJob, Workshop
from matching.usecases import jobs
from rueda_backbone import metrics

from .conftest import WORKSHOP, workshop_event
from .test_jobs import NOW, claim, job_row, queue_due, run

OTHER = "w-other"


def failures(loop):
    return (
        metrics.REGISTRY.get_sample_value(
            "rueda_loop_item_failures_total", {"service": "matching", "loop": loop}
        )
        or 0
    )


def add_other_workshop(db):
    with db.transaction() as uow:
        usecases.record_workshop(workshop_event(workshop_id=OTHER), uow=uow, now=NOW)


def test_a_due_plan_that_keeps_failing_is_given_up_after_its_runs(db, workshop):
    def crashing(scenario, **kwargs):
        raise RuntimeError("the solver failed with status -9")

    at = NOW
    for _ in range(jobs.MAX_FAILED_RUNS):
        (job_id,) = queue_due(db, at)
        assert run(db, claim(db, at=at), solver=crashing, at=at) == "failed"
        at += jobs.RETRY_AFTER + timedelta(seconds=1)

    assert queue_due(db, at) == []  # given up, not retried every minute
    assert queue_due(db, at + timedelta(hours=1)) == []
    with db.transaction() as uow:
        assert uow.session.get(Workshop, WORKSHOP).deadline_planned_at == at
        states = [j.state for j in uow.session.query(SolveJob).order_by(SolveJob.created_at)]
    assert states == ["failed"] * jobs.MAX_FAILED_RUNS
    assert "status -9" in job_row(db, job_id).error["message"]


def test_one_failure_then_a_success_starts_the_count_again(db, workshop):
    def crashing(scenario, **kwargs):
        raise RuntimeError("out of memory")

    (first,) = queue_due(db, NOW)
    assert run(db, claim(db), solver=crashing) == "failed"
    with db.transaction() as uow:
        count = jobs._failed_in_a_row(uow, usecases.Due(WORKSHOP, "deadline"))
    assert count == 1
    later = NOW + jobs.RETRY_AFTER + timedelta(seconds=1)
    assert len(queue_due(db, later)) == 1  # retried: one failure is not a permanent one


def test_one_workshop_that_cannot_be_queued_does_not_stop_the_others(db, workshop, monkeypatch):
    add_other_workshop(db)
    real = jobs.queue_solve

    def queue_solve(command, *, uow, now):
        if command["workshop_id"] == OTHER:
            raise ValueError("a broken row")
        return real(command, uow=uow, now=now)

    monkeypatch.setattr(jobs, "queue_solve", queue_solve)
    before = failures("planner")

    queued = queue_due(db, NOW)

    assert [job_row(db, job_id).workshop_id for job_id in queued] == [WORKSHOP]
    assert failures("planner") == before + 1


def test_one_workshop_whose_problem_cannot_be_read_fails_alone(db, workshop, monkeypatch):
    add_other_workshop(db)
    assert len(queue_due(db, NOW)) == 2
    real = usecases.read_problem

    def read_problem(query, *, uow, now):
        if query["workshop_id"] == OTHER:
            raise KeyError("sessions")
        return real(query, uow=uow, now=now)

    monkeypatch.setattr(usecases, "read_problem", read_problem)

    ends = {}
    for _ in range(2):
        job = claim(db)
        ends[job["workshop_id"]] = run(db, job, solver=planning.solve_in_process)

    assert ends == {WORKSHOP: "succeeded", OTHER: "failed"}
    with db.transaction() as uow:
        failed = uow.session.query(SolveJob).filter_by(workshop_id=OTHER).one()
        assert failed.error["code"] == "solver_failed"
        assert "KeyError" in failed.error["message"]


def test_a_database_that_cannot_be_reached_stops_the_planner_instead(db, workshop, monkeypatch):
    def queue_solve(command, *, uow, now):
        raise OperationalError("INSERT", {}, Exception("server closed the connection"))

    monkeypatch.setattr(jobs, "queue_solve", queue_solve)
    before = failures("planner")
    with pytest.raises(OperationalError):
        queue_due(db, NOW)
    assert failures("planner") == before  # no workshop is blamed
