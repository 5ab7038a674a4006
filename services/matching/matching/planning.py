"""Running the solver for the service: in a child process, between two short
transactions.

CP-SAT holds a CPU for up to the time limit (and the GIL while the model is
built); inside the service's eventlet hub that would stall every HTTP request
and event. `rueda-match solve` in a child process keeps the hub free (eventlet's
green Popen waits cooperatively), caps the solver's memory to that process and
reuses the command's input checks.
"""
from __future__ import annotations

import json
import os
import re
import sys
import tempfile
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Callable

import structlog
from eventlet.green import subprocess

from . import domain, usecases

log = structlog.get_logger(__name__)

BAD_INPUT = 2


class PlanRefused(Exception):
    """The solver refused its input (e.g. pins that cannot hold together)."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


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


def compute(transaction: Transactions, workshop_id: str, *, trigger: str, time_limit: float,
            now: Callable[[], datetime], extra_pins=(), publish: bool = False,
            requested_at: datetime | None = None, solver=run_solver) -> dict:
    """Solve one workshop and store the result; with `publish`, publish it too
    when it changes anything for anybody (a re-plan that moves nothing is kept
    provisional). Returns the staff view of the stored schedule."""
    with transaction() as uow:
        inputs = usecases.planning_inputs(uow, workshop_id, extra_pins=extra_pins)
    previous = None
    if inputs.previous is not None:
        previous = domain.previous_for_solver(
            inputs.previous["rounds"], [d["id"] for d in inputs.scenario["delegations"]])
    document = solver(inputs.scenario, time_limit=time_limit, pins=inputs.pins,
                      previous=previous)
    started_from = inputs.previous["schedule_id"] if inputs.previous else None
    with transaction() as uow:
        schedule = usecases.store_schedule(uow, inputs, document, trigger=trigger, now=now())
        published = usecases.latest_published(uow, workshop_id)
        # a revision published while solving: this result is stale, the
        # request stays so the planner starts again from that revision
        stale = (published.id if published else None) != started_from
        if requested_at is not None and not stale:
            usecases.replan_done(uow, workshop_id, requested_at)
        if publish and not stale and (
                published is None or _differs(published.payload, schedule.payload)):
            uow.session.flush()
            usecases.publish_schedule(uow, workshop_id, now=now(), schedule_id=schedule.id)
            published = schedule
        view = usecases.schedule_view(schedule, published=published)
    log.info("schedule.computed", workshop_id=workshop_id, trigger=trigger,
             status=document["status"], objective=document["objective"],
             bound=document["bound"], published=view["revision"])
    return view


def _differs(before: dict, after: dict) -> bool:
    def times(payload):
        return sorted((r["round_id"], r["starts_at"], r["ends_at"]) for r in payload["rounds"])
    return bool(domain.changes(before["rounds"], after["rounds"])) or times(before) != times(
        after) or (
        sorted((u["delegation_id"], u["program_id"], u["reason_code"]) for u in before["unmet"])
        != sorted((u["delegation_id"], u["program_id"], u["reason_code"]) for u in after["unmet"]))
