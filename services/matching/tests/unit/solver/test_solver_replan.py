"""Re-planning against a previous schedule moves as little as possible."""

import copy

from matching.solver import check, load_scenario, plan
from matching.solver.explain import WITHDRAWN


def test_replanning_an_unchanged_workshop_moves_nothing(santa_marta):
    first = plan(santa_marta, time_limit=10)
    again = plan(santa_marta, time_limit=10, previous=first.rounds)
    assert again.rounds == first.rounds
    assert again.changes == {
        "rounds_kept": 16,
        "rounds_moved": 0,
        "rounds_new": 0,
        "attendees_kept": 40,
        "attendees_moved": 0,
    }
    assert again.solution.stability_proven


def without_program(raw, program):
    raw = copy.deepcopy(raw)
    raw["programs"] = [p for p in raw["programs"] if p["id"] != program]
    for interest in raw["interests"]:
        interest["programs"] = [p for p in interest["programs"] if p != program]
    return raw


def test_cancelling_a_program_keeps_every_other_round_where_it_was(santa_marta_raw, santa_marta):
    first = plan(santa_marta, time_limit=10)
    cancelled = next(r for r in first.rounds if r.program == "CO-ETHNIC")
    scenario = load_scenario(without_program(santa_marta_raw, "CO-ETHNIC"))

    again = plan(scenario, time_limit=10, previous=first.rounds)

    assert set(again.rounds) == {r for r in first.rounds if r.program != "CO-ETHNIC"}
    assert again.changes["rounds_moved"] == 1
    assert again.changes["attendees_moved"] == len(cancelled.attendees)
    assert again.solution.objective == 40 - len(cancelled.attendees)
    assert sorted(again.unmet, key=lambda u: u["delegation"]) == [
        {"delegation": d, "program": "CO-ETHNIC", "reason": WITHDRAWN}
        for d in sorted(cancelled.attendees)
    ]
    assert check(scenario, again.rounds) == []


def test_new_interest_is_served_without_moving_existing_rounds_when_possible(
    santa_marta_raw, santa_marta
):
    first = plan(santa_marta, time_limit=10)
    raw = copy.deepcopy(santa_marta_raw)
    # Guatemala (one delegate) joins late and asks for one program.
    raw["interests"].append({"delegation": "GT", "programs": ["CO-RESA"]})
    scenario = load_scenario(raw)

    again = plan(scenario, time_limit=10, previous=first.rounds)

    assert again.solution.objective == 41
    assert again.changes["rounds_moved"] == 0
    assert again.changes["attendees_moved"] == 0
    resa = next(r for r in again.rounds if r.program == "CO-RESA")
    assert "GT" in resa.attendees
