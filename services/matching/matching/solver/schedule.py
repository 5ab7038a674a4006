"""From a solution to a schedule: people, table numbers, unmet interests, changes, the file's dict."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from .explain import unmet_interests
from .model import Pin, Progress, Solution, solve
from .people import Placement, interpretation_needed, place_people
from .scenario import FairnessPolicy, Round, Scenario

# Part of the time limit kept for placing people after the session plan:
# PEOPLE_SHARE of it, at most PEOPLE_MAX_SECONDS (the placement usually proves
# its optimum in well under a second even on the large benchmark).
PEOPLE_SHARE = 0.05
PEOPLE_MAX_SECONDS = 5.0


@dataclass(frozen=True)
class Plan:
    scenario: Scenario
    solution: Solution
    rounds: tuple[Round, ...]
    unmet: tuple[dict[str, str], ...]
    changes: dict[str, int] | None
    placement: Placement | None = None
    interpretation: tuple[dict, ...] = ()


def plan(
    scenario: Scenario,
    *,
    time_limit: float = 30.0,
    pinned: Sequence[Pin] = (),
    previous: Sequence[Round] | None = None,
    fairness: bool = True,
    policy: FairnessPolicy | str | Mapping | None = None,
    seed: int = 0,
    on_progress: Progress | None = None,
) -> Plan:
    """Solve, place people, number the tables and explain every unmet interest.

    ``policy`` overrides the scenario's ``workshop.fairness`` (see model.solve).
    ``on_progress`` is passed to ``solve`` (each stage's improving solutions),
    and called once more, with stage ``people``, before people are placed.
    """
    started = time.monotonic()
    reserve = min(PEOPLE_SHARE * time_limit, PEOPLE_MAX_SECONDS)
    solution = solve(
        scenario,
        time_limit=time_limit - reserve,
        pinned=pinned,
        previous=previous,
        fairness=fairness,
        policy=policy,
        seed=seed,
        on_progress=on_progress,
    )
    if on_progress is not None:
        on_progress(
            {
                "stage": "people",
                "objective": solution.objective,
                "bound": solution.bound,
                "worst_share": _share(solution.worst_share),
                "solutions": 0,
            }
        )
    placement = place_people(
        scenario,
        solution.runs,
        solution.attendance,
        previous=previous or (),
        time_limit=max(time_limit - (time.monotonic() - started), 0.1),
        seed=seed,
    )
    rounds = assign_tables(
        scenario, solution, pinned=pinned, previous=previous or (), placement=placement
    )
    return Plan(
        scenario=scenario,
        solution=solution,
        rounds=rounds,
        unmet=tuple(unmet_interests(scenario, rounds, previous or ())),
        changes=count_changes(previous, rounds) if previous is not None else None,
        placement=placement,
        interpretation=tuple(interpretation_needed(scenario, rounds)),
    )


def assign_tables(
    scenario: Scenario,
    solution: Solution,
    *,
    pinned: Sequence[Pin] = (),
    previous: Sequence[Round] = (),
    placement: Placement | None = None,
) -> tuple[Round, ...]:
    """Number tables: pinned tables first, then each round's previous table, then the lowest.

    With a ``placement``, rounds also name their presenter and attending delegates.
    """
    order = {d.id: n for n, d in enumerate(scenario.delegations)}
    program_order = {p.id: n for n, p in enumerate(scenario.programs)}
    attendees: dict[tuple[str, int], list[str]] = defaultdict(list)
    for d, p, s in solution.attendance:
        attendees[p, s].append(d)
    wished: dict[tuple[str, int], int] = {}
    for r in previous:
        wished.setdefault((r.program, r.session), r.table)
    for pin in pinned:
        if pin.table is not None:
            wished[pin.program, pin.session] = pin.table

    by_session: dict[int, list[str]] = defaultdict(list)
    for p, s in solution.runs:
        by_session[s].append(p)
    rounds = []
    pinned_tables = {(pin.program, pin.session) for pin in pinned if pin.table is not None}
    for session, programs in sorted(by_session.items()):
        # Pinned tables win over previous ones; previous ones over none.
        programs.sort(
            key=lambda p: (
                (p, session) not in pinned_tables,
                (p, session) not in wished,
                program_order[p],
            )
        )
        taken: dict[str, int] = {}
        used: set[int] = set()
        for p in programs:
            table = wished.get((p, session))
            if (
                table is not None
                and table not in used
                and 1 <= table <= scenario.workshop.tables_per_session
            ):
                taken[p] = table
                used.add(table)
        free = (t for t in range(1, scenario.workshop.tables_per_session + 1) if t not in used)
        for p in programs:
            if p not in taken:
                taken[p] = next(free)
        for p, table in taken.items():
            seated = tuple(sorted(attendees[p, session], key=order.__getitem__))
            presenter, delegates = None, ()
            if placement is not None:
                presenter = placement.presenters.get((p, session))
                delegates = tuple(
                    (d, placement.attending[p, session, d])
                    for d in seated
                    if (p, session, d) in placement.attending
                )
            rounds.append(
                Round(
                    session=session,
                    table=table,
                    program=p,
                    host=scenario.program_by_id[p].host,
                    attendees=seated,
                    presenter=presenter,
                    attending_delegates=delegates,
                )
            )
    return tuple(sorted(rounds, key=lambda r: (r.session, r.table)))


def count_changes(previous: Sequence[Round], rounds: Sequence[Round]) -> dict[str, int]:
    """How much of the previous schedule moved: rounds by session and table, attendees by round."""
    placed = {(r.session, r.table, r.program) for r in rounds}
    seated = {(d, r.program, r.session) for r in rounds for d in r.attendees}
    before = {(r.session, r.table, r.program) for r in previous}
    before_seated = {(d, r.program, r.session) for r in previous for d in r.attendees}
    return {
        "rounds_kept": len(before & placed),
        "rounds_moved": len(before - placed),
        "rounds_new": len(placed - before),
        "attendees_kept": len(before_seated & seated),
        "attendees_moved": len(before_seated - seated),
    }


def _share(value) -> float | None:
    return None if value is None else round(float(value), 4)


def schedule_document(result: Plan) -> dict[str, Any]:
    """The schedule file: the documented keys plus fairness, people, changes and solve stages."""
    solution = result.solution
    stages = [
        {"name": s.name, "status": s.status, "seconds": s.seconds, "value": s.value}
        for s in solution.stages
    ]
    placement = result.placement
    if placement is not None:
        stages.append(
            {
                "name": "people",
                "status": placement.status,
                "seconds": placement.seconds,
                "value": placement.value,
            }
        )
    document: dict[str, Any] = {
        "workshop": result.scenario.workshop.id,
        "status": solution.status,
        "objective": solution.objective,
        "bound": solution.bound,
        "bounds": dict(solution.bounds),
        "rounds": [r.as_dict() for r in result.rounds],
        "unmet": list(result.unmet),
        "fairness": {
            "worst_share": _share(solution.worst_share),
            "proven": solution.fairness_proven,
            "policy": None if solution.policy is None else solution.policy.as_json(),
            "shares": {d: _share(v) for d, v in solution.shares.items()},
            "below_half": sorted(d for d, v in solution.shares.items() if v < Fraction(1, 2)),
            "best_total": solution.best_total,
            "best_total_bound": solution.best_total_bound,
        },
        "interpretation": list(result.interpretation),
        "stages": stages,
    }
    if placement is not None:
        document["people"] = {
            "status": placement.status,
            "shared_language": placement.shared_language,
            "topic_switches": placement.topic_switches,
            "kept": placement.kept,
            "unplaced": len(placement.unplaced),
        }
    if result.changes is not None:
        document["changes"] = dict(result.changes, proven=solution.stability_proven)
    return document
