"""Each unmet interest carries the reason a delegate would understand."""

from matching.solver import Round, explain, plan


def reasons(result):
    return {(u["delegation"], u["program"]): u["reason"] for u in result.unmet}


def test_a_full_table_is_the_reason_when_every_run_is_at_capacity(make_scenario):
    scenario = make_scenario(capacity=1, hosts={"P": "H"}, interests={"A": ["P"], "B": ["P"]})
    unmet = reasons(plan(scenario, time_limit=5))
    assert list(unmet.values()) == [explain.TABLE_FULL]


def test_busy_delegates_are_the_reason_when_the_table_had_room(make_scenario):
    # A's one delegate goes to its first choice; P2 still runs for B with seats to spare.
    scenario = make_scenario(
        delegates={"H": 2},
        hosts={"P1": "H", "P2": "H"},
        interests={"A": ["P1", "P2"], "B": ["P2"], "C": ["P1"]},
        rank_weights=[2, 1],
    )
    assert reasons(plan(scenario, time_limit=5)) == {("A", "P2"): explain.BUSY}


def test_no_table_left_when_the_program_never_runs(make_scenario):
    scenario = make_scenario(
        tables=1, hosts={"P1": "H", "P2": "G"}, interests={"A": ["P1"], "B": ["P1"], "C": ["P2"]}
    )
    assert reasons(plan(scenario, time_limit=5)) == {("C", "P2"): explain.NO_TABLE}


def test_host_unavailable_when_the_host_comes_to_no_session(make_scenario):
    scenario = make_scenario(hosts={"P": "H"}, interests={"A": ["P"]}, available={"H": []})
    assert reasons(plan(scenario, time_limit=5)) == {("A", "P"): explain.HOST_UNAVAILABLE}


def test_your_availability_is_the_reason_when_the_program_runs_without_you(make_scenario):
    scenario = make_scenario(
        sessions=2,
        capacity=2,
        hosts={"P": "H"},
        interests={"A": ["P"], "B": ["P"], "C": ["P"]},
        available={"A": [2], "B": [1], "C": [1]},
    )
    assert reasons(plan(scenario, time_limit=5)) == {("A", "P"): explain.NOT_AVAILABLE}


def test_never_together_with_the_host_is_its_own_reason(make_scenario):
    scenario = make_scenario(
        sessions=2, hosts={"P": "H"}, interests={"A": ["P"]}, available={"A": [1], "H": [2]}
    )
    assert reasons(plan(scenario, time_limit=5)) == {("A", "P"): explain.NEVER_TOGETHER}


def test_a_host_with_every_delegate_busy_cannot_present(make_scenario):
    scenario = make_scenario(
        hosts={"P1": "H", "P2": "H"}, interests={"A": ["P1"], "B": ["P1"], "C": ["P2"]}
    )
    assert reasons(plan(scenario, time_limit=5)) == {("C", "P2"): explain.HOST_BUSY}


def test_a_withdrawn_program_is_reported_to_its_former_attendees(make_scenario):
    scenario = make_scenario(hosts={"P1": "H"}, interests={"A": ["P1"]})
    previous = [Round(1, 1, "P1", "H", ("A",)), Round(1, 2, "GONE", "H", ("A", "B"))]
    result = plan(scenario, time_limit=5, previous=previous)
    assert reasons(result) == {("A", "GONE"): explain.WITHDRAWN}


def test_room_left_unused_is_blamed_on_the_time_limit(make_scenario):
    scenario = make_scenario(hosts={"P": "H"}, interests={"A": ["P"], "B": ["P"]})
    unmet = explain.unmet_interests(scenario, [Round(1, 1, "P", "H", ("A",))])
    assert unmet == [{"delegation": "B", "program": "P", "reason": explain.TIME_LIMIT}]


def test_summary_lists_what_each_delegation_hosts_gets_and_misses(make_scenario):
    scenario = make_scenario(capacity=1, hosts={"P": "H"}, interests={"A": ["P"], "B": ["P"]})
    result = plan(scenario, time_limit=5)
    text = explain.summary(scenario, result.rounds, result.unmet)
    assert "H (Delegation H, 1 delegate): asked for no program" in text
    assert "  hosts  P: session 1, table 1" in text
    assert "  missed P: table full" in text
    assert "got 1 of 1 asked (weight 1/1)" in text
