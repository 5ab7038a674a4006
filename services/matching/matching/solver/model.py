"""The CP-SAT model: which program runs in which session and who attends it.

Tables are interchangeable, so the model only decides sessions; table numbers
are handed out afterwards (see schedule.py), and so are people (people.py):
the seat constraints here guarantee that every round can get its presenter and
attending delegates. Successive solves give the fairness policy's
lexicographic order (see ``solve``), then, when re-planning, how much of the
previous schedule stays. The bound reported is the best of CP-SAT's and the
LP relaxation's (relaxation.py).
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from ortools.sat.python import cp_model

from .greedy import plan_greedily
from .people import attendees_in, hall_constraints, presenters_in
from .relaxation import Row, lp_bound
from .scenario import FairnessPolicy, Interest, Round, Scenario, ScenarioError

# Above this the fairness stage compares shares on a 1/FAIRNESS_SCALE grid
# instead of exactly (exact needs the lcm of every delegation's asked weight).
FAIRNESS_SCALE = 100_000

# Relative time of each stage: a stage gets the time left times its weight over
# the weights of the stages still to come (interests 3 : fairness 1 under
# "total" gives the primary solve 75% of the limit); whatever a stage leaves
# unused passes on to the next.
STAGE_WEIGHTS = {
    "total": {"interests": 3, "fairness": 1, "stability": 1},
    "price": {"interests": 2, "fairness": 1, "total": 1, "stability": 1},
}


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
    """``objective`` is the total weight met; ``bound`` a proven upper bound on it
    for any schedule the policy accepts (under ``"price"``: any schedule whose
    worst share is at least the one reached). ``best_total`` and
    ``best_total_bound`` are the same two figures without fairness."""

    status: str  # "optimal" | "feasible": objective == bound or not
    objective: int
    bound: int
    runs: frozenset[tuple[str, int]]  # (program, session)
    attendance: frozenset[tuple[str, str, int]]  # (delegation, program, session)
    worst_share: Fraction | None
    fairness_proven: bool
    kept_from_previous: int | None
    stability_proven: bool
    stages: tuple[Stage, ...] = field(default=())
    policy: FairnessPolicy | None = None  # None: fairness switched off
    shares: Mapping[str, Fraction] = field(default_factory=dict)
    best_total: int | None = None
    best_total_bound: int | None = None
    bounds: Mapping[str, int | None] = field(default_factory=dict)


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
        askers[interest.program].append(interest)
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
        if not presenters_in(scenario, pin.program, pin.session):
            problems.append(
                f"{where}.session: host {program.host!r} is not available in session {pin.session}"
            )
        elif not any(attendees_in(scenario, i, pin.session) for i in askers[pin.program]):
            problems.append(
                f"{where}.program: nobody who asked for {pin.program!r} "
                f"can attend session {pin.session}"
            )
    if problems:
        raise ScenarioError(problems)


class _Model:
    """Variables and constraints shared by every stage, kept also as linear rows
    (``rows``: sum(coef * var) <= rhs) for the LP relaxation."""

    def __init__(self, scenario: Scenario, pinned: Sequence[Pin], break_symmetry: bool):
        self.scenario = scenario
        workshop = scenario.workshop
        self.model = cp_model.CpModel()
        self.rows: list[Row] = []
        m = self.model

        by_program: dict[str, list[Interest]] = defaultdict(list)
        for interest in scenario.interests:
            by_program[interest.program].append(interest)

        # A round needs a presenter and an attendee, so a program only gets y[p, s]
        # for sessions where one of its presenters and someone who asked for it
        # (a delegate allowed to attend) are present.
        self.y: dict[tuple[str, int], cp_model.IntVar] = {}
        self.x: dict[tuple[Interest, int], cp_model.IntVar] = {}
        # (delegation, session) -> candidate people -> the roles they could fill
        seat_roles: dict[tuple[str, int], dict[frozenset, list]] = defaultdict(
            lambda: defaultdict(list)
        )
        for program in scenario.programs:
            for s in scenario.sessions:
                presenters = presenters_in(scenario, program.id, s)
                if not presenters:
                    continue
                for interest in by_program[program.id]:
                    attendees = attendees_in(scenario, interest, s)
                    if not attendees:
                        continue
                    if (program.id, s) not in self.y:
                        self.y[program.id, s] = m.new_bool_var(f"y[{program.id},{s}]")
                        seat_roles[program.host, s][frozenset(q.id for q in presenters)].append(
                            self.y[program.id, s]
                        )
                    var = m.new_bool_var(f"x[{interest.delegation},{program.id},{s}]")
                    self.x[interest, s] = var
                    seat_roles[interest.delegation, s][frozenset(q.id for q in attendees)].append(
                        var
                    )

        x_by_round: dict[tuple[str, int], list] = defaultdict(list)
        x_by_interest: dict[Interest, list] = defaultdict(list)
        for (interest, s), var in self.x.items():
            x_by_round[interest.program, s].append(var)
            x_by_interest[interest].append(var)
            m.add_implication(var, self.y[interest.program, s])
            self._row([(var, 1), (self.y[interest.program, s], -1)], 0)
        y_by_program: dict[str, list] = defaultdict(list)
        y_by_session: dict[int, list] = defaultdict(list)
        for (p, s), var in self.y.items():
            y_by_program[p].append(var)
            y_by_session[s].append(var)
            attendees = x_by_round[p, s]
            m.add(sum(attendees) <= workshop.table_capacity * var)
            m.add_bool_or(attendees).only_enforce_if(var)
            if len(attendees) > workshop.table_capacity:
                self._row([(v, 1) for v in attendees] + [(var, -workshop.table_capacity)], 0)
            self._row([(var, 1)] + [(v, -1) for v in attendees], 0)

        for vars_ in x_by_interest.values():
            m.add_at_most_one(vars_)
            self._row([(v, 1) for v in vars_], 1)
        for vars_ in y_by_program.values():
            if len(vars_) > workshop.max_runs_per_program:
                m.add(sum(vars_) <= workshop.max_runs_per_program)
                self._row([(v, 1) for v in vars_], workshop.max_runs_per_program)
        for vars_ in y_by_session.values():
            if len(vars_) > workshop.tables_per_session:
                m.add(sum(vars_) <= workshop.tables_per_session)
                self._row([(v, 1) for v in vars_], workshop.tables_per_session)
        for groups in seat_roles.values():
            self._seats(groups)

        for pin in pinned:
            m.add(self.y[pin.program, pin.session] == 1)
            self._row([(self.y[pin.program, pin.session], -1)], -1)

        if break_symmetry:
            self._break_session_symmetry(by_program)

        self.weights = [(var, i.weight) for (i, _), var in self.x.items()]
        self.objective = sum(i.weight * var for (i, _), var in self.x.items())
        self.satisfied: dict[str, list] = defaultdict(list)
        self.satisfied_terms: dict[str, list] = defaultdict(list)
        for (interest, _), var in self.x.items():
            self.satisfied[interest.delegation].append(interest.weight * var)
            self.satisfied_terms[interest.delegation].append((var, interest.weight))

    def _row(self, terms: list, rhs: int) -> None:
        self.rows.append(Row(tuple((var.index, coef) for var, coef in terms), rhs))

    def _seats(self, groups: dict[frozenset, list]) -> None:
        """A delegation's roles in one session fit its delegates present then.

        With one candidate set (the usual case: anyone present can present or
        attend) that is "roles <= people present"; named presenters or attendees
        add Hall's condition for every set of role kinds, or a flow when there are
        many kinds.
        """
        constraints = hall_constraints(groups)
        if constraints is not None:
            for terms, rhs in constraints:
                self.model.add(sum(terms) <= rhs)
                self._row([(t, 1) for t in terms], rhs)
            return
        # Flow: role kind k sends its demand to the people who can take it.
        people = sorted(frozenset().union(*groups))
        takes: dict[str, list] = defaultdict(list)
        for k, (candidates, terms) in enumerate(groups.items()):
            flows = []
            for q in sorted(candidates):
                flow = self.model.new_bool_var(f"f[{k},{q}]")
                flows.append(flow)
                takes[q].append(flow)
            self.model.add(sum(flows) == sum(terms))
            self._row([(f, 1) for f in flows] + [(t, -1) for t in terms], 0)
            self._row([(f, -1) for f in flows] + [(t, 1) for t in terms], 0)
        for q in people:
            if len(takes[q]) > 1:
                self.model.add_at_most_one(takes[q])
                self._row([(f, 1) for f in takes[q]], 1)

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
                    self._row([(self.y[program.id, s], 1), (anchor, -1)], 0)

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
        and all(q.available_sessions == every for d in scenario.delegations for q in d.people)
    )


def worst_share(scenario: Scenario, attendance: Iterable[tuple[str, str, int]]) -> Fraction | None:
    """Lowest satisfied/asked weight among delegations that could get anything at all."""
    got = shares(scenario, attendance)
    eligible = _eligible_totals(scenario)
    values = [share for d, share in got.items() if d in eligible]
    return min(values) if values else None


def shares(scenario: Scenario, attendance: Iterable[tuple[str, str, int]]) -> dict[str, Fraction]:
    """Satisfied / asked weight of every delegation that asked for something."""
    weight = {(i.delegation, i.program): i.weight for i in scenario.interests}
    asked: dict[str, int] = defaultdict(int)
    for interest in scenario.interests:
        asked[interest.delegation] += interest.weight
    got: dict[str, int] = defaultdict(int)
    for d, p, _ in attendance:
        got[d] += weight[d, p]
    return {d: Fraction(got[d], total) for d, total in asked.items() if total}


def _eligible_totals(scenario: Scenario) -> dict[str, int]:
    """Asked weight of each delegation with at least one interest it could attend."""
    totals: dict[str, int] = defaultdict(int)
    possible: set[str] = set()
    for interest in scenario.interests:
        totals[interest.delegation] += interest.weight
        if interest.delegation not in possible and any(
            presenters_in(scenario, interest.program, s) and attendees_in(scenario, interest, s)
            for s in scenario.sessions
        ):
            possible.add(interest.delegation)
    return {d: t for d, t in totals.items() if d in possible}


_STATUS = {cp_model.OPTIMAL: "optimal", cp_model.FEASIBLE: "feasible"}

# A solve's progress: {"stage", "objective", "bound", "worst_share", "solutions"}
Progress = Callable[[dict], None]

# The progress callback hears of improving solutions at most this often per
# stage (working out a schedule's total and worst share costs a pass over
# every variable), plus once when each stage starts and when it ends.
PROGRESS_EVERY_SECONDS = 0.2


class _Reporter(cp_model.CpSolverSolutionCallback):
    """Reports a stage's improving solutions to ``on_progress``: the total
    weight and worst share of the solution just found, and the best bound on
    the total known for this stage (``bound(solver_bound)``)."""

    def __init__(self, terms, stage: str, on_progress: Progress, bound, totals):
        super().__init__()
        self.terms = terms
        self.stage = stage
        self.on_progress = on_progress
        self.bound = bound
        self.totals = totals
        self.solutions = 0
        self.sent_at = 0.0

    def on_solution_callback(self):
        self.solutions += 1
        now = time.monotonic()
        if now - self.sent_at < PROGRESS_EVERY_SECONDS:
            return
        self.sent_at = now
        # one copy of the solution, then plain indexing: asking CP-SAT for each
        # variable's value in turn costs ~5 us a variable (0.1 s on the large benchmark)
        total, worst = _evaluate(self.terms, list(self.response_proto.solution), self.totals)
        self.on_progress(
            {
                "stage": self.stage,
                "objective": total,
                "bound": max(total, self.bound(math.floor(self.best_objective_bound + 1e-6))),
                "worst_share": worst,
                "solutions": self.solutions,
            }
        )


def _evaluate(terms, solution, totals: Mapping[str, int]) -> tuple[int, float | None]:
    """(total weight, worst share) of a solution; ``terms``: (variable index,
    weight, delegation) of every interest variable."""
    total = 0
    got: dict[str, int] = defaultdict(int)
    for index, weight, delegation in terms:
        if solution[index]:
            total += weight
            got[delegation] += weight
    return total, _worst(got, totals)


def _worst(got: Mapping[str, int], totals: Mapping[str, int]) -> float | None:
    if not totals:
        return None
    return round(float(min(Fraction(got[d], t) for d, t in totals.items())), 4)


def solve(
    scenario: Scenario,
    *,
    time_limit: float = 30.0,
    pinned: Sequence[Pin] = (),
    previous: Sequence[Round] | None = None,
    fairness: bool = True,
    policy: FairnessPolicy | str | Mapping | None = None,
    seed: int = 0,
    workers: int = 8,
    log: bool = False,
    on_progress: Progress | None = None,
) -> Solution:
    """Find the best schedule within ``time_limit`` seconds; raise ScenarioError on impossible pins.

    ``policy`` (default: the scenario's ``workshop.fairness``) orders the stages:
    ``"total"``: the most weight, then the best worst share at that weight;
    ``{"price": p}``: the most weight Z, then the best worst share among schedules
    of weight >= (1 - p) Z, then the most weight with that share held.
    ``fairness=False`` stops after the first stage. ``previous`` then asks for
    the fewest moved rounds and attendees with every earlier result held.

    ``on_progress``, when given, is called from a CP-SAT solution callback
    (in a solver thread: keep it short) with ``{"stage", "objective", "bound",
    "worst_share", "solutions"}``: the stage's name (``interests``,
    ``fairness``, ``total``, ``stability``), the total weight and worst share
    of the latest solution, and a proven bound on the total this stage can
    reach; also once as each stage starts and once as it ends.
    """
    started = time.monotonic()
    deadline = started + time_limit
    pinned = tuple(pinned)
    check_pins(scenario, pinned)
    chosen = FairnessPolicy.parse(scenario.workshop.fairness if policy is None else policy)
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
    weights = STAGE_WEIGHTS[chosen.name]
    plan_of_stages = ["interests"]
    if totals:
        plan_of_stages.append("fairness")
        if chosen.price is not None:
            plan_of_stages.append("total")
    if previous:
        plan_of_stages.append("stability")

    def share_of_time(name: str) -> float:
        """This stage's part of the time left."""
        rest = plan_of_stages[plan_of_stages.index(name) :]
        return weights[name] / sum(weights[n] for n in rest)

    # CP-SAT overshoots its limit a little when it stops 8 workers; keep that inside ours.
    margin = min(1.0, 0.01 * time_limit)

    # for progress reports: who counts for the worst share, and every interest
    # variable as (index, weight, delegation)
    totals_for_progress: Mapping[str, int] = {}
    terms: list[tuple[int, int, str]] = []
    if on_progress is not None:
        totals_for_progress = totals or _eligible_totals(scenario)
        terms = [(var.index, i.weight, i.delegation) for (i, _), var in built.x.items()]
    # the figures known before a stage runs (the previous stage's)
    known: dict = {"objective": None, "bound": None, "worst_share": None}

    def report(name: str, solutions: int = 0, **figures) -> None:
        known.update(figures)
        on_progress({"stage": name, **known, "solutions": solutions})

    def run(
        name: str, seconds: float, bound=lambda solver_bound: known["bound"]
    ) -> tuple[int, cp_model.CpSolver]:
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = workers
        solver.parameters.random_seed = seed
        solver.parameters.max_time_in_seconds = max(seconds - margin, 0.05)
        solver.parameters.log_search_progress = log
        stage_start = time.monotonic()
        if on_progress is None:
            status = solver.solve(model)
        else:
            report(name)
            reporter = _Reporter(terms, name, on_progress, bound, totals_for_progress)
            status = solver.solve(model, reporter)
            if status in _STATUS:
                reached = _evaluate(
                    terms, list(solver.response_proto.solution), totals_for_progress
                )
                report(
                    name,
                    objective=reached[0],
                    bound=max(reached[0], bound(_solver_bound(solver, status))),
                    worst_share=reached[1],
                    solutions=reporter.solutions,
                )
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

    # The LP relaxation first: a bound no worse than it, whatever CP-SAT proves in time.
    relaxed = lp_bound(built.rows, built.weights, model, time_limit=0.1 * time_limit)
    if relaxed.value is not None:
        stages.append(Stage("relaxation", relaxed.status, relaxed.seconds, relaxed.value))

    model.maximize(built.objective)
    lp_or_ceiling = min(ceiling, relaxed.value if relaxed.value is not None else ceiling)
    known["bound"] = lp_or_ceiling
    status, solver = run(
        "interests",
        (deadline - time.monotonic()) * share_of_time("interests"),
        bound=lambda solver_bound: min(lp_or_ceiling, solver_bound),
    )
    if status not in _STATUS:
        # Nothing found in time (only with absurdly small limits): fall back to the hint.
        if pinned:
            raise ScenarioError(
                ["pinned: no schedule keeping these rounds was found in the time limit"]
            )
        greedy = plan_greedily(scenario)
        bound = min(ceiling, relaxed.value if relaxed.value is not None else ceiling)
        bound = max(bound, greedy.objective)
        return Solution(
            status="optimal" if greedy.objective == bound else "feasible",
            objective=greedy.objective,
            bound=bound,
            runs=greedy.runs,
            attendance=greedy.attendance,
            worst_share=worst_share(scenario, greedy.attendance),
            fairness_proven=False,
            kept_from_previous=None,
            stability_proven=False,
            stages=tuple(stages),
            policy=chosen if fairness else None,
            shares=shares(scenario, greedy.attendance),
            best_total=greedy.objective,
            best_total_bound=bound,
            bounds={"cp_sat": None, "lp_relaxation": relaxed.value, "trivial": ceiling},
        )
    best_total = round(solver.objective_value)
    cp_bound = math.floor(solver.best_objective_bound + 1e-6)
    if status == cp_model.OPTIMAL:
        cp_bound = best_total
    best_total_bound = max(
        best_total,
        min(ceiling, cp_bound, relaxed.value if relaxed.value is not None else ceiling),
    )
    bounds = {"cp_sat": cp_bound, "lp_relaxation": relaxed.value, "trivial": ceiling}
    runs, attendance = built.read(solver)
    fairness_proven = False
    # What the final objective's bound is: without a price, the best total's.
    bound = best_total_bound
    known["bound"] = best_total_bound

    if totals:
        if chosen.price is None:
            model.add(built.objective >= best_total)
        else:
            model.add(built.objective >= math.ceil((1 - chosen.price) * best_total))
        scale = _fairness_scale(totals.values())
        floor_share = model.new_int_var(0, scale, "worst_share")
        for d, total in totals.items():
            model.add(total * floor_share <= scale * sum(built.satisfied[d]))
        model.maximize(floor_share)
        built.hint(runs, attendance)
        status, solver = run("fairness", (deadline - time.monotonic()) * share_of_time("fairness"))
        if status in _STATUS:
            fairness_proven = status == cp_model.OPTIMAL
            runs, attendance = built.read(solver)
        # Whatever comes next may not make the worst-served delegation worse off.
        floor = math.floor(scale * worst_share(scenario, attendance))
        model.add(floor_share >= floor)

        if chosen.price is not None:
            # The most weight with that floor held; its bound is the final objective's.
            held = [
                Row(
                    tuple((var.index, -w) for var, w in built.satisfied_terms[d]),
                    -math.ceil(Fraction(total * floor, scale)),
                )
                for d, total in totals.items()
            ]
            model.maximize(built.objective)
            built.hint(runs, attendance)
            status, solver = run(
                "total",
                (deadline - time.monotonic()) * share_of_time("total"),
                bound=lambda solver_bound: min(best_total_bound, solver_bound),
            )
            stage_bound = best_total_bound
            if status in _STATUS:
                runs, attendance = built.read(solver)
                stage_bound = (
                    round(solver.objective_value)
                    if status == cp_model.OPTIMAL
                    else math.floor(solver.best_objective_bound + 1e-6)
                )
            if stage_bound > _objective(scenario, attendance) and deadline > time.monotonic():
                held_lp = lp_bound(
                    built.rows + held,
                    built.weights,
                    model,
                    time_limit=min(0.05 * time_limit, deadline - time.monotonic()),
                )
                if held_lp.value is not None:
                    stage_bound = min(stage_bound, held_lp.value)
            bound = min(best_total_bound, stage_bound)
            known["bound"] = max(bound, _objective(scenario, attendance))
        model.add(built.objective >= _objective(scenario, attendance))

    kept = None
    stability_proven = False
    if previous:
        if not totals:
            model.add(built.objective >= best_total)
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

    objective = _objective(scenario, attendance)
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
        policy=chosen if fairness else None,
        shares=shares(scenario, attendance),
        best_total=max(best_total, objective),
        best_total_bound=max(best_total_bound, objective),
        bounds=bounds,
    )


def _solver_bound(solver: cp_model.CpSolver, status) -> int:
    if status == cp_model.OPTIMAL:
        return round(solver.objective_value)
    return math.floor(solver.best_objective_bound + 1e-6)


def _objective(scenario: Scenario, attendance: Iterable[tuple[str, str, int]]) -> int:
    weight = {(i.delegation, i.program): i.weight for i in scenario.interests}
    return sum(weight[d, p] for d, p, _ in attendance)


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
