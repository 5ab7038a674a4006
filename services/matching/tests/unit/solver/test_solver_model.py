"""The CP-SAT optimum against an exhaustive search, plus pins, fairness and bounds."""

import random
from fractions import Fraction

import pytest

from matching.solver import Pin, ScenarioError, check, load_scenario, plan
from matching.solver.greedy import plan_greedily
from matching.solver.model import trivial_bound


def random_scenario(seed, delegations=30, programs=40, sessions=3, tables=6):
    """A workshop too big to search by hand; every seventh delegation misses session 3."""
    rng = random.Random(seed)
    ids = [f"D{n}" for n in range(delegations)]
    raw_programs = [
        {"id": f"P{n}", "title": f"P{n}", "host": rng.choice(ids)} for n in range(programs)
    ]
    interests = []
    for d in ids:
        others = [p["id"] for p in raw_programs if p["host"] != d]
        interests.append({"delegation": d, "programs": rng.sample(others, rng.randint(1, 5))})
    return {
        "workshop": {
            "id": "random",
            "sessions": sessions,
            "tables_per_session": tables,
            "table_capacity": 4,
            "max_runs_per_program": 2,
            "rank_weights": [3, 2, 1],
        },
        "delegations": [
            {"id": d, "name": d, "delegates": rng.randint(1, 3)}
            | ({"available_sessions": [1, 2]} if n % 7 == 0 else {})
            for n, d in enumerate(ids)
        ],
        "programs": raw_programs,
        "interests": interests,
    }


@pytest.mark.parametrize("policy", ["total", {"price": 0.05}])
@pytest.mark.parametrize("seed", [1, 2])
def test_schedule_stopped_early_still_passes_the_checker_under_a_proven_bound(seed, policy):
    scenario = load_scenario(random_scenario(seed))
    result = plan(scenario, time_limit=1.5, policy=policy)
    solution = result.solution
    assert (
        check(scenario, result.rounds, declared_objective=solution.objective, require_people=True)
        == []
    )
    assert solution.objective <= solution.bound <= trivial_bound(scenario)
    assert solution.best_total <= solution.best_total_bound <= trivial_bound(scenario)
    assert (solution.status == "optimal") == (solution.objective == solution.bound)
    # Fairness may cost at most the price of the best total found, which beats greedy.
    assert solution.best_total >= plan_greedily(scenario).objective
    if policy == "total":
        assert solution.objective == solution.best_total
    else:
        assert solution.objective >= 0.95 * solution.best_total


def test_santa_marta_meets_all_40_interests_without_over_using_seats(santa_marta):
    result = plan(santa_marta, time_limit=10)
    assert result.solution.status == "optimal"
    assert result.solution.objective == result.solution.bound == 40
    assert result.unmet == ()
    assert check(santa_marta, result.rounds) == []


def test_among_equally_good_schedules_the_worst_served_delegation_is_raised(make_scenario):
    # A could take both programs, but then B gets nothing; giving P1 to B satisfies as many.
    scenario = make_scenario(
        sessions=2,
        tables=1,
        capacity=1,
        hosts={"P1": "H", "P2": "G"},
        interests={"A": ["P1", "P2"], "B": ["P1"]},
    )
    result = plan(scenario, time_limit=5)
    assert result.solution.objective == 2
    assert result.solution.worst_share == Fraction(1, 2)
    assert [r.attendees for r in result.rounds if r.program == "P1"] == [("B",)]


def test_pinned_round_stays_at_its_session_and_table(santa_marta):
    result = plan(
        santa_marta,
        time_limit=10,
        pinned=[Pin(session=4, table=2, program="CO-RESA"), Pin(session=1, program="UY-MPI")],
    )
    placed = {(r.session, r.program): r.table for r in result.rounds}
    assert placed[4, "CO-RESA"] == 2
    assert (1, "UY-MPI") in placed
    assert result.solution.objective == 40
    assert check(santa_marta, result.rounds) == []


def test_pins_needing_more_seats_than_the_host_has_are_refused(santa_marta):
    with pytest.raises(ScenarioError, match="cannot all be kept"):
        plan(santa_marta, time_limit=5, pinned=[Pin(1, "BR-PAA"), Pin(1, "BR-SSC")])


def test_pins_naming_unknown_programs_or_tables_are_refused(santa_marta):
    with pytest.raises(ScenarioError) as caught:
        plan(
            santa_marta,
            time_limit=5,
            pinned=[Pin(1, "XX"), Pin(1, "BR-PAA", table=9), Pin(7, "CO-MPI")],
        )
    assert caught.value.problems == [
        "pinned[0].program: unknown program 'XX'",
        "pinned[1].table: table 9 is outside 1..4",
        "pinned[2].session: session 7 is outside 1..4",
    ]


def test_delegations_are_only_placed_in_their_available_sessions(make_scenario):
    scenario = make_scenario(
        sessions=3,
        tables=1,
        delegates={"H": 3},
        hosts={"P1": "H", "P2": "H", "P3": "H"},
        interests={"A": ["P1"], "B": ["P2"], "C": ["P3"]},
        available={"A": [3], "B": [2], "C": [1, 2, 3]},
    )
    result = plan(scenario, time_limit=5)
    sessions = {r.program: r.session for r in result.rounds}
    assert sessions == {"P1": 3, "P2": 2, "P3": 1}
