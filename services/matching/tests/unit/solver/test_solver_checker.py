"""The checker catches every kind of broken rule on hand-made bad schedules."""

import pytest

from matching.solver import Round, check, load_scenario, objective
from matching.solver.checker import seat_overuse


@pytest.fixture
def workshop(make_scenario):
    """Two sessions of two tables; A and B ask for both programs; H hosts them with one delegate."""
    return make_scenario(
        sessions=2,
        tables=2,
        capacity=2,
        max_runs=2,
        delegates={"H": 1, "A": 1, "B": 2, "C": 1},
        hosts={"P1": "H", "P2": "H", "P3": "C"},
        interests={"A": ["P1", "P2"], "B": ["P1", "P2", "P3"], "C": ["P1"]},
        available={"C": [1]},
        rank_weights=[3, 1],
    )


def one_problem(scenario, rounds, fragment):
    problems = check(scenario, rounds)
    assert len(problems) == 1, problems
    assert fragment in problems[0]
    return problems[0]


def test_a_valid_schedule_has_no_violations(workshop):
    rounds = [Round(1, 1, "P1", "H", ("A", "B")), Round(2, 1, "P2", "H", ("A", "B"))]
    assert check(workshop, rounds) == []
    assert objective(workshop, rounds) == 3 + 1 + 3 + 1


def test_delegation_never_needs_more_seats_than_delegates(workshop):
    rounds = [Round(1, 1, "P1", "H", ("A",)), Round(1, 2, "P2", "H", ("B",))]
    message = one_problem(workshop, rounds, "'H' needs 2 seats but has 1 delegate")
    assert "hosts P1; hosts P2" in message
    assert seat_overuse(workshop, rounds) == {("H", 1): 1}


def test_attending_and_hosting_share_the_same_seats(make_scenario):
    scenario = make_scenario(hosts={"P1": "A", "P2": "B"}, interests={"A": ["P2"], "B": ["P1"]})
    rounds = [Round(1, 1, "P1", "A", ("B",)), Round(1, 2, "P2", "B", ("A",))]
    problems = check(scenario, rounds)
    assert any("'A' needs 2 seats" in p for p in problems)
    assert any("'B' needs 2 seats" in p for p in problems)


def test_two_rounds_at_one_table_are_caught(workshop):
    rounds = [Round(1, 1, "P1", "H", ("A",)), Round(1, 1, "P3", "C", ("B",))]
    one_problem(workshop, rounds, "session 1 table 1: 2 rounds at once")


def test_more_rounds_than_tables_in_a_session_are_caught(make_scenario):
    scenario = make_scenario(
        tables=1,
        delegates={"H": 2},
        hosts={"P1": "H", "P2": "H"},
        interests={"A": ["P1"], "B": ["P2"]},
    )
    problems = check(scenario, [Round(1, 1, "P1", "H", ("A",)), Round(1, 2, "P2", "H", ("B",))])
    assert "session 1 table 2 (P2): table 2 is outside 1..1" in problems
    assert "session 1: 2 rounds but only 1 tables" in problems


def test_sessions_outside_the_workshop_are_caught(workshop):
    problems = check(workshop, [Round(3, 1, "P1", "H", ("A",))])
    assert "session 3 table 1 (P1): session 3 is outside 1..2" in problems


def test_a_program_running_more_than_max_runs_is_caught(make_scenario):
    scenario = make_scenario(
        sessions=2, delegates={"H": 2}, hosts={"P1": "H"}, interests={"A": ["P1"], "B": ["P1"]}
    )
    rounds = [Round(1, 1, "P1", "H", ("A",)), Round(2, 1, "P1", "H", ("B",))]
    one_problem(scenario, rounds, "program 'P1' runs 2 times; at most 1 allowed")


def test_a_program_running_twice_in_one_session_is_caught(workshop):
    rounds = [Round(1, 1, "P3", "C", ("A",)), Round(1, 2, "P3", "C", ("B",))]
    problems = check(workshop, rounds)
    assert "program 'P3' runs 2 times in session 1" in problems


def test_a_round_without_attendees_is_caught(workshop):
    one_problem(workshop, [Round(1, 1, "P1", "H", ())], "no attendee")


def test_a_round_over_table_capacity_is_caught(workshop):
    one_problem(
        workshop, [Round(1, 1, "P1", "H", ("A", "B", "C"))], "3 attendees but tables seat 2"
    )


def test_attending_a_program_not_asked_for_is_caught(workshop):
    one_problem(workshop, [Round(1, 1, "P3", "C", ("A",))], "'A' did not ask for 'P3'")


def test_attending_the_same_program_twice_is_caught(workshop):
    rounds = [Round(1, 1, "P1", "H", ("A",)), Round(2, 1, "P1", "H", ("A", "B"))]
    one_problem(workshop, rounds, "'A' attends 'P1' 2 times (sessions [1, 2])")


def test_an_attendee_listed_twice_in_a_round_is_caught(workshop):
    problems = check(workshop, [Round(1, 1, "P1", "H", ("A", "A"))])
    assert any("'A' listed 2 times" in p for p in problems)


def test_unavailable_hosts_and_attendees_are_caught(workshop):
    one_problem(workshop, [Round(2, 1, "P1", "H", ("C",))], "'C' is not available in session 2")
    one_problem(
        workshop, [Round(2, 1, "P3", "C", ("B",))], "host 'C' is not available in session 2"
    )


def test_a_wrong_host_is_caught(workshop):
    one_problem(
        workshop, [Round(1, 1, "P1", "C", ("A",))], "host is 'C' but the program belongs to 'H'"
    )


def test_unknown_programs_and_delegations_are_caught(workshop):
    problems = check(workshop, [Round(1, 1, "P9", "H", ("A",)), Round(2, 1, "P2", "H", ("Z",))])
    assert "session 1 table 1 (P9): unknown program 'P9'" in problems
    assert "session 2 table 1 (P2): unknown attendee 'Z'" in problems


def test_a_declared_objective_that_the_rounds_do_not_reach_is_caught(workshop):
    rounds = [Round(1, 1, "P1", "H", ("A",))]
    assert check(workshop, rounds, declared_objective=3) == []
    assert check(workshop, rounds, declared_objective=4) == [
        "objective: the file says 4 but the rounds satisfy 3"
    ]


def test_hand_made_santa_marta_schedule_over_uses_seats(santa_marta_raw, santa_marta):
    from matching.solver.scenario import hand_made_rounds

    rounds = hand_made_rounds(santa_marta_raw, santa_marta)
    problems = check(santa_marta, rounds)
    assert problems and all("seats but has" in p for p in problems)
    # Brazil presents both of its programs in the first session with one delegate.
    assert (
        "session 1: 'BR' needs 2 seats but has 1 delegate (hosts BR-PAA; hosts BR-SSC)" in problems
    )
    assert seat_overuse(santa_marta, rounds)[("BR", 1)] == 1


@pytest.fixture
def named(scenario_dict):
    """H (h1 all day, h2 only in session 2) hosts P1 and P2, only h1 presents P2; A sends a1
    (session 1 only) and a2, and only a2 to P2; B is anonymous."""
    raw = scenario_dict(
        sessions=2,
        tables=2,
        capacity=2,
        max_runs=2,
        hosts={"P1": "H", "P2": "H"},
        interests={"A": ["P1", "P2"], "B": ["P1", "P2"]},
        delegates={"B": 2},
    )
    people = {
        "H": [{"id": "h1"}, {"id": "h2", "available_sessions": [2]}],
        "A": [{"id": "a1", "available_sessions": [1]}, {"id": "a2"}],
    }
    for delegation in raw["delegations"]:
        delegation["delegates"] = people.get(delegation["id"], delegation["delegates"])
    raw["programs"][1]["presenters"] = ["h1"]
    raw["interests"][0]["attendees"] = ["a1", "a2"]
    return load_scenario(raw)


def test_a_schedule_with_people_in_their_places_has_no_violations(named):
    rounds = [
        Round(1, 1, "P1", "H", ("A", "B"), "h1", (("A", "a1"), ("B", "B#1"))),
        Round(2, 1, "P2", "H", ("A", "B"), "h1", (("A", "a2"), ("B", "B#2"))),
    ]
    assert check(named, rounds, require_people=True) == []


def test_nobody_is_in_two_places_in_one_session(named):
    rounds = [
        Round(2, 1, "P1", "H", ("A",), "h1", (("A", "a2"),)),
        Round(2, 2, "P2", "H", ("B",), "h1", (("B", "B#1"),)),
    ]
    one_problem(
        named,
        rounds,
        "session 2: 'h1' is in 2 places at once (presents P1 at table 1; presents P2 at table 2)",
    )


def test_an_attending_delegate_cannot_also_present_in_that_session(make_scenario):
    scenario = make_scenario(
        delegates={"A": 2}, hosts={"P1": "A", "P2": "H"}, interests={"B": ["P1"], "A": ["P2"]}
    )
    rounds = [
        Round(1, 1, "P1", "A", ("B",), "A#1", (("B", "B#1"),)),
        Round(1, 2, "P2", "H", ("A",), "H#1", (("A", "A#1"),)),
    ]
    one_problem(scenario, rounds, "'A#1' is in 2 places at once")


def test_the_presenter_must_be_present(named):
    rounds = [Round(1, 1, "P1", "H", ("B",), "h2", (("B", "B#1"),))]
    one_problem(named, rounds, "presenter 'h2' is not present in session 1")


def test_the_presenter_must_be_a_delegate_of_the_host_and_know_the_program(named):
    one_problem(
        named,
        [Round(1, 1, "P1", "H", ("B",), "a2", (("B", "B#1"),))],
        "presenter 'a2' is not a delegate of 'H'",
    )
    one_problem(
        named,
        [Round(2, 1, "P2", "H", ("B",), "h2", (("B", "B#1"),))],
        "presenter 'h2' is not among the presenters of 'P2'",
    )


def test_an_attending_delegate_belongs_to_the_delegation_they_sit_for(named):
    one_problem(
        named,
        [Round(1, 1, "P1", "H", ("A",), "h1", (("A", "B#1"),))],
        "'B#1' sits for 'A' but is not one of its delegates",
    )
    one_problem(
        named,
        [Round(1, 1, "P1", "H", ("B",), "h1", (("B", "B#1"), ("A", "a1")))],
        "'a1' sits for 'A', which does not attend",
    )


def test_an_attending_delegate_must_be_present(named):
    one_problem(
        named,
        [Round(2, 1, "P1", "H", ("A",), "h1", (("A", "a1"),))],
        "'a1' of 'A' is not present in session 2",
    )


def test_only_the_delegates_named_on_the_interest_form_attend(scenario_dict):
    raw = scenario_dict(hosts={"P1": "H"}, interests={"A": ["P1"]})
    raw["delegations"][1]["delegates"] = [{"id": "a1"}, {"id": "a2"}]
    raw["interests"][0]["attendees"] = ["a2"]
    scenario = load_scenario(raw)
    one_problem(
        scenario,
        [Round(1, 1, "P1", "H", ("A",), "H#1", (("A", "a1"),))],
        "'a1' is not among the delegates 'A' sends to 'P1'",
    )


def test_seats_are_the_delegates_present_in_that_session(named):
    # h2 only arrives for session 2: in session 1 H has one delegate for two rounds.
    rounds = [Round(1, 1, "P1", "H", ("A",)), Round(1, 2, "P2", "H", ("B",))]
    one_problem(named, rounds, "session 1: 'H' needs 2 seats but has 1 delegate present")
