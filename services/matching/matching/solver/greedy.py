"""A greedy baseline: most-demanded programs first, each in its best session.

Kept for comparison in the benchmark and as a starting hint for CP-SAT; it
proves nothing about how far it is from the best schedule.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from .people import attendees_in, match, presenters_in
from .scenario import Interest, Scenario


@dataclass(frozen=True)
class GreedyPlan:
    runs: frozenset[tuple[str, int]]  # (program, session)
    attendance: frozenset[tuple[str, str, int]]  # (delegation, program, session)
    objective: int


def plan_greedily(scenario: Scenario) -> GreedyPlan:
    """Place one run of each program by falling demand, then extra runs while tables remain."""
    workshop = scenario.workshop
    # (delegation, session) -> candidate ids of each role it already took there
    seats_used: dict[tuple[str, int], list[list[str]]] = defaultdict(list)
    tables_used: dict[int, int] = defaultdict(int)
    runs: dict[str, list[int]] = defaultdict(list)
    attendance: set[tuple[str, str, int]] = set()
    pending: dict[str, list[Interest]] = defaultdict(list)
    for interest in scenario.interests:
        pending[interest.program].append(interest)
    for waiting in pending.values():
        waiting.sort(key=lambda i: (-i.weight, i.delegation))

    def candidates(program_id: str, session: int, interest: Interest | None) -> list[str]:
        people = (
            presenters_in(scenario, program_id, session)
            if interest is None
            else attendees_in(scenario, interest, session)
        )
        return [q.id for q in people]

    def has_seat(delegation: str, session: int, people: list[str]) -> bool:
        """One more role for these people still leaves everyone a distinct delegate."""
        taken = seats_used[delegation, session]
        if not people or len(taken) >= len(scenario.delegation_by_id[delegation].people):
            return False
        return match([*taken, people]) is not None

    def place_one_run(program_id: str) -> bool:
        host = scenario.program_by_id[program_id].host
        best: tuple[int, int, list[Interest]] | None = None
        for session in scenario.sessions:
            presenting = candidates(program_id, session, None)
            if (
                session in runs[program_id]
                or tables_used[session] >= workshop.tables_per_session
                or not has_seat(host, session, presenting)
            ):
                continue
            seated = [
                i
                for i in pending[program_id]
                if has_seat(i.delegation, session, candidates(program_id, session, i))
            ]
            seated = seated[: workshop.table_capacity]
            value = sum(i.weight for i in seated)
            if seated and (best is None or value > best[0]):
                best = (value, session, seated, presenting)
        if best is None:
            return False
        _, session, seated, presenting = best
        runs[program_id].append(session)
        tables_used[session] += 1
        seats_used[host, session].append(presenting)
        for interest in seated:
            seats_used[interest.delegation, session].append(
                candidates(program_id, session, interest)
            )
            attendance.add((interest.delegation, program_id, session))
            pending[program_id].remove(interest)
        return True

    def demand(program_id: str) -> int:
        return sum(i.weight for i in pending[program_id])

    for _ in range(workshop.max_runs_per_program):
        for program in sorted(scenario.programs, key=lambda p: (-demand(p.id), p.id)):
            if pending[program.id]:
                place_one_run(program.id)

    weight = {(i.delegation, i.program): i.weight for i in scenario.interests}
    return GreedyPlan(
        runs=frozenset((p, s) for p, sessions in runs.items() for s in sessions),
        attendance=frozenset(attendance),
        objective=sum(weight[d, p] for d, p, _ in attendance),
    )
