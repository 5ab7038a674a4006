"""From a solution to a schedule: table numbers, unmet interests, changes, the file's dict."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .explain import unmet_interests
from .model import Pin, Solution, solve
from .scenario import Round, Scenario


@dataclass(frozen=True)
class Plan:
    scenario: Scenario
    solution: Solution
    rounds: tuple[Round, ...]
    unmet: tuple[dict[str, str], ...]
    changes: dict[str, int] | None


def plan(
    scenario: Scenario,
    *,
    time_limit: float = 30.0,
    pinned: Sequence[Pin] = (),
    previous: Sequence[Round] | None = None,
    fairness: bool = True,
    seed: int = 0,
) -> Plan:
    """Solve, number the tables and explain every unmet interest."""
    solution = solve(
        scenario,
        time_limit=time_limit,
        pinned=pinned,
        previous=previous,
        fairness=fairness,
        seed=seed,
    )
    rounds = assign_tables(scenario, solution, pinned=pinned, previous=previous or ())
    return Plan(
        scenario=scenario,
        solution=solution,
        rounds=rounds,
        unmet=tuple(unmet_interests(scenario, rounds, previous or ())),
        changes=count_changes(previous, rounds) if previous is not None else None,
    )


def assign_tables(
    scenario: Scenario,
    solution: Solution,
    *,
    pinned: Sequence[Pin] = (),
    previous: Sequence[Round] = (),
) -> tuple[Round, ...]:
    """Number tables: pinned tables first, then each round's previous table, then the lowest."""
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
            rounds.append(
                Round(
                    session=session,
                    table=table,
                    program=p,
                    host=scenario.program_by_id[p].host,
                    attendees=tuple(sorted(attendees[p, session], key=order.__getitem__)),
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


def schedule_document(result: Plan) -> dict[str, Any]:
    """The schedule file: the documented keys plus fairness, changes and solve stages."""
    solution = result.solution
    document: dict[str, Any] = {
        "workshop": result.scenario.workshop.id,
        "status": solution.status,
        "objective": solution.objective,
        "bound": solution.bound,
        "rounds": [r.as_dict() for r in result.rounds],
        "unmet": list(result.unmet),
        "fairness": {
            "worst_share": None
            if solution.worst_share is None
            else round(float(solution.worst_share), 4),
            "proven": solution.fairness_proven,
        },
        "stages": [
            {"name": s.name, "status": s.status, "seconds": s.seconds, "value": s.value}
            for s in solution.stages
        ],
    }
    if result.changes is not None:
        document["changes"] = dict(result.changes, proven=solution.stability_proven)
    return document
