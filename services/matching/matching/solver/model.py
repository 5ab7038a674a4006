"""The CP-SAT model: which program runs in which session and who attends it.

Tables are interchangeable, so the model only decides sessions; table numbers
are handed out afterwards (see schedule.py). Three successive solves give the
lexicographic order asked for: interests satisfied, then the worst-served
delegation's share, then (when re-planning) how much of the previous schedule stays.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from ortools.sat.python import cp_model

from .greedy import plan_greedily
from .scenario import Interest, Round, Scenario, ScenarioError

# Above this the fairness stage compares shares on a 1/FAIRNESS_SCALE grid
# instead of exactly (exact needs the lcm of every delegation's asked weight).
FAIRNESS_SCALE = 100_000

# Share of the time limit the primary solve may use when later stages follow;
# whatever it leaves unused passes on to them.
PRIMARY_SHARE = 0.75


@dataclass(frozen=True)
class Pin:
    """A round the secretariat fixed by hand: this program runs in this session."""

    session: int
    program: str
    table: int | None = None


@dataclass(frozen=True)
class Stage:
    name: str
    status: str
    seconds: float
    value: int


@dataclass(frozen=True)
class Solution:
    status: str  # "optimal" | "feasible", about the primary objective
    objective: int
    bound: int
    runs: frozenset[tuple[str, int]]  # (program, session)
    attendance: frozenset[tuple[str, str, int]]  # (delegation, program, session)
    worst_share: Fraction | None
    fairness_proven: bool
    kept_from_previous: int | None
    stability_proven: bool
    stages: tuple[Stage, ...] = field(default=())


def trivial_bound(scenario: Scenario) -> int:
    """Every interest satisfied: no schedule can do better."""
    return sum(i.weight for i in scenario.interests)


def check_pins(scenario: Scenario, pinned: Sequence[Pin]) -> None:
    """Refuse pins that name unknown things or cannot hold together on their face."""
    problems = []
    workshop = scenario.workshop
    tables_taken: set[tuple[int, int]] = set()
    per_session: dict[int, int] = defaultdict(int)
    per_program: dict[str, int] = defaultdict(int)
    seen: set[tuple[str, int]] = set()
    askers = defaultdict(list)
    for interest in scenario.interests:
        askers[interest.program].append(interest.delegation)
    for n, pin in enumerate(pinned):
        where = f"pinned[{n}]"
        program = scenario.program_by_id.get(pin.program)
        if program is None:
            problems.append(f"{where}.program: unknown program {pin.program!r}")
            continue
        if not 1 <= pin.session <= workshop.sessions:
            problems.append(
                f"{where}.session: session {pin.session} is outside 1..{workshop.sessions}"
            )
            continue
        if pin.table is not None:
            if not 1 <= pin.table <= workshop.tables_per_session:
                problems.append(
                    f"{where}.table: table {pin.table} is outside 1..{workshop.tables_per_session}"
                )
            elif (pin.session, pin.table) in tables_taken:
                problems.append(
                    f"{where}.table: table {pin.table} of session {pin.session} is pinned twice"
                )
            tables_taken.add((pin.session, pin.table))
        if (pin.program, pin.session) in seen:
            problems.append(f"{where}: {pin.program!r} is already pinned to session {pin.session}")
            continue
        seen.add((pin.program, pin.session))
        per_session[pin.session] += 1
        per_program[pin.program] += 1
        if per_session[pin.session] == workshop.tables_per_session + 1:
            problems.append(
                f"{where}.session: more pinned rounds than tables in session {pin.session}"
            )
        if per_program[pin.program] == workshop.max_runs_per_program + 1:
            problems.append(
                f"{where}.program: {pin.program!r} pinned more than max_runs_per_program times"
            )
        if pin.session not in scenario.delegation_by_id[program.host].available_sessions:
            problems.append(
                f"{where}.session: host {program.host!r} is not available in session {pin.session}"
            )
        elif not any(
            pin.session in scenario.delegation_by_id[d].available_sessions
            for d in askers[pin.program]
        ):
            problems.append(
                f"{where}.program: nobody who asked for {pin.program!r} "
                f"can attend session {pin.session}"
            )
    if problems:
        raise ScenarioError(problems)


class _Model:
    """Variables and constraints shared by every stage."""

    def __init__(self, scenario: Scenario, pinned: Sequence[Pin], break_symmetry: bool):
        self.scenario = scenario
        workshop = scenario.workshop
        available = {d.id: d.available_sessions for d in scenario.delegations}
        self.model = cp_model.CpModel()
        m = self.model

        by_program: dict[str, list[Interest]] = defaultdict(list)
        for interest in scenario.interests:
            by_program[interest.program].append(interest)

        # A round needs an attendee, so a program only gets y[p, s] for sessions
        # where its host and at least one delegation that asked for it can be.
        self.y: dict[tuple[str, int], cp_model.IntVar] = {}
        self.x: dict[tuple[Interest, int], cp_model.IntVar] = {}
        for program in scenario.programs:
            host_sessions = available[program.host]
            for interest in by_program[program.id]:
                for s in sorted(host_sessions & available[interest.delegation]):
                    if (program.id, s) not in self.y:
                        self.y[program.id, s] = m.new_bool_var(f"y[{program.id},{s}]")
                    self.x[interest, s] = m.new_bool_var(
                        f"x[{interest.delegation},{program.id},{s}]"
                    )

        x_by_round: dict[tuple[str, int], list] = defaultdict(list)
        x_by_interest: dict[Interest, list] = defaultdict(list)
        seats: dict[tuple[str, int], list] = defaultdict(list)
        for (interest, s), var in self.x.items():
            x_by_round[interest.program, s].append(var)
            x_by_interest[interest].append(var)
            seats[interest.delegation, s].append(var)
            m.add_implication(var, self.y[interest.program, s])
        y_by_program: dict[str, list] = defaultdict(list)
        y_by_session: dict[int, list] = defaultdict(list)
        for (p, s), var in self.y.items():
            y_by_program[p].append(var)
            y_by_session[s].append(var)
            seats[scenario.program_by_id[p].host, s].append(var)
            attendees = x_by_round[p, s]
            m.add(sum(attendees) <= workshop.table_capacity * var)
            m.add_bool_or(attendees).only_enforce_if(var)

        for vars_ in x_by_interest.values():
            m.add_at_most_one(vars_)
        for vars_ in y_by_program.values():
            if len(vars_) > workshop.max_runs_per_program:
                m.add(sum(vars_) <= workshop.max_runs_per_program)
        for vars_ in y_by_session.values():
            if len(vars_) > workshop.tables_per_session:
                m.add(sum(vars_) <= workshop.tables_per_session)
        for (d, _), vars_ in seats.items():
            if len(vars_) > scenario.delegation_by_id[d].delegates:
                m.add(sum(vars_) <= scenario.delegation_by_id[d].delegates)

        for pin in pinned:
            m.add(self.y[pin.program, pin.session] == 1)

        if break_symmetry:
            self._break_session_symmetry(by_program)

        self.objective = sum(i.weight * var for (i, _), var in self.x.items())
        self.satisfied: dict[str, list] = defaultdict(list)
        for (interest, _), var in self.x.items():
            self.satisfied[interest.delegation].append(interest.weight * var)

    def _break_session_symmetry(self, by_program: dict[str, list[Interest]]) -> None:
        """When sessions are interchangeable, the k-th most demanded program takes session k.

        Valid because any schedule can be relabelled: put the first program's run
        (if any) in session 1, then among sessions 2..S put the second's in 2, and so on.
        """
        order = sorted(
            self.scenario.programs, key=lambda p: (-sum(i.weight for i in by_program[p.id]), p.id)
        )
        sessions = list(self.scenario.sessions)
        for k, program in enumerate(order[: len(sessions) - 1]):
            anchor = self.y.get((program.id, sessions[k]))
            if anchor is None:
                continue
            for s in sessions[k + 1 :]:
                if (program.id, s) in self.y:
                    self.model.add_implication(self.y[program.id, s], anchor)

    def hint(
        self, runs: Iterable[tuple[str, int]], attendance: Iterable[tuple[str, str, int]]
    ) -> None:
        self.model.clear_hints()
        runs = set(runs)
        attendance = set(attendance)
        for key, var in self.y.items():
            self.model.add_hint(var, key in runs)
        for (interest, s), var in self.x.items():
            self.model.add_hint(var, (interest.delegation, interest.program, s) in attendance)

    def read(self, solver: cp_model.CpSolver) -> tuple[frozenset, frozenset]:
        runs = frozenset(key for key, var in self.y.items() if solver.boolean_value(var))
        attendance = frozenset(
            (i.delegation, i.program, s)
            for (i, s), var in self.x.items()
            if solver.boolean_value(var)
        )
        return runs, attendance


def _fairness_scale(totals: Iterable[int]) -> int:
    scale = 1
    for total in totals:
        scale = math.lcm(scale, total)
        if scale > FAIRNESS_SCALE:
            return FAIRNESS_SCALE
    return scale


def _sessions_interchangeable(scenario: Scenario, pinned: Sequence[Pin], previous) -> bool:
    every = frozenset(scenario.sessions)
    return (
        not pinned
        and not previous
        and all(d.available_sessions == every for d in scenario.delegations)
    )


def worst_share(scenario: Scenario, attendance: Iterable[tuple[str, str, int]]) -> Fraction | None:
    """Lowest satisfied/asked weight among delegations that could get anything at all."""
    weight = {(i.delegation, i.program): i.weight for i in scenario.interests}
    got: dict[str, int] = defaultdict(int)
    for d, p, _ in attendance:
        got[d] += weight[d, p]
    shares = [Fraction(got[d], total) for d, total in _eligible_totals(scenario).items()]
    return min(shares) if shares else None


def _eligible_totals(scenario: Scenario) -> dict[str, int]:
    """Asked weight of each delegation with at least one interest it could attend."""
    available = {d.id: d.available_sessions for d in scenario.delegations}
    totals: dict[str, int] = defaultdict(int)
    possible: set[str] = set()
    for interest in scenario.interests:
        totals[interest.delegation] += interest.weight
        host = scenario.program_by_id[interest.program].host
        if available[host] & available[interest.delegation]:
            possible.add(interest.delegation)
    return {d: t for d, t in totals.items() if d in possible}


_STATUS = {cp_model.OPTIMAL: "optimal", cp_model.FEASIBLE: "feasible"}


def solve(
    scenario: Scenario,
    *,
    time_limit: float = 30.0,
    pinned: Sequence[Pin] = (),
    previous: Sequence[Round] | None = None,
    fairness: bool = True,
    seed: int = 0,
    workers: int = 8,
    log: bool = False,
) -> Solution:
    """Find the best schedule within ``time_limit`` seconds; raise ScenarioError on impossible pins.

    ``previous`` asks for the fewest moved rounds and attendees among equally
    good, equally fair schedules.
    """
    started = time.monotonic()
    deadline = started + time_limit
    pinned = tuple(pinned)
    check_pins(scenario, pinned)
    built = _Model(scenario, pinned, _sessions_interchangeable(scenario, pinned, previous))
    model = built.model
    ceiling = trivial_bound(scenario)
    stages: list[Stage] = []

    previous_runs, previous_attendance = _project(scenario, previous or ())
    if previous:
        built.hint(previous_runs, previous_attendance)
    else:
        greedy = plan_greedily(scenario)
        built.hint(greedy.runs, greedy.attendance)

    totals = _eligible_totals(scenario) if fairness else {}
    more_stages = bool(totals) or bool(previous)

    # CP-SAT overshoots its limit a little when it stops 8 workers; keep that inside ours.
    margin = min(1.0, 0.01 * time_limit)

    def run(name: str, seconds: float) -> tuple[int, cp_model.CpSolver]:
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = workers
        solver.parameters.random_seed = seed
        solver.parameters.max_time_in_seconds = max(seconds - margin, 0.05)
        solver.parameters.log_search_progress = log
        stage_start = time.monotonic()
        status = solver.solve(model)
        if status == cp_model.INFEASIBLE:
            raise ScenarioError(
                ["pinned: these rounds cannot all be kept together (seats or tables run out)"]
            )
        stages.append(
            Stage(
                name=name,
                status=_STATUS.get(status, solver.status_name(status).lower()),
                seconds=round(time.monotonic() - stage_start, 3),
                value=round(solver.objective_value) if status in _STATUS else 0,
            )
        )
        return status, solver

    model.maximize(built.objective)
    primary_time = time_limit * (PRIMARY_SHARE if more_stages else 1.0)
    status, solver = run("interests", primary_time)
    if status not in _STATUS:
        # Nothing found in time (only with absurdly small limits): fall back to the hint.
        if pinned:
            raise ScenarioError(
                ["pinned: no schedule keeping these rounds was found in the time limit"]
            )
        greedy = plan_greedily(scenario)
        return Solution(
            status="feasible",
            objective=greedy.objective,
            bound=ceiling,
            runs=greedy.runs,
            attendance=greedy.attendance,
            worst_share=worst_share(scenario, greedy.attendance),
            fairness_proven=False,
            kept_from_previous=None,
            stability_proven=False,
            stages=tuple(stages),
        )
    objective = round(solver.objective_value)
    bound = max(objective, min(ceiling, math.floor(solver.best_objective_bound + 1e-6)))
    if status == cp_model.OPTIMAL:
        bound = objective
    runs, attendance = built.read(solver)
    fairness_proven = False
    model.add(built.objective >= objective)

    if totals:
        scale = _fairness_scale(totals.values())
        floor_share = model.new_int_var(0, scale, "worst_share")
        for d, total in totals.items():
            model.add(total * floor_share <= scale * sum(built.satisfied[d]))
        model.maximize(floor_share)
        built.hint(runs, attendance)
        left = deadline - time.monotonic()
        status, solver = run("fairness", left * (0.5 if previous else 1.0))
        if status in _STATUS:
            fairness_proven = status == cp_model.OPTIMAL
            runs, attendance = built.read(solver)
        # Whatever comes next may not make the worst-served delegation worse off.
        model.add(floor_share >= math.floor(scale * worst_share(scenario, attendance)))

    kept = None
    stability_proven = False
    if previous:
        keep = [built.y[key] for key in previous_runs if key in built.y]
        keep += [
            var
            for (interest, s), var in built.x.items()
            if (interest.delegation, interest.program, s) in previous_attendance
        ]
        model.maximize(sum(keep))
        built.hint(runs, attendance)
        status, solver = run("stability", deadline - time.monotonic())
        if status in _STATUS:
            stability_proven = status == cp_model.OPTIMAL
            runs, attendance = built.read(solver)
            kept = round(solver.objective_value)

    weight = {(i.delegation, i.program): i.weight for i in scenario.interests}
    objective = sum(weight[d, p] for d, p, _ in attendance)
    bound = max(bound, objective)
    return Solution(
        status="optimal" if objective == bound else "feasible",
        objective=objective,
        bound=bound,
        runs=runs,
        attendance=attendance,
        worst_share=worst_share(scenario, attendance),
        fairness_proven=fairness_proven,
        kept_from_previous=kept,
        stability_proven=stability_proven,
        stages=tuple(stages),
    )


def _project(scenario: Scenario, previous: Sequence[Round]) -> tuple[set, set]:
    """The parts of a previous schedule that still make sense in this scenario."""
    runs = set()
    attendance = set()
    for r in previous:
        if r.program not in scenario.program_by_id or r.session not in scenario.sessions:
            continue
        runs.add((r.program, r.session))
        for d in r.attendees:
            attendance.add((d, r.program, r.session))
    return runs, attendance
