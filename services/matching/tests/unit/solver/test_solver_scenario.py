"""Scenario files: what is accepted, and errors that name the exact field."""

import copy

import pytest

from matching.solver import ScenarioError, load_scenario, load_schedule
from matching.solver.scenario import hand_made_rounds


def problems_of(raw):
    with pytest.raises(ScenarioError) as caught:
        load_scenario(raw)
    return caught.value.problems


def test_santa_marta_loads_with_title_and_hand_made_schedule(santa_marta_raw):
    scenario = load_scenario(copy.deepcopy(santa_marta_raw))
    assert scenario.workshop.title.startswith("Third Workshop")
    assert len(scenario.interests) == 40
    assert scenario.delegation_by_id["CO"].available_sessions == frozenset({1, 2, 3, 4})


def test_every_interest_weighs_one_without_rank_weights(santa_marta):
    assert {i.weight for i in santa_marta.interests} == {1}


def test_rank_weights_follow_preference_and_last_weight_repeats(scenario_dict):
    raw = scenario_dict(
        hosts={"P1": "H", "P2": "H", "P3": "H"},
        interests={"A": ["P2", "P1", "P3"]},
        rank_weights=[5, 2],
    )
    scenario = load_scenario(raw)
    assert [(i.program, i.rank, i.weight) for i in scenario.interests] == [
        ("P2", 1, 5),
        ("P1", 2, 2),
        ("P3", 3, 2),
    ]


def test_unknown_program_in_an_interest_names_its_position(santa_marta_raw):
    raw = copy.deepcopy(santa_marta_raw)
    raw["interests"][3]["programs"][1] = "XX"
    assert "interests[3].programs[1]: unknown program 'XX'" in problems_of(raw)


def test_unknown_delegation_as_host_or_asker_is_refused(scenario_dict):
    raw = scenario_dict(hosts={"P1": "H"}, interests={"A": ["P1"]})
    raw["programs"][0]["host"] = "NOPE"
    raw["interests"][0]["delegation"] = "GHOST"
    problems = problems_of(raw)
    assert "programs[0].host: unknown delegation 'NOPE'" in problems
    assert "interests[0].delegation: unknown delegation 'GHOST'" in problems


def test_duplicate_ids_are_refused(santa_marta_raw):
    raw = copy.deepcopy(santa_marta_raw)
    raw["delegations"][1]["id"] = "BO"
    raw["programs"][2]["id"] = "BR-PAA"
    problems = problems_of(raw)
    assert "delegations[1].id: duplicate delegation id 'BO'" in problems
    assert "programs[2].id: duplicate program id 'BR-PAA'" in problems


def test_a_program_listed_twice_by_one_delegation_is_refused(santa_marta_raw):
    raw = copy.deepcopy(santa_marta_raw)
    raw["interests"][0]["programs"][2] = "BR-PAA"
    assert "interests[0].programs[2]: program 'BR-PAA' listed twice" in problems_of(raw)


def test_a_delegation_cannot_ask_for_its_own_program(santa_marta_raw):
    raw = copy.deepcopy(santa_marta_raw)
    raw["interests"][0]["programs"].append("CO-RESA")
    assert "interests[0].programs[9]: 'CO' cannot ask for its own program 'CO-RESA'" in problems_of(
        raw
    )


def test_a_second_interest_list_for_the_same_delegation_is_refused(santa_marta_raw):
    raw = copy.deepcopy(santa_marta_raw)
    raw["interests"].append({"delegation": "CO", "programs": []})
    assert "interests[11].delegation: second interest list for 'CO'" in problems_of(raw)


@pytest.mark.parametrize(
    "key", ["sessions", "tables_per_session", "table_capacity", "max_runs_per_program"]
)
def test_workshop_sizes_below_one_are_refused(santa_marta_raw, key):
    raw = copy.deepcopy(santa_marta_raw)
    raw["workshop"][key] = 0
    assert problems_of(raw) == [f"workshop.{key}: must be at least 1"]


def test_delegates_below_one_are_refused(santa_marta_raw):
    raw = copy.deepcopy(santa_marta_raw)
    raw["delegations"][2]["delegates"] = 0
    assert problems_of(raw) == ["delegations[2].delegates: must be at least 1"]


def test_available_sessions_out_of_range_or_repeated_are_refused(santa_marta_raw):
    raw = copy.deepcopy(santa_marta_raw)
    raw["delegations"][0]["available_sessions"] = [1, 5, 1, 0]
    assert problems_of(raw) == [
        "delegations[0].available_sessions[1]: session 5 is outside 1..4",
        "delegations[0].available_sessions[2]: session 1 listed twice",
        "delegations[0].available_sessions[3]: session 0 is outside 1..4",
    ]


def test_unknown_keys_are_refused_where_they_appear(santa_marta_raw):
    raw = copy.deepcopy(santa_marta_raw)
    raw["workshop"]["colour"] = "green"
    raw["delegations"][0]["flag"] = "BO"
    raw["extra"] = 1
    problems = problems_of(raw)
    assert "workshop.colour: Unknown field." in problems
    assert "delegations[0].flag: Unknown field." in problems
    assert "extra: Unknown field." in problems


def test_missing_and_mistyped_fields_name_their_path(santa_marta_raw):
    raw = copy.deepcopy(santa_marta_raw)
    del raw["workshop"]["sessions"]
    raw["delegations"][3]["delegates"] = "five"
    raw["interests"][2]["programs"] = "BR-PAA"
    raw["workshop"]["rank_weights"] = []
    problems = problems_of(raw)
    assert "workshop.sessions: Missing data for required field." in problems
    assert "delegations[3].delegates: Not a valid integer." in problems
    assert "interests[2].programs: Not a valid list." in problems
    assert "workshop.rank_weights: must list at least one weight" in problems


def test_booleans_and_floats_are_not_counts(santa_marta_raw):
    raw = copy.deepcopy(santa_marta_raw)
    raw["workshop"]["sessions"] = True
    raw["workshop"]["table_capacity"] = 8.0
    problems = problems_of(raw)
    assert "workshop.sessions: Not a valid integer." in problems
    assert "workshop.table_capacity: Not a valid integer." in problems


def test_a_scenario_that_is_not_an_object_is_refused():
    assert problems_of([1, 2]) == ["(top level): Invalid input type."]


def test_scenario_objects_are_frozen(santa_marta):
    with pytest.raises(AttributeError):
        santa_marta.workshop.sessions = 9


def test_hand_made_schedule_seats_everyone_who_asked(santa_marta_raw, santa_marta):
    rounds = hand_made_rounds(santa_marta_raw, santa_marta)
    assert len(rounds) == 16
    paa = next(r for r in rounds if r.program == "BR-PAA")
    assert (paa.session, paa.table, paa.host) == (1, 1, "BR")
    assert set(paa.attendees) == {"CO", "CR", "UY", "BO", "PY", "PE", "MERCOSUR"}


def test_schedule_reader_fills_a_missing_host_and_ignores_extra_keys(santa_marta):
    schedule = load_schedule(
        {
            "status": "x",
            "rounds": [
                {"session": 1, "table": 1, "program": "BR-PAA", "attendees": ["BO"], "note": 1}
            ],
        },
        santa_marta,
    )
    assert schedule.rounds[0].host == "BR"


def test_schedule_reader_names_mistyped_round_fields(santa_marta):
    with pytest.raises(ScenarioError) as caught:
        load_schedule(
            {"rounds": [{"session": "one", "table": 1, "program": "BR-PAA"}]}, santa_marta
        )
    assert caught.value.problems == ["rounds[0].session: Not a valid integer."]


def test_delegates_may_be_listed_with_their_sessions_and_languages(scenario_dict):
    raw = scenario_dict(sessions=3, hosts={"P1": "H"}, interests={"PE": ["P1"]})
    raw["delegations"][1].update(
        available_sessions=[1, 2],
        languages=["es"],
        delegates=[
            {"id": "ana", "name": "Ana"},
            {"id": "luis", "available_sessions": [2, 3], "languages": ["en", "es"]},
        ],
    )
    peru = load_scenario(raw).delegation_by_id["PE"]
    assert peru.delegates == 2
    ana, luis = peru.people
    assert (ana.name, ana.available_sessions, ana.languages) == ("Ana", {1, 2}, ("es",))
    # Present only when both the delegate and the delegation say so.
    assert (luis.available_sessions, luis.languages) == ({2}, ("en", "es"))
    assert peru.available_sessions == {1, 2}
    assert [peru.seats(s) for s in (1, 2, 3)] == [1, 2, 0]


def test_listed_delegates_presenters_and_attendees_are_checked(scenario_dict):
    raw = scenario_dict(sessions=2, hosts={"P1": "H", "P2": "A"}, interests={"A": ["P1"]})
    raw["delegations"][0]["delegates"] = [{"id": "h1"}, {"id": "h1", "available_sessions": [3]}]
    raw["delegations"][1]["delegates"] = [{"id": "a1"}]
    raw["programs"][0]["presenters"] = ["a1"]
    raw["interests"][0]["attendees"] = ["h1"]
    assert problems_of(raw) == [
        "delegations[0].delegates[1].id: duplicate delegate id 'h1'",
        "delegations[0].delegates[1].available_sessions[0]: session 3 is outside 1..2",
        "programs[0].presenters[0]: 'a1' is not a listed delegate of 'H'",
        "interests[0].attendees[0]: 'h1' is not a listed delegate of 'A'",
    ]


def test_an_empty_list_of_delegates_is_refused(scenario_dict):
    raw = scenario_dict(hosts={"P1": "H"}, interests={"A": ["P1"]})
    raw["delegations"][0]["delegates"] = []
    raw["delegations"][1]["delegates"] = [{"name": "no id"}]
    assert problems_of(raw) == [
        "delegations[0].delegates: must list at least one delegate",
        "delegations[1].delegates[0].id: Missing data for required field.",
    ]


def test_the_example_with_people_loads(santa_marta):
    import json
    from pathlib import Path

    from .conftest import SANTA_MARTA

    people = Path(str(SANTA_MARTA).replace(".json", ".people.json"))
    scenario = load_scenario(json.loads(people.read_text()))
    assert [q.id for q in scenario.delegation_by_id["PE"].people] == ["PE-ana", "PE-luis"]
    assert len(scenario.interests) == len(santa_marta.interests)
