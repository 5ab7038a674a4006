"""matching's DependencyProviders and background loops: the solver settings,
the planner that queues due work, and the job runner that solves queued jobs.

Every replica runs both loops. The planner only queues jobs (at most one
automatic job per workshop, see usecases/jobs.py) and the runner claims one
job at a time under a lease, so with two replicas a workshop's solve and
re-plan still run once.
"""

from __future__ import annotations

import os
import socket
import uuid

import structlog
from nameko.extensions import DependencyProvider

from rueda_backbone import BackgroundJob, metrics

from . import planning, usecases

log = structlog.get_logger(__name__)


def _flag(value) -> bool:
    return str(value).lower() in ("1", "true", "yes")


class PlanningSettings:
    """Solver, job and re-planning settings, read once from the service's config."""

    def __init__(self, config: dict):
        self.time_limit = float(config.get("SOLVER_TIME_LIMIT") or 30)
        self.max_time_limit = float(config.get("SOLVER_MAX_TIME_LIMIT") or 300)
        self.autopublish = _flag(config.get("REPLAN_AUTOPUBLISH", "true"))
        self.debounce_seconds = float(config.get("REPLAN_DEBOUNCE_SECONDS", 60))
        self.poll_seconds = float(config.get("PLANNER_POLL_SECONDS") or 5)
        self.enabled = _flag(config.get("PLANNER_ENABLED", "true"))
        # how often an idle runner looks for queued jobs (other replicas' too)
        self.job_poll_seconds = float(config.get("SOLVE_JOB_POLL_SECONDS") or 2)
        # a claim not renewed for this long is taken as its replica's death
        self.lease_seconds = float(config.get("SOLVE_JOB_LEASE_SECONDS") or 30)
        # how often a running job renews its lease, saves progress, checks cancel
        self.progress_seconds = float(config.get("SOLVE_JOB_PROGRESS_SECONDS") or 1)
        self.runner_enabled = _flag(config.get("SOLVE_JOBS_ENABLED", "true"))


class JobRunner(BackgroundJob):
    """Solves queued jobs, one at a time per replica: claims the oldest one
    (putting back first the jobs of replicas that died), runs it with
    `planning.run_job`, and on shutdown hands a running job back to the queue
    for another replica instead of making the pod wait for the solve."""

    identifier = "solve_jobs"

    def setup(self):
        super().setup()
        self.settings = PlanningSettings(self.container.config)
        self.poll_interval = self.settings.job_poll_seconds
        self.replica = f"{socket.gethostname()}:{os.getpid()}"
        self.stopping = False

    @property
    def enabled(self) -> bool:
        return self.settings.runner_enabled

    def stop(self):
        self.stopping = True
        super().stop()

    def run_once(self) -> bool:
        if self.stopping:
            return False
        claimed_by = f"{self.replica}:{uuid.uuid4().hex[:8]}"
        with self.transaction() as uow:
            now = self.clock()
            recovered = usecases.recover_jobs({}, uow=uow, now=now)
            job = usecases.claim_job(
                {"claimed_by": claimed_by},
                uow=uow,
                now=now,
                lease_seconds=self.settings.lease_seconds,
            )
        if recovered:
            log.warning("schedule.jobs_recovered", count=recovered)
        if job is None:
            return False
        log.info(
            "schedule.job_started",
            job_id=job["job_id"],
            workshop_id=job["workshop_id"],
            trigger=job["trigger"],
            claimed_by=claimed_by,
        )
        # one job that fails ends as "failed" with its error (GET .../jobs/{id})
        # and the runner goes on to the next; the planner gives up on a due
        # plan after MAX_FAILED_RUNS failures in a row
        state = planning.run_job(
            job,
            transaction=self.transaction,
            clock=self.clock,
            lease_seconds=self.settings.lease_seconds,
            solver=self.solver,
            stopping=lambda: self.stopping,
            poll_seconds=self.settings.progress_seconds,
        )
        if state == "failed":
            metrics.LOOP_ITEM_FAILURES.labels(
                service=self.container.service_name, loop=self.identifier
            ).inc()
        return True

    @staticmethod
    def solver(scenario, **kwargs):
        return planning.run_solver(scenario, **kwargs)


class Planner(BackgroundJob):
    """Queues the provisional schedule of a workshop whose interest deadline
    passed, and the re-plan (published by default) of a published schedule a
    change touched once the debounce delay is over."""

    identifier = "planner"
    runner = JobRunner()

    def setup(self):
        super().setup()
        self.settings = PlanningSettings(self.container.config)
        self.poll_interval = self.settings.poll_seconds

    @property
    def enabled(self) -> bool:
        return self.settings.enabled

    def run_once(self) -> bool:
        with self.transaction() as uow:
            queued = usecases.queue_due_work(
                {},
                uow=uow,
                now=self.clock(),
                debounce_seconds=self.settings.debounce_seconds,
                time_limit=self.settings.time_limit,
                autopublish=self.settings.autopublish,
            )
        if queued:
            log.info("schedule.jobs_queued", jobs=queued)
            self.runner.wake()
        return False


class Planning(DependencyProvider):
    """What a worker sees as `self.planning`: the settings, and `wake()` to
    start the background planner now rather than at its next poll."""

    planner = Planner()
    runner = JobRunner()

    def get_dependency(self, worker_ctx):
        return self

    @property
    def settings(self) -> PlanningSettings:
        return self.planner.settings

    def wake(self) -> None:
        self.planner.wake()

    def wake_runner(self) -> None:
        self.runner.wake()
