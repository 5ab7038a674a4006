"""The checker catches every kind of broken rule on hand-made bad schedules."""

import pytest

from matching.solver import Round, check, objective
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
