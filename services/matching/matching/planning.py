"""Computing a schedule: read the problem, solve it in a child process, record
the plan, in that order and never inside one transaction.

CP-SAT holds a CPU for up to the time limit (and the GIL while the model is
built); inside the service's eventlet hub that would stall every HTTP request
and event. `rueda-match solve` in a child process keeps the hub free (eventlet's
green Popen waits cooperatively), caps the solver's memory to that process and
reuses the command's input checks. And SQLite holds a process-wide lock during
a transaction, so none may stay open for a solve: `compute` runs the use cases
`read_problem` and `record_plan` in two short transactions of their own, with
the solve between them.

Every solve is a job (usecases/jobs.py): staff's `POST /schedule` and the
planner queue one, and a replica's job runner claims it and calls `run_job`,
which feeds the child's progress into the job, renews its lease and stops
the child when the job is cancelled. Tests and scripts call `compute` directly.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import AbstractContextManager

import eventlet
import structlog
from eventlet.green import subprocess

from rueda_backbone import DomainError
from rueda_backbone.clock import Now

from . import usecases
from .domain import name_pins
from .exceptions import LeaseLost, PlanRefused

log = structlog.get_logger(__name__)

BAD_INPUT = 2


class SolveStopped(Exception):
    """The solve was stopped before it ended: `reason` is what `should_stop`
    answered ("cancelled", "lease_lost", "shutting_down")."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(f"the solve was stopped: {reason}")


Progress = Callable[[dict], None]
ShouldStop = Callable[[], str | None]


def run_solver(
    scenario: dict,
    *,
    time_limit: float,
    pins=(),
    previous=None,
    progress: Progress | None = None,
    should_stop: ShouldStop | None = None,
    poll_seconds: float = 1.0,
) -> dict:
    """The solver's schedule document for a scenario dict; raises PlanRefused on bad input.

    The child reports the solver's progress as JSON lines (see
    solve_process.py), each handed to `progress`; every `poll_seconds`
    `should_stop()` may answer a reason to stop, and the child is then
    terminated and SolveStopped raised.
    """
    with tempfile.TemporaryDirectory(prefix="rueda-match-") as folder:
        scenario_path = os.path.join(folder, "scenario.json")
        output_path = os.path.join(folder, "schedule.json")
        with open(scenario_path, "w", encoding="utf-8") as handle:
            json.dump(scenario, handle)
        command = [
            sys.executable,
            "-m",
            "matching.solve_process",
            "solve",
            scenario_path,
            "-o",
            output_path,
            "--time-limit",
            str(time_limit),
        ]
        if previous is not None:
            previous_path = os.path.join(folder, "previous.json")
            with open(previous_path, "w", encoding="utf-8") as handle:
                json.dump({"workshop": scenario["workshop"]["id"], "rounds": previous}, handle)
            command += ["--previous", previous_path]
        for pin in pins:
            where = f"{pin['session']}:{pin['table']}" if pin.get("table") else str(pin["session"])
            command += ["--pin", f"{where}:{pin['program_id']}"]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        errors = eventlet.spawn(process.stderr.read)
        reports = eventlet.spawn(_read_progress, process.stdout, progress)
        try:
            _wait(
                process, time_limit=time_limit, should_stop=should_stop, poll_seconds=poll_seconds
            )
        finally:
            reports.wait()
            stderr = errors.wait().decode("utf-8", "replace")
        if process.returncode == BAD_INPUT:
            raise PlanRefused(
                name_pins(
                    [
                        line.removeprefix("rueda-match: ").removeprefix("--pin: ")
                        for line in stderr.splitlines()
                        if line.strip()
                    ],
                    pins,
                )
            )
        if process.returncode != 0:
            raise RuntimeError(
                f"the solver failed with status {process.returncode}: {stderr.strip()[-500:]}"
            )
        with open(output_path, encoding="utf-8") as handle:
            return json.load(handle)


def _read_progress(stream, progress: Progress | None) -> None:
    for line in iter(stream.readline, b""):
        try:
            message = json.loads(line)
        except ValueError:
            continue
        if progress is not None and isinstance(message, dict):
            progress(message)


def _wait(
    process, *, time_limit: float, should_stop: ShouldStop | None, poll_seconds: float
) -> None:
    # generous: the solver stops itself at the time limit, plus start-up
    deadline = time.monotonic() + time_limit * 3 + 60
    while True:
        try:
            process.wait(timeout=poll_seconds)
            return
        except subprocess.TimeoutExpired:
            pass
        reason = should_stop() if should_stop is not None else None
        if reason is None and time.monotonic() > deadline:
            _stop(process)
            raise RuntimeError(f"the solver did not stop within {time_limit * 3 + 60:.0f} s")
        if reason is not None:
            _stop(process)
            raise SolveStopped(reason)


def _stop(process) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def solve_in_process(
    scenario: dict,
    *,
    time_limit: float,
    pins=(),
    previous=None,
    progress: Progress | None = None,
    should_stop: ShouldStop | None = None,
    poll_seconds: float = 1.0,
) -> dict:
    """`run_solver` without the child process, for tests and scripts that own
    their thread; never call it from a service worker (it blocks the hub).
    It reports progress like the child does; `should_stop` is asked once,
    after the solve (nothing can interrupt CP-SAT here)."""
    from .solve_process import Reporter
    from .solver import Pin, ScenarioError, load_scenario, load_schedule, plan, schedule_document

    try:
        loaded = load_scenario(scenario)
        rounds = None if previous is None else load_schedule({"rounds": previous}, loaded).rounds
        result = plan(
            loaded,
            time_limit=time_limit,
            previous=rounds,
            pinned=[
                Pin(session=p["session"], table=p.get("table"), program=p["program_id"])
                for p in pins
            ],
            on_progress=Reporter(progress) if progress is not None else None,
        )
    except ScenarioError as error:
        raise PlanRefused(name_pins(error.problems, pins)) from None
    reason = should_stop() if should_stop is not None else None
    if reason is not None:
        raise SolveStopped(reason)
    return json.loads(json.dumps(schedule_document(result)))


Transactions = Callable[[], AbstractContextManager]


def compute(
    command: dict,
    *,
    transaction: Transactions,
    clock: Now,
    solver=run_solver,
    job: dict | None = None,
) -> dict:
    """Solve `workshop_id` within `time_limit` seconds and store the result as
    computed by `trigger` for `requested_by` (with the request's `pins`; with
    `publish` and `requested_at` for an automatic re-plan, see
    `usecases.record_plan`).
    Returns the staff view of the stored schedule; raises PlanRefused when the
    solver refuses the pins. For a `job` (`job_id`, `claimed_by`), the job is
    finished in the transaction that records the schedule, so the schedule is
    kept only while the claim is still this runner's."""
    with transaction() as uow:
        problem = usecases.read_problem(
            {"workshop_id": command["workshop_id"], "pins": command.get("pins") or []},
            uow=uow,
            now=clock(),
        )
    document = solver(
        problem.scenario,
        time_limit=command["time_limit"],
        pins=problem.pins,
        previous=problem.previous_rounds,
    )
    with transaction() as uow:
        now = clock()
        view = usecases.record_plan(
            {
                "problem": problem,
                "document": document,
                "trigger": command["trigger"],
                "publish": command.get("publish", False),
                "requested_at": command.get("requested_at"),
                "requested_by": command.get("requested_by") or (job or {}).get("requested_by"),
            },
            uow=uow,
            now=now,
        )
        if job is not None:
            usecases.finish_job(
                {
                    **job,
                    "state": "succeeded",
                    "document": document,
                    "schedule_id": view["schedule_id"],
                },
                uow=uow,
                now=now,
            )
    log.info(
        "schedule.computed",
        workshop_id=command["workshop_id"],
        trigger=command["trigger"],
        status=document["status"],
        objective=document["objective"],
        bound=document["bound"],
        published=view["revision"],
        job_id=job["job_id"] if job else None,
    )
    return view


def run_job(
    job: dict,
    *,
    transaction: Transactions,
    clock: Now,
    lease_seconds: float,
    solver=run_solver,
    stopping: Callable[[], bool] = lambda: False,
    poll_seconds: float = 1.0,
) -> str:
    """Run a claimed job (see `usecases.claim_job`) to its end and answer the
    state it ended in ("succeeded", "failed", "cancelled", "released" when
    the replica is stopping, "lost" when another replica took it over).

    While the child solves, every `poll_seconds` the lease is renewed with
    the latest progress and a cancellation (or the replica `stopping`) stops
    the child."""
    claim = {"job_id": job["job_id"], "claimed_by": job["claimed_by"]}
    latest: dict = {}
    found: dict[str, int] = {}

    def progress(message: dict) -> None:
        # the solver's stage, the total weight of its latest solution and a
        # proven bound on the total (see solve_process.py)
        if message.get("stage"):
            latest["stage"] = str(message["stage"])[:20]
        if message.get("stage") and message.get("solutions") is not None:
            found[message["stage"]] = message["solutions"]  # counted per stage
        if message.get("objective") is not None and message.get("bound") is not None:
            latest.update(
                objective=message["objective"],
                bound=message["bound"],
                solutions=sum(found.values()),
            )

    def should_stop() -> str | None:
        with transaction() as uow:
            reason = usecases.report_progress(
                {**claim, "progress": dict(latest)},
                uow=uow,
                now=clock(),
                lease_seconds=lease_seconds,
            )
        return reason or ("shutting_down" if stopping() else None)

    def finish(state: str, **outcome) -> str:
        with transaction() as uow:
            now = clock()
            usecases.finish_job({**claim, "state": state, **outcome}, uow=uow, now=now)
            # refused pins: retrying cannot help until staff change them;
            # cancelled: staff did not want it
            if outcome.pop("give_up", False) or state == "cancelled":
                usecases.stop_retrying(uow, job, now=now)
        log.info(
            "schedule.job_finished",
            job_id=job["job_id"],
            state=state,
            workshop_id=job["workshop_id"],
            trigger=job["trigger"],
        )
        return state

    def solve(scenario, **kwargs):
        return solver(
            scenario,
            progress=progress,
            should_stop=should_stop,
            poll_seconds=poll_seconds,
            **kwargs,
        )

    try:
        compute(
            {
                "workshop_id": job["workshop_id"],
                "trigger": job["trigger"],
                "time_limit": job["time_limit"],
                "pins": job["pins"],
                "publish": job["publish"],
                "requested_at": job["requested_at"],
                "requested_by": job.get("requested_by"),
            },
            transaction=transaction,
            clock=clock,
            solver=solve,
            job=claim,
        )
        return "succeeded"
    except PlanRefused as exc:
        log.error(
            "schedule.refused",
            workshop_id=job["workshop_id"],
            trigger=job["trigger"],
            problems=exc.problems,
        )
        return _finish_or_lost(finish, "failed", error=_error(exc), give_up=True)
    except DomainError as exc:  # the workshop or a pinned program is gone
        return _finish_or_lost(finish, "failed", error=_error(exc))
    except SolveStopped as stop:
        if stop.reason == "lease_lost":
            log.warning("schedule.job_lost", job_id=job["job_id"])
            return "lost"
        state = "cancelled" if stop.reason == "cancelled" else "released"
        return _finish_or_lost(finish, state)
    except LeaseLost:
        log.warning("schedule.job_lost", job_id=job["job_id"])
        return "lost"
    except Exception as exc:
        log.error(
            "schedule.job_failed",
            job_id=job["job_id"],
            workshop_id=job["workshop_id"],
            error=f"{type(exc).__name__}: {exc}",
        )
        return _finish_or_lost(
            finish,
            "failed",
            error={
                "code": "solver_failed",
                "message": f"{type(exc).__name__}: {exc}"[:1000],
                "fields": [],
            },
        )


def _finish_or_lost(finish, state: str, **outcome) -> str:
    try:
        return finish(state, **outcome)
    except LeaseLost:
        return "lost"


def _error(exc: DomainError) -> dict:
    return {"code": exc.code, "message": exc.message, "fields": exc.fields}
