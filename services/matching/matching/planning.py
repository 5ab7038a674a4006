"""Computing a schedule: read the problem, solve it in a child process, record
the plan, in that order and never inside one transaction.

CP-SAT holds a CPU for up to the time limit (and the GIL while the model is
built); inside the service's eventlet hub that would stall every HTTP request
and event. `rueda-match solve` in a child process keeps the hub free (eventlet's
green Popen waits cooperatively), caps the solver's memory to that process and
reuses the command's input checks. And SQLite holds a process-wide lock during
a transaction, so none may stay open for a solve: `compute` runs the use cases
`read_problem` and `record_plan` in two short transactions of their own, with
the solve between them. Staff's `POST /schedule` and the background planner
both call it, each with its own transactions and clock.
"""
from __future__ import annotations

import json
import os
import re
import sys
import tempfile
from collections.abc import Callable
from contextlib import AbstractContextManager

import structlog
from eventlet.green import subprocess

from rueda_backbone.clock import Now

from . import usecases
from .exceptions import PlanRefused

log = structlog.get_logger(__name__)

BAD_INPUT = 2


def run_solver(scenario: dict, *, time_limit: float, pins=(), previous=None) -> dict:
    """The solver's schedule document for a scenario dict; raises PlanRefused on bad input."""
    with tempfile.TemporaryDirectory(prefix="rueda-match-") as folder:
        scenario_path = os.path.join(folder, "scenario.json")
        output_path = os.path.join(folder, "schedule.json")
        with open(scenario_path, "w", encoding="utf-8") as handle:
            json.dump(scenario, handle)
        command = [sys.executable, "-m", "matching.solver", "solve", scenario_path,
                   "-o", output_path, "--time-limit", str(time_limit)]
        if previous is not None:
            previous_path = os.path.join(folder, "previous.json")
            with open(previous_path, "w", encoding="utf-8") as handle:
                json.dump({"workshop": scenario["workshop"]["id"], "rounds": previous}, handle)
            command += ["--previous", previous_path]
        for pin in pins:
            where = f"{pin['session']}:{pin['table']}" if pin.get("table") else str(pin["session"])
            command += ["--pin", f"{where}:{pin['program_id']}"]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True)
        # generous: the solver stops itself at the time limit, plus start-up
        _, errors = process.communicate(timeout=time_limit * 3 + 60)
        if process.returncode == BAD_INPUT:
            raise PlanRefused(_name_pins(
                [line.removeprefix("rueda-match: ").removeprefix("--pin: ")
                 for line in errors.splitlines() if line.strip()], pins))
        if process.returncode != 0:
            raise RuntimeError(f"the solver failed with status {process.returncode}: "
                               f"{errors.strip()[-500:]}")
        with open(output_path, encoding="utf-8") as handle:
            return json.load(handle)


def solve_in_process(scenario: dict, *, time_limit: float, pins=(), previous=None) -> dict:
    """`run_solver` without the child process, for tests and scripts that own
    their thread; never call it from a service worker (it blocks the hub)."""
    from .solver import Pin, ScenarioError, load_scenario, load_schedule, plan, schedule_document

    try:
        loaded = load_scenario(scenario)
        rounds = None if previous is None else load_schedule({"rounds": previous}, loaded).rounds
        result = plan(loaded, time_limit=time_limit, previous=rounds,
                      pinned=[Pin(session=p["session"], table=p.get("table"),
                                  program=p["program_id"]) for p in pins])
    except ScenarioError as error:
        raise PlanRefused(_name_pins(error.problems, pins)) from None
    return json.loads(json.dumps(schedule_document(result)))


def _name_pins(problems: list[str], pins) -> list[str]:
    """The solver numbers pins by position; staff know them by program."""
    def named(match):
        index = int(match[1])
        return f"pin of program {pins[index]['program_id']}" if index < len(pins) else match[0]
    return [re.sub(r"pinned\[(\d+)\]", named, problem) for problem in problems]


Transactions = Callable[[], AbstractContextManager]


def compute(command: dict, *, transaction: Transactions, clock: Now,
            solver=run_solver) -> dict:
    """Solve `workshop_id` within `time_limit` seconds and store the result as
    computed by `trigger` (with the request's `pins`; with `publish` and
    `requested_at` for an automatic re-plan, see `usecases.record_plan`).
    Returns the staff view of the stored schedule; raises PlanRefused when the
    solver refuses the pins."""
    with transaction() as uow:
        problem = usecases.read_problem(
            {"workshop_id": command["workshop_id"], "pins": command.get("pins") or []},
            uow=uow, now=clock())
    document = solver(problem.scenario, time_limit=command["time_limit"], pins=problem.pins,
                      previous=problem.previous_rounds)
    with transaction() as uow:
        view = usecases.record_plan(
            {"problem": problem, "document": document, "trigger": command["trigger"],
             "publish": command.get("publish", False),
             "requested_at": command.get("requested_at")},
            uow=uow, now=clock())
    log.info("schedule.computed", workshop_id=command["workshop_id"],
             trigger=command["trigger"], status=document["status"],
             objective=document["objective"], bound=document["bound"],
             published=view["revision"])
    return view
