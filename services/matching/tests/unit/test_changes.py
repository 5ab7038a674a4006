"""Stable round ids and the per-delegation list of what a revision changed."""

from matching import domain

W = "0b0b0b0b-0000-4000-8000-000000000001"


def solved(*rounds):
    return [
        {"session": s, "table": t, "program": p, "host": "h", "attendees": []} for s, t, p in rounds
    ]


def published(program, session, table, run=1, host="h", attendees=()):
    return {
        "round_id": domain.round_id(W, program, run),
        "session": session,
        "table": table,
        "program_id": program,
        "host_delegation_id": host,
        "attendee_delegation_ids": list(attendees),
    }


def test_round_ids_are_the_same_on_every_replica_and_revision():
    assert domain.round_id(W, "p", 1) == domain.round_id(W, "p", 1) != domain.round_id(W, "p", 2)
    assert domain.run_of(W, published("p", 3, 1, run=2)) == 2


def test_a_run_that_stays_in_its_session_keeps_its_number_and_a_moved_one_takes_the_freed_one():
    before = [published("p", 1, 1, run=1), published("p", 3, 1, run=2)]
    runs = domain.number_runs(W, solved((1, 2, "p"), (4, 1, "p")), before)
    assert runs == {("p", 1): 1, ("p", 4): 2}


def test_a_new_program_starts_at_run_1():
    assert domain.number_runs(W, solved((2, 1, "q")), []) == {("q", 2): 1}


def test_changes_name_what_each_delegation_gained_lost_or_saw_move():
    before = [
        published("p", 1, 1, host="H", attendees=["x", "y"]),
        published("q", 2, 1, host="K", attendees=["x"]),
        published("r", 1, 2, host="L", attendees=["z"]),
    ]
    after = [
        published("p", 1, 1, host="H", attendees=["y", "z"]),
        published("q", 3, 2, host="K", attendees=["x"]),
        published("r", 1, 2, host="L", attendees=["z"]),
    ]
    changes = {
        c["delegation_id"]: [
            (i["change"], i["program_id"], i["before"], i["after"]) for i in c["items"]
        ]
        for c in domain.changes(before, after)
    }
    assert changes == {
        "H": [("attendees_changed", "p", {"session": 1, "table": 1}, {"session": 1, "table": 1})],
        "x": [
            ("removed", "p", {"session": 1, "table": 1}, None),
            ("moved", "q", {"session": 2, "table": 1}, {"session": 3, "table": 2}),
        ],
        "z": [("added", "p", None, {"session": 1, "table": 1})],
        "K": [("moved", "q", {"session": 2, "table": 1}, {"session": 3, "table": 2})],
    }


def test_an_unchanged_schedule_has_no_changes():
    rounds = [published("p", 1, 1, host="H", attendees=["x"])]
    assert domain.changes(rounds, [dict(r) for r in rounds]) == []


def test_gap_is_zero_when_proven_and_the_share_left_on_the_table_otherwise():
    assert domain.gap(40, 40) == 0.0
    assert domain.gap(99, 100) == 0.01
    assert domain.gap(0, 0) == 0.0
