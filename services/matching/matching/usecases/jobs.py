"""Solves as jobs: staff's request and the planner's due work queue a job;
one replica claims it under a lease, reports the solver's progress, and
finishes it with the schedule it recorded (or the reason it could not).

Run once, whatever the number of replicas: a job is claimed by a guarded
UPDATE (only a queued job can be claimed, by one replica), one workshop's
jobs run one at a time (the unique `running_slot`, and on PostgreSQL a
transaction-level advisory lock per workshop around the check), and the
planner queues at most one automatic job per workshop under the same lock.
On SQLite the service's process-wide transaction lock serialises all of this.
The claim is a lease the runner renews while it solves: a replica that dies
leaves a lease that runs out, and the next replica to look puts the job back
in the queue (or fails it after MAX_ATTEMPTS).
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa
import structlog

from rueda_backbone import Invalid, NotFound, metrics

from .. import domain
from ..exceptions import JobCancelled, JobFinished, LeaseLost, PlanRefused, SolveFailed
from ..models import Schedule, SolveJob, Workshop
from .due import due_work, give_up
from .lookups import known_workshop, latest_published
from .schedules import read_problem, schedule_view

log = structlog.get_logger(__name__)

QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED = (
    "queued",
    "running",
    "succeeded",
    "failed",
    "cancelled",
)
ACTIVE = (QUEUED, RUNNING)
FINISHED = (SUCCEEDED, FAILED, CANCELLED)
AUTOMATIC = ("deadline", "replan")
# a job whose replica died this many times is failed rather than queued again
MAX_ATTEMPTS = 3
# an automatic job that failed is not queued again for its workshop before this
RETRY_AFTER = timedelta(minutes=1)
# a due plan whose automatic jobs failed this many times in a row is given up
# on (staff see the failed jobs and their error, and compute by hand)
MAX_FAILED_RUNS = 3


def _lock_key(workshop_id: str) -> int:
    digest = hashlib.blake2b(f"matching/solve/{workshop_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def lock_workshop(uow, workshop_id: str) -> bool:
    """Take the workshop's solve lock for the rest of the transaction, or
    answer False when another replica holds it (never waits, so two replicas
    locking workshops in different orders cannot deadlock). SQLite: always
    True, its transactions are serialised already."""
    session = uow.session
    if session.get_bind().dialect.name != "postgresql":
        return True
    return bool(
        session.scalar(sa.select(sa.func.pg_try_advisory_xact_lock(_lock_key(workshop_id))))
    )


def queue_solve(command: dict, *, uow, now: datetime) -> SolveJob:
    """A queued job for `workshop_id` with `trigger`, `time_limit`, the
    request's `pins`, and for an automatic re-plan `publish` and `requested_at`."""
    job = SolveJob(
        id=str(uuid.uuid4()),
        workshop_id=command["workshop_id"],
        trigger=command["trigger"],
        state=QUEUED,
        time_limit=command["time_limit"],
        pins=list(command.get("pins") or ()),
        publish=bool(command.get("publish")),
        requested_at=command.get("requested_at"),
        requested_by=(getattr(uow, "who", None) or getattr(uow, "origin", None) or "")[:200]
        or None,
        created_at=now,
        attempts=0,
    )
    uow.session.add(job)
    uow.session.flush()
    return job


def request_solve(command: dict, *, uow, now: datetime) -> dict:
    """Staff's computation: check the workshop and the request's pins now (an
    unknown program is 422, pins that obviously clash are 409 `pins_conflict`),
    then queue the solve and answer the job."""
    problem = read_problem(
        {"workshop_id": command["workshop_id"], "pins": command.get("pins") or []}, uow=uow, now=now
    )
    domain.check_pins(problem.scenario, problem.pins)
    job = queue_solve({**command, "trigger": "staff"}, uow=uow, now=now)
    return job_view(job)


def queue_due_work(
    query: dict,
    *,
    uow,
    now: datetime,
    debounce_seconds: float,
    time_limit: float,
    autopublish: bool,
) -> list[str]:
    """The planner's due work (see `due_work`) as queued jobs, at most one
    active automatic job per workshop; answers the ids of the jobs queued."""
    queued = []
    for item in due_work({}, uow=uow, now=now, debounce_seconds=debounce_seconds):
        # one workshop that cannot be queued does not stop the others
        try:
            with uow.session.begin_nested():
                job = _queue_due(
                    item, uow=uow, now=now, time_limit=time_limit, autopublish=autopublish
                )
        except (sa.exc.OperationalError, sa.exc.InterfaceError):
            raise  # the database, not the workshop: the planner tries again
        except Exception as exc:  # noqa: BLE001 - this workshop only
            metrics.LOOP_ITEM_FAILURES.labels(service="matching", loop="planner").inc()
            log.error(
                "schedule.not_queued",
                workshop_id=item.workshop_id,
                trigger=item.trigger,
                error=f"{type(exc).__name__}: {exc}",
            )
            continue
        if job is not None:
            queued.append(job.id)
    return queued


def _failed_in_a_row(uow, item) -> int:
    """How many of the latest automatic jobs for this due plan failed in a row."""
    query = (
        sa.select(SolveJob.state)
        .where(SolveJob.workshop_id == item.workshop_id, SolveJob.trigger == item.trigger)
        .order_by(SolveJob.created_at.desc(), SolveJob.id.desc())
        .limit(MAX_FAILED_RUNS)
    )
    if item.trigger == "replan":
        query = query.where(SolveJob.requested_at == item.requested_at)
    count = 0
    for state in uow.session.scalars(query):
        if state != FAILED:
            break
        count += 1
    return count


def _queue_due(item, *, uow, now: datetime, time_limit: float, autopublish: bool):
    """Queue one due plan unless a job for it is active or failed just now;
    give up on it after MAX_FAILED_RUNS failures in a row."""
    if not lock_workshop(uow, item.workshop_id):
        return None  # another replica is queueing or claiming it right now
    latest = uow.session.scalar(
        sa.select(SolveJob)
        .where(SolveJob.workshop_id == item.workshop_id, SolveJob.trigger.in_(AUTOMATIC))
        .order_by(SolveJob.created_at.desc())
        .limit(1)
        .execution_options(populate_existing=True)
    )
    if latest is not None and (
        latest.state in ACTIVE
        or (
            latest.state == FAILED
            and latest.finished_at is not None
            and now - latest.finished_at < RETRY_AFTER
        )
    ):
        return None
    if (
        latest is not None
        and latest.state == FAILED
        and (_failed_in_a_row(uow, item) >= MAX_FAILED_RUNS)
    ):
        give_up(
            {
                "workshop_id": item.workshop_id,
                "trigger": item.trigger,
                "requested_at": item.requested_at,
            },
            uow=uow,
            now=now,
        )
        log.error(
            "schedule.given_up",
            workshop_id=item.workshop_id,
            trigger=item.trigger,
            failed_runs=MAX_FAILED_RUNS,
            job_id=latest.id,
            error=(latest.error or {}).get("message"),
        )
        return None
    own = uow.session.get(Workshop, item.workshop_id).replan_autopublish
    job = queue_solve(
        {
            "workshop_id": item.workshop_id,
            "trigger": item.trigger,
            "time_limit": time_limit,
            "publish": item.trigger == "replan" and (autopublish if own is None else own),
            "requested_at": item.requested_at,
        },
        uow=uow,
        now=now,
    )
    return job


def recover_jobs(query: dict, *, uow, now: datetime) -> int:
    """Running jobs whose lease ran out (their replica died): queued again,
    cancelled if staff asked, or failed after MAX_ATTEMPTS. Answers how many."""
    expired = list(
        uow.session.scalars(
            sa.select(SolveJob).where(SolveJob.state == RUNNING, SolveJob.lease_until < now)
        )
    )
    recovered = 0
    for job in expired:
        if job.cancel_requested_at is not None:
            values = {"state": CANCELLED, "finished_at": now}
        elif job.attempts >= MAX_ATTEMPTS:
            values = {
                "state": FAILED,
                "finished_at": now,
                "error": {
                    "code": "interrupted",
                    "fields": [],
                    "message": f"the replica solving it stopped {job.attempts} times",
                },
            }
        else:
            values = {"state": QUEUED, "stage": None}
        # guarded: another replica may recover (or the owner renew) it at once
        done = uow.session.execute(
            sa.update(SolveJob)
            .where(SolveJob.id == job.id, SolveJob.state == RUNNING, SolveJob.lease_until < now)
            .values(claimed_by=None, lease_until=None, running_slot=None, **values)
            .execution_options(synchronize_session=False)
        )
        recovered += done.rowcount
        if done.rowcount and values["state"] == CANCELLED:
            stop_retrying(uow, _snapshot(job), now=now)
    return recovered


def stop_retrying(uow, job: dict, *, now: datetime) -> None:
    """An automatic job (`workshop_id`, `trigger`, `requested_at`) staff
    cancelled, or whose pins the solver refused, is not queued again by the
    planner until something changes: the deadline counts as planned, the
    re-plan request as answered. Staff compute by hand."""
    if job["trigger"] in AUTOMATIC:
        give_up(
            {key: job[key] for key in ("workshop_id", "trigger", "requested_at")}, uow=uow, now=now
        )


def claim_job(query: dict, *, uow, now: datetime, lease_seconds: float) -> dict | None:
    """The oldest queued job whose workshop has no running job, now running
    under `claimed_by`'s lease; None when there is nothing to claim."""
    candidates = uow.session.execute(
        sa.select(SolveJob.id, SolveJob.workshop_id)
        .where(SolveJob.state == QUEUED)
        .order_by(SolveJob.created_at, SolveJob.id)
        .limit(20)
    ).all()
    tried = set()
    for job_id, workshop_id in candidates:
        if workshop_id in tried:
            continue
        tried.add(workshop_id)
        if not lock_workshop(uow, workshop_id):
            continue
        busy = uow.session.scalar(
            sa.select(sa.func.count())
            .select_from(SolveJob)
            .where(SolveJob.workshop_id == workshop_id, SolveJob.state == RUNNING)
        )
        if busy:
            continue
        claimed = uow.session.execute(
            sa.update(SolveJob)
            .where(SolveJob.id == job_id, SolveJob.state == QUEUED)
            .values(
                state=RUNNING,
                claimed_by=query["claimed_by"],
                lease_until=now + timedelta(seconds=lease_seconds),
                running_slot=workshop_id,
                started_at=now,
                stage="starting",
                attempts=SolveJob.attempts + 1,
            )
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount == 1:
            job = uow.session.get(SolveJob, job_id, populate_existing=True)
            return _snapshot(job)
    return None


def _snapshot(job: SolveJob) -> dict:
    """What the runner needs of a claimed job, out of the transaction."""
    return {
        "job_id": job.id,
        "workshop_id": job.workshop_id,
        "trigger": job.trigger,
        "time_limit": job.time_limit,
        "pins": list(job.pins or ()),
        "publish": job.publish,
        "requested_at": job.requested_at,
        "claimed_by": job.claimed_by,
        "requested_by": job.requested_by,
    }


def report_progress(command: dict, *, uow, now: datetime, lease_seconds: float) -> str | None:
    """Renew `claimed_by`'s lease on `job_id` and store the solver's latest
    `progress`; answers why the solve must stop ("cancelled", "lease_lost"),
    or None to go on."""
    values = {"lease_until": now + timedelta(seconds=lease_seconds)}
    progress = command.get("progress") or {}
    if "stage" in progress:
        values["stage"] = progress["stage"]
    if progress.get("objective") is not None:
        values.update(
            objective=progress["objective"],
            bound=progress["bound"],
            solutions=progress.get("solutions"),
            progress_at=now,
        )
    renewed = uow.session.execute(
        sa.update(SolveJob)
        .where(
            SolveJob.id == command["job_id"],
            SolveJob.state == RUNNING,
            SolveJob.claimed_by == command["claimed_by"],
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if renewed.rowcount != 1:
        return "lease_lost"
    cancel = uow.session.scalar(
        sa.select(SolveJob.cancel_requested_at).where(SolveJob.id == command["job_id"])
    )
    return "cancelled" if cancel is not None else None


def finish_job(command: dict, *, uow, now: datetime) -> None:
    """End `claimed_by`'s run of `job_id` as `state`, with the recorded
    `schedule_id` and the solver's `document`, or the `error` that ended it;
    "released" puts it back in the queue (the replica is stopping). Raises
    LeaseLost when the claim is no longer this runner's (another replica took
    the job over), so the schedule recorded in the same transaction is not
    kept twice."""
    state = command["state"]
    # claimed_by stays: which replica ran it, for whoever reads the table
    values: dict = {"lease_until": None, "running_slot": None}
    if state == "released":
        values.update(state=QUEUED, stage=None, claimed_by=None, attempts=SolveJob.attempts - 1)
    else:
        values.update(state=state, finished_at=now, stage="done")
    document = command.get("document")
    if document is not None:
        values.update(objective=document["objective"], bound=document["bound"], progress_at=now)
    if command.get("schedule_id"):
        values["schedule_id"] = command["schedule_id"]
    if command.get("error") is not None:
        values["error"] = command["error"]
    done = uow.session.execute(
        sa.update(SolveJob)
        .where(
            SolveJob.id == command["job_id"],
            SolveJob.state == RUNNING,
            SolveJob.claimed_by == command["claimed_by"],
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        raise LeaseLost(f"job {command['job_id']} is no longer claimed by {command['claimed_by']}")


def _job(uow, workshop_id: str, job_id: str) -> SolveJob:
    job = uow.session.get(SolveJob, job_id, populate_existing=True)
    if job is None or job.workshop_id != workshop_id:
        raise NotFound(f"workshop {workshop_id!r} has no solve job {job_id!r}")
    return job


def show_job(query: dict, *, uow, now: datetime) -> dict:
    """The job `job_id` of `workshop_id`: its state, progress and outcome."""
    return job_view(_job(uow, query["workshop_id"], query["job_id"]))


def list_jobs(query: dict, *, uow, now: datetime) -> dict:
    """The workshop's latest `limit` jobs, newest first (staff's and the planner's)."""
    workshop_id = query["workshop_id"]
    known_workshop(uow, workshop_id)
    jobs = uow.session.scalars(
        sa.select(SolveJob)
        .where(SolveJob.workshop_id == workshop_id)
        .order_by(SolveJob.created_at.desc(), SolveJob.id)
        .limit(query.get("limit") or 20)
    )
    return {"jobs": [job_view(j) for j in jobs]}


def cancel_job(command: dict, *, uow, now: datetime) -> dict:
    """Cancel `job_id`: a queued job at once, a running one as soon as its
    replica sees the request (within a second or so; meanwhile the answer
    says `cancel_requested`). Cancelling a cancelled job changes nothing; a
    job that succeeded or failed cannot be cancelled."""
    job = _job(uow, command["workshop_id"], command["job_id"])
    if job.state in FINISHED and job.state != CANCELLED:
        raise JobFinished(f"job {job.id} has {job.state} already; nothing to cancel")
    # guarded, since a replica may claim or finish it at this very moment
    uow.session.execute(
        sa.update(SolveJob)
        .where(SolveJob.id == job.id, SolveJob.state == QUEUED)
        .values(state=CANCELLED, finished_at=now, cancel_requested_at=now)
        .execution_options(synchronize_session=False)
    )
    uow.session.execute(
        sa.update(SolveJob)
        .where(
            SolveJob.id == job.id, SolveJob.state == RUNNING, SolveJob.cancel_requested_at.is_(None)
        )
        .values(cancel_requested_at=now)
        .execution_options(synchronize_session=False)
    )
    job = uow.session.get(SolveJob, job.id, populate_existing=True)
    if job.state in (SUCCEEDED, FAILED):
        raise JobFinished(f"job {job.id} has {job.state} already; nothing to cancel")
    if job.state == CANCELLED:
        stop_retrying(uow, _snapshot(job), now=now)
    return job_view(job)


def job_outcome(job: dict, *, uow, now: datetime) -> dict:
    """What a caller waiting on a finished job (a job view) gets: the staff
    view of its schedule, or the domain error that ended it, as the
    synchronous `POST /schedule` answered before solves became jobs."""
    if job["state"] == SUCCEEDED:
        schedule = uow.session.get(Schedule, job["schedule_id"])
        return schedule_view(schedule, published=latest_published(uow, job["workshop_id"]))
    if job["state"] == CANCELLED:
        raise JobCancelled(f"job {job['job_id']} was cancelled")
    error = job.get("error") or {}
    if error.get("code") == PlanRefused.code:
        raise PlanRefused([f["message"] for f in error.get("fields") or ()])
    if error.get("code") == Invalid.code:
        raise Invalid(error.get("message") or "invalid", error.get("fields"))
    raise SolveFailed(
        f"job {job['job_id']} failed: {error.get('message', 'no reason given')}",
        code=error.get("code"),
    )


def job_view(job: SolveJob) -> dict:
    """A job for staff: what it is, where it stands, what it found."""

    def instant(value):
        return value.isoformat() if value is not None else None

    return {
        "job_id": job.id,
        "href": f"/workshops/{job.workshop_id}/schedule/jobs/{job.id}",
        "workshop_id": job.workshop_id,
        "trigger": job.trigger,
        "state": job.state,
        "time_limit": job.time_limit,
        "created_at": instant(job.created_at),
        "started_at": instant(job.started_at),
        "finished_at": instant(job.finished_at),
        "stage": job.stage,
        "objective": job.objective,
        "bound": job.bound,
        "gap": domain.gap(job.objective, job.bound) if job.objective is not None else None,
        "solutions": job.solutions,
        "progress_at": instant(job.progress_at),
        "cancel_requested": job.cancel_requested_at is not None,
        "attempts": job.attempts,
        "schedule_id": job.schedule_id,
        "error": job.error,
    }
