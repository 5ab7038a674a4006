"""People at the tables: presenters, attending delegates, availability, languages, continuity."""

import pytest

from matching.solver import check, load_scenario, plan
from matching.solver.scenario import Round


def people_scenario(scenario_dict, *, people, presenters=None, attendees=None, topics=None, **kw):
    """build_scenario_dict() plus named delegates: ``people``: delegation -> [delegate dicts]."""
    raw = scenario_dict(**kw)
    for delegation in raw["delegations"]:
        if delegation["id"] in people:
            delegation["delegates"] = people[delegation["id"]]
    for program in raw["programs"]:
        if presenters and program["id"] in presenters:
            program["presenters"] = presenters[program["id"]]
        if topics and program["id"] in topics:
            program["topics"] = topics[program["id"]]
    for interest in raw["interests"]:
        if attendees and interest["delegation"] in attendees:
            interest["attendees"] = attendees[interest["delegation"]]
    return load_scenario(raw)


@pytest.fixture
def peru(scenario_dict):
    """Peru sends Ana (all day) and Luis (from session 2); two rounds a session would clash."""
    return people_scenario(
        scenario_dict,
        sessions=2,
        tables=3,
        hosts={"P-CO": "CO", "P-BR": "BR", "P-CL": "CL", "P-PE": "PE"},
        delegates={"CO": 1, "BR": 1, "CL": 1, "PE": 2},
        interests={"PE": ["P-CO", "P-BR", "P-CL"], "CO": ["P-PE"], "BR": ["P-PE"]},
        people={
            "PE": [
                {"id": "ana", "languages": ["es"]},
                {"id": "luis", "languages": ["es", "en"], "available_sessions": [2]},
            ]
        },
    )


def test_every_round_has_a_present_presenter_and_a_delegate_per_attending_delegation(peru):
    result = plan(peru, time_limit=5)
    assert check(peru, result.rounds, require_people=True) == []
    for r in result.rounds:
        assert r.presenter is not None
        assert {d for d, _ in r.attending_delegates} == set(r.attendees)
    seats = [
        (r.session, q)
        for r in result.rounds
        for q in (r.presenter, *dict(r.attending_delegates).values())
    ]
    assert len(seats) == len(set(seats)), "nobody is in two places in one session"
    assert all(q != "luis" for s, q in seats if s == 1)


def test_a_delegation_has_only_its_delegates_present_as_seats(peru):
    # Session 1: Ana alone; session 2: both. Four rounds involve Peru: it cannot
    # do three of them in one session, and only one in session 1.
    result = plan(peru, time_limit=5)
    per_session = {1: 0, 2: 0}
    for r in result.rounds:
        per_session[r.session] += ("PE" in r.attendees) + (r.host == "PE")
    assert per_session[1] <= 1 and per_session[2] <= 2
    # Ana presents P-PE to CO and BR in session 1; Peru attends two of its three in session 2.
    assert result.solution.objective == 2 + 2


def test_anonymous_delegates_keep_their_meaning_and_get_numbered(make_scenario):
    scenario = make_scenario(
        delegates={"H": 2, "A": 2}, hosts={"P1": "H", "P2": "H"}, interests={"A": ["P1", "P2"]}
    )
    assert [q.id for q in scenario.delegation_by_id["A"].people] == ["A#1", "A#2"]
    result = plan(scenario, time_limit=5)
    assert result.solution.objective == 2
    assert sorted(r.delegate_of("A") for r in result.rounds) == ["A#1", "A#2"]
    assert sorted(r.presenter for r in result.rounds) == ["H#1", "H#2"]


def test_a_named_presenter_cannot_present_two_programs_at_once(scenario_dict):
    # H has two delegates, but only h1 knows both programs: one session, one of them runs.
    scenario = people_scenario(
        scenario_dict,
        hosts={"P1": "H", "P2": "H"},
        interests={"A": ["P1"], "B": ["P2"]},
        people={"H": [{"id": "h1"}, {"id": "h2"}]},
        presenters={"P1": ["h1"], "P2": ["h1"]},
    )
    result = plan(scenario, time_limit=5)
    assert result.solution.objective == result.solution.bound == 1
    assert [r.presenter for r in result.rounds] == ["h1"]


def test_named_attendees_are_the_only_ones_who_sit_for_their_delegation(scenario_dict):
    scenario = people_scenario(
        scenario_dict,
        hosts={"P1": "H"},
        interests={"A": ["P1"]},
        people={"A": [{"id": "a1"}, {"id": "a2"}]},
        attendees={"A": ["a2"]},
    )
    result = plan(scenario, time_limit=5)
    assert [r.attending_delegates for r in result.rounds] == [(("A", "a2"),)]


def test_a_shared_language_decides_who_sits_at_the_table(scenario_dict):
    scenario = people_scenario(
        scenario_dict,
        sessions=2,
        hosts={"P1": "BR", "P2": "CO"},
        interests={"A": ["P1", "P2"]},
        people={
            "BR": [{"id": "br", "languages": ["pt"]}],
            "CO": [{"id": "co", "languages": ["es"]}],
            "A": [{"id": "a-es", "languages": ["es"]}, {"id": "a-pt", "languages": ["pt", "en"]}],
        },
    )
    result = plan(scenario, time_limit=5)
    seated = {r.program: r.delegate_of("A") for r in result.rounds}
    assert seated == {"P1": "a-pt", "P2": "a-es"}
    assert result.interpretation == ()


def test_rounds_without_a_shared_language_are_listed_per_session_and_language_pair(scenario_dict):
    scenario = people_scenario(
        scenario_dict,
        hosts={"P1": "BR"},
        interests={"A": ["P1"], "B": ["P1"]},
        people={
            "BR": [{"id": "br", "languages": ["pt"]}],
            "A": [{"id": "a", "languages": ["es"]}],
            "B": [{"id": "b", "languages": ["fr", "en"]}],
        },
    )
    result = plan(scenario, time_limit=5)
    assert [(g["session"], g["languages"], g["count"]) for g in result.interpretation] == [
        (1, ["pt", "es"], 1),
        (1, ["pt", "fr"], 1),
    ]
    assert result.interpretation[0]["rounds"] == [
        {"table": 1, "program": "P1", "presenter": "br", "delegation": "A", "delegate": "a"}
    ]


def test_one_delegate_follows_a_topic_across_sessions(scenario_dict):
    scenario = people_scenario(
        scenario_dict,
        sessions=2,
        tables=1,
        hosts={"P1": "H", "P2": "G"},
        interests={"A": ["P1", "P2"]},
        people={"A": [{"id": "a1"}, {"id": "a2"}]},
        topics={"P1": ["food_security"], "P2": ["food_security", "housing"]},
    )
    result = plan(scenario, time_limit=5)
    assert len(result.rounds) == 2
    assert len({r.delegate_of("A") for r in result.rounds}) == 1
    assert result.placement.topic_switches == 0


def test_replanning_keeps_the_same_people_in_the_same_rounds(peru):
    first = plan(peru, time_limit=5)
    again = plan(peru, time_limit=5, previous=first.rounds)
    assert again.rounds == first.rounds


def test_a_previous_schedule_file_carries_its_people(peru):
    from matching.solver import load_schedule, schedule_document

    document = schedule_document(plan(peru, time_limit=5))
    rounds = load_schedule(document, peru).rounds
    assert all(r.presenter for r in rounds)
    assert check(peru, rounds, require_people=True) == []
    assert rounds[0].as_dict() == document["rounds"][0]


def test_rounds_without_people_are_still_valid_unless_people_are_required(peru):
    rounds = [Round(2, 1, "P-CO", "CO", ("PE",))]
    assert check(peru, rounds) == []
    assert check(peru, rounds, require_people=True) == [
        "session 2 table 1 (P-CO): no presenter",
        "session 2 table 1 (P-CO): no delegate sits for 'PE'",
    ]
