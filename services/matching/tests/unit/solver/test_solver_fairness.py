"""The fairness policy: "total" keeps the most weight; a price buys the worst-served a better share."""

import json
from fractions import Fraction

import pytest

from matching.solver import ScenarioError, load_scenario, plan, schedule_document
from matching.solver.cli import main
from matching.solver.scenario import FairnessPolicy


@pytest.fixture
def contested(scenario_dict):
    """A wants P1 and P2 (weights 3, 2); B's first choice Q cannot run, so P1 is worth 2 to B.

    Most weight: A takes both (5), B gets nothing. Giving P1 to B costs 1 (total
    4) and lifts both to 2/5.
    """

    def build(fairness=None):
        raw = scenario_dict(
            sessions=2,
            tables=1,
            capacity=1,
            hosts={"P1": "H", "P2": "H", "Q": "G"},
            interests={"A": ["P1", "P2"], "B": ["Q", "P1"]},
            available={"G": []},
            rank_weights=[3, 2],
        )
        if fairness is not None:
            raw["workshop"]["fairness"] = fairness
        return raw

    return build


def test_the_total_policy_keeps_the_most_weight_even_if_a_delegation_gets_nothing(contested):
    solution = plan(load_scenario(contested("total")), time_limit=5).solution
    assert (solution.objective, solution.worst_share) == (5, 0)
    assert solution.policy == FairnessPolicy(price=None)


def test_a_price_large_enough_buys_the_worst_served_delegation_a_share(contested):
    solution = plan(load_scenario(contested({"price": 0.2})), time_limit=5).solution
    assert solution.worst_share == Fraction(2, 5)
    assert solution.objective == solution.bound == 4
    assert (solution.best_total, solution.best_total_bound) == (5, 5)
    assert solution.shares == {"A": Fraction(2, 5), "B": Fraction(2, 5)}


def test_the_default_price_of_five_percent_does_not_pay_for_a_fifth(contested):
    scenario = load_scenario(contested())
    assert scenario.workshop.fairness == FairnessPolicy(price=Fraction(1, 20))
    solution = plan(scenario, time_limit=5).solution
    assert (solution.objective, solution.worst_share) == (5, 0)


def test_a_policy_argument_overrides_the_scenario(contested):
    scenario = load_scenario(contested("total"))
    assert plan(scenario, time_limit=5, policy={"price": 0.2}).solution.objective == 4


def test_the_schedule_file_reports_shares_policy_and_the_best_total_without_fairness(contested):
    document = schedule_document(plan(load_scenario(contested({"price": 0.2})), time_limit=5))
    assert document["fairness"] == {
        "worst_share": 0.4,
        "proven": True,
        "policy": {"price": 0.2},
        "shares": {"A": 0.4, "B": 0.4},
        "below_half": ["A", "B"],
        "best_total": 5,
        "best_total_bound": 5,
    }
    assert (document["objective"], document["bound"]) == (4, 4)
    assert [s["name"] for s in document["stages"]] == [
        "relaxation",
        "interests",
        "fairness",
        "total",
        "people",
    ]


def test_the_command_line_can_override_the_policy(contested, tmp_path):
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(contested()))
    out = tmp_path / "schedule.json"
    assert main(["solve", str(path), "-o", str(out), "--fairness", "0.2"]) == 0
    assert json.loads(out.read_text())["objective"] == 4
    assert main(["solve", str(path), "-o", str(out), "--fairness", "total"]) == 0
    assert json.loads(out.read_text())["fairness"]["policy"] == "total"
    assert main(["solve", str(path), "-o", str(out), "--fairness", "fair"]) == 2


@pytest.mark.parametrize(
    "value",
    ["fair", {"price": 1.5}, {"price": True}, {"price": "0.1"}, {"price": 0.1, "floor": 1}, 3],
)
def test_a_fairness_that_is_neither_total_nor_a_price_is_refused(contested, value):
    with pytest.raises(ScenarioError) as caught:
        load_scenario(contested(value))
    assert caught.value.problems == [
        'workshop.fairness: expected "total" or {"price": a number from 0 to 1}'
    ]


def test_the_reported_bound_is_never_above_the_lp_relaxation():
    from .test_solver_model import random_scenario

    scenario = load_scenario(random_scenario(3, delegations=40, programs=60))
    solution = plan(scenario, time_limit=2, policy="total").solution
    bounds = solution.bounds
    assert solution.objective <= solution.bound <= bounds["lp_relaxation"] <= bounds["trivial"]
    assert solution.bound <= bounds["cp_sat"]


@pytest.mark.parametrize(
    "policy,stages",
    [
        ("total", ["interests", "fairness", "people"]),
        ({"price": 0.2}, ["interests", "fairness", "total", "people"]),
    ],
)
def test_progress_names_each_stage_with_the_total_its_bound_and_the_worst_share(
    contested, policy, stages
):
    heard = []
    result = plan(load_scenario(contested(policy)), time_limit=5, on_progress=heard.append)
    assert list(dict.fromkeys(m["stage"] for m in heard)) == stages
    assert all(set(m) == {"stage", "objective", "bound", "worst_share", "solutions"} for m in heard)
    ended = {m["stage"]: m for m in heard if m["objective"] is not None}
    # the first stage finds the most weight (A takes both) and proves it
    assert (ended["interests"]["objective"], ended["interests"]["bound"]) == (5, 5)
    assert ended["interests"]["worst_share"] == 0.0
    solution = result.solution
    assert (heard[-1]["objective"], heard[-1]["bound"]) == (solution.objective, solution.bound)
    assert heard[-1]["worst_share"] == float(solution.worst_share)
    assert all(m["bound"] >= m["objective"] for m in ended.values())


def test_progress_comes_from_the_solution_callback_as_solutions_improve(contested):
    heard = []
    plan(load_scenario(contested("total")), time_limit=5, on_progress=heard.append)
    interests = [m for m in heard if m["stage"] == "interests"]
    # as the stage starts (nothing found yet), from the callback, as it ends
    start, *found, end = interests
    assert start["objective"] is None and start["solutions"] == 0
    assert found and all(m["objective"] is not None and m["solutions"] >= 1 for m in found)
    assert end["solutions"] >= found[-1]["solutions"]
