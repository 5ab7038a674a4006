"""Checks any schedule against its scenario, rule by rule, without using the model.

Written apart from model.py on purpose: it is the referee for the solver's
output and for hand-made schedules alike.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

from .scenario import Round, Scenario


def interest_weights(scenario: Scenario) -> dict[tuple[str, str], int]:
    """Weight of each (delegation, program) interest, recomputed from the rank weights."""
    weights = scenario.workshop.rank_weights
    ranks: dict[str, int] = Counter()
    result = {}
    for interest in scenario.interests:
        ranks[interest.delegation] += 1
        rank = ranks[interest.delegation]
        if weights:
            result[interest.delegation, interest.program] = weights[min(rank, len(weights)) - 1]
        else:
            result[interest.delegation, interest.program] = 1
    return result


def objective(scenario: Scenario, rounds: Sequence[Round]) -> int:
    """Sum of weights of the interests the schedule satisfies (each counted once)."""
    weights = interest_weights(scenario)
    satisfied = {(d, r.program) for r in rounds for d in r.attendees}
    return sum(weights.get(key, 0) for key in satisfied)


def check(
    scenario: Scenario,
    rounds: Sequence[Round],
    declared_objective: Any = None,
    *,
    require_people: bool = False,
) -> list[str]:
    """Every broken rule as a sentence; an empty list means the schedule is valid.

    People (presenters, attending delegates) are checked wherever a round names
    them; ``require_people`` also demands that every round names all of them.
    """
    workshop = scenario.workshop
    delegations = scenario.delegation_by_id
    programs = scenario.program_by_id
    weights = interest_weights(scenario)
    problems: list[str] = []

    def where(r: Round) -> str:
        return f"session {r.session} table {r.table} ({r.program})"

    per_session: dict[int, int] = Counter()
    per_table: dict[tuple[int, int], list[str]] = defaultdict(list)
    runs: dict[str, list[int]] = defaultdict(list)
    attended: dict[tuple[str, str], list[int]] = defaultdict(list)
    seats: dict[tuple[str, int], list[str]] = defaultdict(list)

    for r in rounds:
        if not 1 <= r.session <= workshop.sessions:
            problems.append(f"{where(r)}: session {r.session} is outside 1..{workshop.sessions}")
        if not 1 <= r.table <= workshop.tables_per_session:
            problems.append(
                f"{where(r)}: table {r.table} is outside 1..{workshop.tables_per_session}"
            )
        per_session[r.session] += 1
        per_table[r.session, r.table].append(r.program)
        program = programs.get(r.program)
        if program is None:
            problems.append(f"{where(r)}: unknown program {r.program!r}")
        else:
            runs[r.program].append(r.session)
            if r.host != program.host:
                problems.append(
                    f"{where(r)}: host is {r.host!r} but the program belongs to {program.host!r}"
                )
        if r.host in delegations:
            seats[r.host, r.session].append(f"hosts {r.program}")
            if r.session not in delegations[r.host].available_sessions:
                problems.append(
                    f"{where(r)}: host {r.host!r} is not available in session {r.session}"
                )
        elif program is not None or r.host:
            problems.append(f"{where(r)}: unknown host {r.host!r}")
        if not r.attendees:
            problems.append(f"{where(r)}: no attendee")
        if len(r.attendees) > workshop.table_capacity:
            problems.append(
                f"{where(r)}: {len(r.attendees)} attendees "
                f"but tables seat {workshop.table_capacity}"
            )
        for d, count in Counter(r.attendees).items():
            if count > 1:
                problems.append(f"{where(r)}: {d!r} listed {count} times")
        for d in dict.fromkeys(r.attendees):
            if d not in delegations:
                problems.append(f"{where(r)}: unknown attendee {d!r}")
                continue
            if (d, r.program) not in weights:
                problems.append(f"{where(r)}: {d!r} did not ask for {r.program!r}")
            if r.session not in delegations[d].available_sessions:
                problems.append(f"{where(r)}: {d!r} is not available in session {r.session}")
            attended[d, r.program].append(r.session)
            seats[d, r.session].append(f"attends {r.program}")

    for session, count in sorted(per_session.items()):
        if count > workshop.tables_per_session:
            problems.append(
                f"session {session}: {count} rounds but only {workshop.tables_per_session} tables"
            )
    for (session, table), held in sorted(per_table.items()):
        if len(held) > 1:
            problems.append(
                f"session {session} table {table}: {len(held)} rounds at once ({', '.join(held)})"
            )
    for program, sessions in sorted(runs.items()):
        if len(sessions) > workshop.max_runs_per_program:
            problems.append(
                f"program {program!r} runs {len(sessions)} times; "
                f"at most {workshop.max_runs_per_program} allowed"
            )
        for session, count in sorted(Counter(sessions).items()):
            if count > 1:
                problems.append(f"program {program!r} runs {count} times in session {session}")
    for (d, program), sessions in sorted(attended.items()):
        if len(sessions) > 1:
            problems.append(
                f"{d!r} attends {program!r} {len(sessions)} times (sessions {sorted(sessions)})"
            )
    for (d, session), uses in sorted(seats.items(), key=lambda item: (item[0][1], item[0][0])):
        everyone = delegations[d].people
        limit = sum(1 for q in everyone if session in q.available_sessions)
        # Nobody present at all is already reported round by round as unavailability.
        if len(uses) > limit > 0:
            problems.append(
                f"session {session}: {d!r} needs {len(uses)} seats but has {limit} delegate"
                f"{'s' if limit != 1 else ''}{' present' if limit < len(everyone) else ''}"
                f" ({'; '.join(uses)})"
            )
    problems += _people_problems(scenario, rounds, require_people)

    if declared_objective is not None:
        actual = objective(scenario, rounds)
        if declared_objective != actual:
            problems.append(
                f"objective: the file says {declared_objective} but the rounds satisfy {actual}"
            )
    return problems


def seat_overuse(scenario: Scenario, rounds: Sequence[Round]) -> dict[tuple[str, int], int]:
    """(delegation, session) -> seats needed beyond its delegates present, for the over-used ones."""
    used: dict[tuple[str, int], int] = Counter()
    for r in rounds:
        used[r.host, r.session] += 1
        for d in set(r.attendees):
            used[d, r.session] += 1
    delegations = scenario.delegation_by_id

    def present(d: str, session: int) -> int:
        return sum(1 for q in delegations[d].people if session in q.available_sessions)

    return {
        key: count - present(*key)
        for key, count in sorted(used.items())
        if key[0] in delegations and count > present(*key)
    }


def _people_problems(scenario: Scenario, rounds: Sequence[Round], require: bool) -> list[str]:
    """Presenters and attending delegates: who they are, when they are there, one place at a time."""
    people = scenario.delegate_by_id
    programs = scenario.program_by_id
    pools = {(i.delegation, i.program): i.attendees for i in scenario.interests}
    problems: list[str] = []
    places: dict[tuple[str, int], list[str]] = defaultdict(list)

    def where(r: Round) -> str:
        return f"session {r.session} table {r.table} ({r.program})"

    for r in rounds:
        program = programs.get(r.program)
        if r.presenter is None:
            if require:
                problems.append(f"{where(r)}: no presenter")
        else:
            person = people.get(r.presenter)
            places[r.presenter, r.session].append(f"presents {r.program} at table {r.table}")
            if person is None or person.delegation != r.host:
                problems.append(
                    f"{where(r)}: presenter {r.presenter!r} is not a delegate of {r.host!r}"
                )
            elif (
                program is not None and program.presenters and r.presenter not in program.presenters
            ):
                problems.append(
                    f"{where(r)}: presenter {r.presenter!r} is not among the presenters of {r.program!r}"
                )
            if person is not None and r.session not in person.available_sessions:
                problems.append(
                    f"{where(r)}: presenter {r.presenter!r} is not present in session {r.session}"
                )
        seated = dict(r.attending_delegates)
        for d, q in r.attending_delegates:
            places[q, r.session].append(f"attends {r.program} at table {r.table} for {d}")
            person = people.get(q)
            if d not in r.attendees:
                problems.append(f"{where(r)}: {q!r} sits for {d!r}, which does not attend")
            if person is None or person.delegation != d:
                problems.append(f"{where(r)}: {q!r} sits for {d!r} but is not one of its delegates")
            elif pools.get((d, r.program)) and q not in pools[d, r.program]:
                problems.append(
                    f"{where(r)}: {q!r} is not among the delegates {d!r} sends to {r.program!r}"
                )
            if person is not None and r.session not in person.available_sessions:
                problems.append(f"{where(r)}: {q!r} of {d!r} is not present in session {r.session}")
        if require:
            for d in r.attendees:
                if d not in seated:
                    problems.append(f"{where(r)}: no delegate sits for {d!r}")
    for (q, session), uses in sorted(places.items(), key=lambda item: (item[0][1], item[0][0])):
        if len(uses) > 1:
            problems.append(
                f"session {session}: {q!r} is in {len(uses)} places at once ({'; '.join(uses)})"
            )
    return problems
