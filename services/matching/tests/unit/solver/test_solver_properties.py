"""Property tests: on small random workshops CP-SAT must match an exhaustive search.

The search below is written without the solver's code, so the comparison means something.
"""

import itertools
from collections import defaultdict
from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matching.solver import Round, check, load_scenario, plan
from matching.solver.greedy import plan_greedily

PROPERTY_SETTINGS = settings(
    max_examples=150,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
NAMES = ["A", "B", "C", "D"]


@st.composite
def small_scenarios(draw):
    """At most 4 delegations, 4 programs, 2 sessions, 2 tables and 7 interests."""
    names = NAMES[: draw(st.integers(2, 4))]
    sessions = draw(st.integers(1, 2))
    session_sets = [None, []] + [
        list(c)
        for n in range(1, sessions + 1)
        for c in itertools.combinations(range(1, sessions + 1), n)
    ]
    delegations = []
    for name in names:
        delegation = {"id": name, "name": name, "delegates": draw(st.integers(1, 2))}
        available = draw(st.sampled_from(session_sets))
        if available is not None:
            delegation["available_sessions"] = available
        delegations.append(delegation)
    programs = [
        {"id": f"P{k}", "title": f"P{k}", "host": draw(st.sampled_from(names))}
        for k in range(draw(st.integers(1, 4)))
    ]
    interests = []
    budget = 7
    for name in names:
        others = [p["id"] for p in programs if p["host"] != name]
        wanted = (
            draw(st.lists(st.sampled_from(others), unique=True, max_size=min(budget, len(others))))
            if others
            else []
        )
        budget -= len(wanted)
        if wanted or draw(st.booleans()):
            interests.append({"delegation": name, "programs": wanted})
    workshop = {
        "id": "prop",
        "sessions": sessions,
        "tables_per_session": draw(st.integers(1, 2)),
        "table_capacity": draw(st.integers(1, 3)),
        "max_runs_per_program": draw(st.integers(1, 2)),
    }
    weights = draw(st.sampled_from([None, [2, 1], [3, 2, 1], [1, 4]]))
    if weights:
        workshop["rank_weights"] = weights
    return {
        "workshop": workshop,
        "delegations": delegations,
        "programs": programs,
        "interests": interests,
    }


def exhaustive_best(raw):
    """Best (objective, worst share) over every way to seat every interest; rounds follow seats."""
    workshop = raw["workshop"]
    every = set(range(1, workshop["sessions"] + 1))
    available = {d["id"]: set(d.get("available_sessions", every)) for d in raw["delegations"]}
    delegates = {d["id"]: d["delegates"] for d in raw["delegations"]}
    host = {p["id"]: p["host"] for p in raw["programs"]}
    weights = workshop.get("rank_weights")
    interests = []
    for entry in raw["interests"]:
        for rank, program in enumerate(entry["programs"], start=1):
            weight = weights[min(rank, len(weights)) - 1] if weights else 1
            interests.append((entry["delegation"], program, weight))
    options = [[None, *sorted(available[d] & available[host[p]])] for d, p, _ in interests]
    asked = defaultdict(int)
    for d, _, w in interests:
        asked[d] += w
    can_get = {d for (d, _, _), opts in zip(interests, options, strict=True) if len(opts) > 1}

    best = None
    for choice in itertools.product(*options):
        rounds = defaultdict(list)
        for (d, p, _), session in zip(interests, choice, strict=True):
            if session is not None:
                rounds[p, session].append(d)
        runs = defaultdict(int)
        per_session = defaultdict(int)
        seats = defaultdict(int)
        for (p, s), attendees in rounds.items():
            runs[p] += 1
            per_session[s] += 1
            seats[host[p], s] += 1
            for d in attendees:
                seats[d, s] += 1
        if (
            any(len(a) > workshop["table_capacity"] for a in rounds.values())
            or any(n > workshop["max_runs_per_program"] for n in runs.values())
            or any(n > workshop["tables_per_session"] for n in per_session.values())
            or any(n > delegates[d] for (d, _), n in seats.items())
        ):
            continue
        got = defaultdict(int)
        for (d, _, w), session in zip(interests, choice, strict=True):
            if session is not None:
                got[d] += w
        shares = [Fraction(got[d], asked[d]) for d in can_get]
        key = (sum(got.values()), min(shares) if shares else None)
        if best is None or (key[0], key[1] or 0) > (best[0], best[1] or 0):
            best = key
    return best


@PROPERTY_SETTINGS
@given(small_scenarios())
def test_cp_sat_matches_exhaustive_search_on_objective_and_fairness(raw):
    scenario = load_scenario(raw)
    result = plan(scenario, time_limit=10)
    best_objective, best_share = exhaustive_best(raw)
    assert result.solution.status == "optimal"
    assert result.solution.objective == best_objective
    assert result.solution.bound == best_objective
    assert result.solution.worst_share == best_share
    assert check(scenario, result.rounds, declared_objective=best_objective) == []


@PROPERTY_SETTINGS
@given(small_scenarios())
def test_greedy_never_beats_the_optimum_and_breaks_no_rule(raw):
    scenario = load_scenario(raw)
    greedy = plan_greedily(scenario)
    assert greedy.objective <= exhaustive_best(raw)[0]
    tables = defaultdict(int)
    rounds = []
    for program, session in sorted(greedy.runs):
        tables[session] += 1
        attendees = tuple(d for d, p, s in greedy.attendance if (p, s) == (program, session))
        rounds.append(
            Round(
                session, tables[session], program, scenario.program_by_id[program].host, attendees
            )
        )
    assert check(scenario, rounds, declared_objective=greedy.objective) == []


@settings(PROPERTY_SETTINGS, max_examples=60)
@given(small_scenarios())
def test_replanning_against_its_own_output_moves_nothing(raw):
    scenario = load_scenario(raw)
    first = plan(scenario, time_limit=10)
    again = plan(scenario, time_limit=10, previous=first.rounds)
    assert again.changes["rounds_moved"] == 0
    assert again.changes["attendees_moved"] == 0
    assert again.solution.objective == first.solution.objective
