"""People at the tables: who presents each round and who sits there for each delegation.

The session model (model.py) only counts seats; the seat constraints it gets
from ``hall_constraints`` are exactly what makes a person-level assignment
exist (Hall's theorem), so placing people afterwards never fails. The
placement itself is a small CP-SAT model: one delegate per role, nobody twice
in a session, then a shared language at the table and continuity (the same
delegate for a delegation's rounds on one topic) as soft goals.
"""

from __future__ import annotations

import itertools
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from .scenario import Delegate, Interest, Round, Scenario

# Hall's condition is written out subset by subset up to this many different
# candidate sets in one (delegation, session); beyond it the model uses a flow.
HALL_SUBSETS_UP_TO = 8

# Weights of the placement's soft goals: a table that needs no interpretation
# counts more than keeping one delegate on a topic; keeping last revision's
# person in the same round breaks the remaining ties.
SHARED_LANGUAGE = 4
CONTINUITY = 2
KEEP_PERSON = 1


def hall_constraints(
    groups: Mapping[frozenset[str], Sequence], limit: int = HALL_SUBSETS_UP_TO
) -> list[tuple[list, int]] | None:
    """``(terms, rhs)``: for every set of role kinds, their rounds fit the people who can take them.

    ``groups`` maps a candidate set (the delegates present who may take a role)
    to the 0/1 terms of the roles with that set. Only binding, non-dominated
    subsets are returned; None when there are more than ``limit`` candidate sets.
    """
    kinds = [(people, list(terms)) for people, terms in groups.items() if terms]
    if len(kinds) > limit:
        return None
    constraints = []
    for size in range(1, len(kinds) + 1):
        for chosen in itertools.combinations(range(len(kinds)), size):
            union = frozenset().union(*(kinds[k][0] for k in chosen))
            # Dominated: another kind fits inside the same people, so adding it gives
            # the same right-hand side with more terms.
            if any(k not in chosen and kinds[k][0] <= union for k in range(len(kinds))):
                continue
            terms = [t for k in chosen for t in kinds[k][1]]
            if len(terms) > len(union):
                constraints.append((terms, len(union)))
    return constraints


def match(candidates: Sequence[Sequence[str]]) -> list[str] | None:
    """One distinct person per role, trying each role's candidates in order; None if impossible."""
    owner: dict[str, int] = {}

    def place(role: int, seen: set[str]) -> bool:
        for person in candidates[role]:
            if person in seen:
                continue
            seen.add(person)
            if person not in owner or place(owner[person], seen):
                owner[person] = role
                return True
        return False

    for role in range(len(candidates)):
        if not place(role, set()):
            return None
    chosen = [""] * len(candidates)
    for person, role in owner.items():
        chosen[role] = person
    return chosen


def presenters_in(scenario: Scenario, program: str, session: int) -> tuple[Delegate, ...]:
    return tuple(q for q in scenario.presenters(program) if session in q.available_sessions)


def attendees_in(scenario: Scenario, interest: Interest, session: int) -> tuple[Delegate, ...]:
    return tuple(q for q in scenario.attendee_pool(interest) if session in q.available_sessions)


def shares_language(a: Delegate, b: Delegate) -> bool:
    """True unless both say what they speak and they have nothing in common."""
    return not a.languages or not b.languages or bool(set(a.languages) & set(b.languages))


@dataclass(frozen=True)
class Placement:
    """Who takes each role; roles are ``(program, session)`` for presenting and
    ``(program, session, delegation)`` for attending."""

    presenters: Mapping[tuple[str, int], str]
    attending: Mapping[tuple[str, int, str], str]
    status: str
    seconds: float
    value: int
    shared_language: int = 0
    topic_switches: int = 0
    kept: int = 0
    unplaced: tuple = field(default=())


def _topics(scenario: Scenario, program: str) -> tuple[str, ...]:
    return scenario.program_by_id[program].topics or (f"program:{program}",)


def place_people(
    scenario: Scenario,
    runs: Iterable[tuple[str, int]],
    attendance: Iterable[tuple[str, str, int]],
    *,
    previous: Sequence[Round] = (),
    time_limit: float = 5.0,
    workers: int = 8,
    seed: int = 0,
) -> Placement:
    """Give every round its presenter and every attending delegation its delegate."""
    started = time.monotonic()
    interest_of = {(i.delegation, i.program): i for i in scenario.interests}
    delegate = scenario.delegate_by_id
    roles: dict[tuple, tuple[str, ...]] = {}  # role -> candidate ids, preferred first
    by_seat: dict[tuple[str, int], list[tuple]] = defaultdict(list)  # (delegation, session)
    owner: dict[tuple, str] = {}
    for p, s in sorted(runs, key=lambda k: (k[1], k[0])):
        role = (p, s)
        roles[role] = tuple(q.id for q in presenters_in(scenario, p, s))
        owner[role] = scenario.program_by_id[p].host
        by_seat[owner[role], s].append(role)
    for d, p, s in sorted(attendance, key=lambda k: (k[2], k[1], k[0])):
        role = (p, s, d)
        roles[role] = tuple(q.id for q in attendees_in(scenario, interest_of[d, p], s))
        owner[role] = d
        by_seat[d, s].append(role)

    before: dict[tuple, str] = {}
    for r in previous:
        if r.presenter:
            before[r.program, r.session] = r.presenter
        for d, q in r.attending_delegates:
            before[r.program, r.session, d] = q

    # A first assignment by matching, (delegation, session) by (delegation, session):
    # previous person first, then whoever already took that topic, then list order.
    first: dict[tuple, str] = {}
    unplaced = []
    for _, seat_roles in sorted(by_seat.items()):
        ordered = []
        for role in seat_roles:
            keep = before.get(role)
            ordered.append(sorted(roles[role], key=lambda q, keep=keep: q != keep))
        chosen = match(ordered)
        if chosen is None:
            unplaced.extend(seat_roles)
            continue
        first.update(zip(seat_roles, chosen, strict=True))

    model = cp_model.CpModel()
    a: dict[tuple[str, tuple], cp_model.IntVar] = {}
    per_person_session: dict[tuple[str, int], list] = defaultdict(list)
    for role, candidates in roles.items():
        if role in unplaced:
            continue
        choice = []
        for q in candidates:
            var = model.new_bool_var("")
            a[q, role] = var
            choice.append(var)
            per_person_session[q, role[1]].append(var)
            model.add_hint(var, first.get(role) == q)
        model.add_exactly_one(choice)
    for vars_ in per_person_session.values():
        if len(vars_) > 1:
            model.add_at_most_one(vars_)

    gains = []
    shared_terms = []
    for role, candidates in roles.items():
        if len(role) != 3 or role in unplaced or (role[0], role[1]) in unplaced:
            continue
        presenting = roles[role[0], role[1]]
        pairs = [(q, r) for q in candidates for r in presenting]
        ok = [shares_language(delegate[q], delegate[r]) for q, r in pairs]
        if all(ok) or not any(ok):
            continue
        spoken = sorted(
            {lang for q in (*candidates, *presenting) for lang in delegate[q].languages}
        )
        shared = model.new_bool_var("")
        options = []
        for lang in spoken:
            on = model.new_bool_var("")
            model.add(
                on
                <= sum(
                    a[q, role]
                    for q in candidates
                    if not delegate[q].languages or lang in delegate[q].languages
                )
            )
            model.add(
                on
                <= sum(
                    a[r, (role[0], role[1])]
                    for r in presenting
                    if not delegate[r].languages or lang in delegate[r].languages
                )
            )
            options.append(on)
        model.add(shared <= sum(options))
        shared_terms.append(shared)
        gains.append(SHARED_LANGUAGE * shared)

    by_topic: dict[tuple[str, str], list[tuple]] = defaultdict(list)
    for role in roles:
        if role in unplaced:
            continue
        for topic in _topics(scenario, role[0]):
            by_topic[owner[role], topic].append(role)
    switch_terms = []
    for group in by_topic.values():
        if len(group) < 2:
            continue
        people = sorted({q for role in group for q in roles[role]})
        if len(people) < 2:
            continue
        for q in people:
            used = model.new_bool_var("")
            for role in group:
                if (q, role) in a:
                    model.add_implication(a[q, role], used)
            switch_terms.append(used)
            gains.append(-CONTINUITY * used)
    keep_terms = [a[q, role] for role, q in before.items() if (q, role) in a]
    gains += [KEEP_PERSON * t for t in keep_terms]

    status_name = "greedy"
    chosen = dict(first)
    if a and gains:
        model.maximize(sum(gains))
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = workers
        solver.parameters.random_seed = seed
        solver.parameters.max_time_in_seconds = max(time_limit - (time.monotonic() - started), 0.05)
        status = solver.solve(model)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            status_name = "optimal" if status == cp_model.OPTIMAL else "feasible"
            chosen = {role: q for (q, role), var in a.items() if solver.boolean_value(var)}
    elif a:
        status_name = "optimal"

    presenters = {role: q for role, q in chosen.items() if len(role) == 2}
    attending = {role: q for role, q in chosen.items() if len(role) == 3}
    shared_count = sum(
        1
        for role, q in attending.items()
        if (role[0], role[1]) in presenters
        and shares_language(delegate[q], delegate[presenters[role[0], role[1]]])
    )
    switches = 0
    for group in by_topic.values():
        people = {chosen[role] for role in group if role in chosen}
        switches += max(0, len(people) - 1)
    return Placement(
        presenters=presenters,
        attending=attending,
        status=status_name,
        seconds=round(time.monotonic() - started, 3),
        value=SHARED_LANGUAGE * shared_count - CONTINUITY * switches,
        shared_language=shared_count,
        topic_switches=switches,
        kept=sum(1 for role, q in before.items() if chosen.get(role) == q),
        unplaced=tuple(unplaced),
    )


def interpretation_needed(scenario: Scenario, rounds: Sequence[Round]) -> list[dict]:
    """Rounds where an attending delegate shares no language with the presenter,
    grouped per session and (presenter's language, attendee's language)."""
    delegate = scenario.delegate_by_id
    grouped: dict[tuple[int, str, str], list[dict]] = defaultdict(list)
    for r in rounds:
        presenter = delegate.get(r.presenter or "")
        if presenter is None:
            continue
        for d, q in r.attending_delegates:
            person = delegate.get(q)
            if person is None or shares_language(presenter, person):
                continue
            grouped[r.session, presenter.languages[0], person.languages[0]].append(
                {
                    "table": r.table,
                    "program": r.program,
                    "presenter": presenter.id,
                    "delegation": d,
                    "delegate": person.id,
                }
            )
    return [
        {"session": s, "languages": [source, target], "count": len(items), "rounds": items}
        for (s, source, target), items in sorted(grouped.items())
    ]
