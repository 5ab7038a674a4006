"""The rounds pages' own computations: the person-level grid, a delegation's
rounds and unmet interests, what moved between two revisions, and who a
publication emails with what changes for them; schedules without people
(an older matching) degrade to delegations."""

from types import SimpleNamespace

from console import rendering, schedules

BOL, PER, COL = "d-bol", "d-per", "d-col"
DELEGATIONS = {
    BOL: {
        "id": BOL,
        "acronym": "MINEDU",
        "country": "Bolivia",
        "status": "registered",
        "delegates": [
            {"id": "p-ana", "name": "Ana Quispe", "language": "es"},
            {"id": "p-luis", "name": "Luis Mamani", "language": "es"},
        ],
    },
    PER: {
        "id": PER,
        "acronym": "MIDIS",
        "country": "Peru",
        "status": "registered",
        "delegates": [{"id": "p-rosa", "name": "Rosa Flores", "language": "es"}],
    },
    COL: {
        "id": COL,
        "acronym": "DPS",
        "country": "Colombia",
        "status": "registered",
        "delegates": [
            {"id": "p-juan", "name": "Juan Pérez", "language": "en"},
            {"id": "p-eva", "name": "Eva Díaz", "language": "es", "sessions": [2]},
        ],
    },
}


def round_(session, table, program, host, presenter, attendees):
    return {
        "round_id": f"r-{program}-{session}",
        "session": session,
        "table": table,
        "program_id": program,
        "program_title": program.upper(),
        "starts_at": f"2027-10-24T{8 + session:02d}:00:00+00:00",
        "host_delegation_id": host,
        "presenter_delegate_id": presenter,
        "attendee_delegation_ids": sorted({d for d, _ in attendees}),
        "attendees": [{"delegation_id": d, "delegate_id": p} for d, p in attendees],
    }


REV1 = {
    "revision": 1,
    "state": "published",
    "rounds": [
        round_(1, 1, "pennat", BOL, "p-ana", [(PER, "p-rosa"), (COL, "p-juan")]),
        round_(2, 1, "juntos", PER, "p-rosa", [(BOL, "p-luis"), (COL, "p-eva")]),
    ],
    "unmet": [
        {
            "delegation_id": COL,
            "program_id": "bono",
            "reason": "no seat left",
            "reason_code": "capacity",
        }
    ],
}

# Peru withdrew: Juntos is gone, PENNAT has Colombia only, and moves to session 2
REV2 = {
    "revision": None,
    "state": "provisional",
    "rounds": [
        round_(2, 1, "pennat", BOL, "p-ana", [(COL, "p-juan")]),
    ],
    "unmet": [],
}


def without_people(schedule):
    return {
        **schedule,
        "rounds": [
            {k: v for k, v in r.items() if k not in ("presenter_delegate_id", "attendees")}
            for r in schedule["rounds"]
        ],
    }


def test_the_grid_names_the_presenter_and_each_attending_delegations_delegates():
    cell = schedules.grid(REV1, DELEGATIONS)[(1, 1)]
    assert cell["presenter"] == "Ana Quispe" and cell["host"]["acronym"] == "MINEDU"
    assert [(a["delegation_id"], a["delegates"]) for a in cell["attending"]] == [
        (COL, ["Juan Pérez"]),
        (PER, ["Rosa Flores"]),
    ]


def test_without_people_the_grid_shows_delegations_only():
    old = without_people(REV1)
    assert not schedules.has_people(old) and schedules.has_people(REV1)
    cell = schedules.grid(old, DELEGATIONS)[(1, 1)]
    assert cell["presenter"] is None
    assert [(a["delegation_id"], a["delegates"]) for a in cell["attending"]] == [
        (COL, []),
        (PER, []),
    ]


def test_a_delegation_sees_what_it_presents_attends_and_why_it_missed_the_rest():
    mine = schedules.delegation_rounds(REV1, COL, DELEGATIONS)
    assert mine["presents"] == []
    assert [(r["program_id"], r["people"]) for r in mine["attends"]] == [
        ("pennat", ["Juan Pérez"]),
        ("juntos", ["Eva Díaz"]),
    ]
    assert [u["reason"] for u in mine["unmet"]] == ["no seat left"]
    bolivia = schedules.delegation_rounds(REV1, BOL, DELEGATIONS)
    assert [(r["program_id"], r["people"]) for r in bolivia["presents"]] == [
        ("pennat", ["Ana Quispe"])
    ]


def test_comparing_two_revisions_says_what_moved_per_delegation():
    changes = {
        c.delegation_id: [(x.kind, x.role, x.program_id) for x in c.changes]
        for c in schedules.compare(REV1, REV2)
    }
    assert changes == {
        BOL: [("moved", "presents", "pennat"), ("removed", "attends", "juntos")],
        COL: [("moved", "attends", "pennat"), ("removed", "attends", "juntos")],
        PER: [("removed", "attends", "pennat"), ("removed", "presents", "juntos")],
    }
    assert schedules.compare(REV1, REV1) == []


def test_other_people_in_the_same_seat_is_a_change_of_its_own():
    swapped = {
        **REV1,
        "rounds": [
            REV1["rounds"][0],
            round_(2, 1, "juntos", PER, "p-rosa", [(BOL, "p-ana"), (COL, "p-eva")]),
        ],
    }
    (bolivia,) = schedules.compare(REV1, swapped)
    assert [(c.kind, c.program_id) for c in bolivia.changes] == [("people_changed", "juntos")]
    assert bolivia.changes[0].before["people"] == ["p-luis"]


def test_the_first_publication_emails_every_delegate_their_agenda():
    recipients = schedules.publish_preview(None, REV1, DELEGATIONS)
    assert {(r.delegate_id, r.kind) for r in recipients} == {
        ("p-ana", "agenda"),
        ("p-luis", "agenda"),
        ("p-rosa", "agenda"),
        ("p-juan", "agenda"),
        ("p-eva", "agenda"),
    }


def test_a_re_plan_emails_only_the_people_whose_own_rounds_changed():
    withdrawn = {**DELEGATIONS, PER: {**DELEGATIONS[PER], "status": "withdrawn"}}
    recipients = schedules.publish_preview(REV1, REV2, withdrawn)
    by_person = {r.delegate_id: [(c.kind, c.program_id) for c in r.changes] for r in recipients}
    assert set(by_person) == {"p-ana", "p-luis", "p-juan", "p-eva"}  # not Peru: withdrawn
    assert by_person["p-ana"] == [("moved", "pennat")]
    assert by_person["p-luis"] == [("removed", "juntos")]
    assert all(r.kind == "change_notice" for r in recipients)
    # nothing changes for Ana if only Luis's round moves
    luis_only = {
        **REV1,
        "rounds": [
            REV1["rounds"][0],
            round_(3, 1, "juntos", PER, "p-rosa", [(BOL, "p-luis"), (COL, "p-eva")]),
        ],
    }
    assert "p-ana" not in {
        r.delegate_id for r in schedules.publish_preview(REV1, luis_only, DELEGATIONS)
    }


def test_without_people_a_delegations_change_reaches_its_delegates_present_then():
    recipients = schedules.publish_preview(without_people(REV1), without_people(REV2), DELEGATIONS)
    people = {r.delegate_id for r in recipients}
    # Eva is present at session 2 only, where Colombia still attends PENNAT... and
    # lost Juntos: she is told; Juan sat in session 1's PENNAT, now in session 2
    assert {"p-ana", "p-luis", "p-juan", "p-eva", "p-rosa"} == people


class Visit(SimpleNamespace):
    def may(self, action):
        return True


def render(template, **context):
    return rendering.render(
        template,
        "en",
        {
            "person": {"name": "Rose", "roles": ["coordinator"]},
            "csrf": "t",
            "flash": None,
            "csrf_field": rendering.csrf_field("t"),
            "path": "/",
            "visit": Visit(),
            "nav": "rounds",
            "workshop": {"id": "w1", "form": {"title": "Santa Marta", "time_zone": "UTC"}},
            "zone": "UTC",
            "names": DELEGATIONS,
            **context,
        },
    )


def test_the_new_rounds_pages_render_what_they_computed():
    page = render(
        "rounds/delegation.html",
        schedule=REV1,
        delegation=DELEGATIONS[COL],
        mine={
            **schedules.delegation_rounds(REV1, COL, DELEGATIONS),
            "unmet": [{"program_id": "bono", "program_title": "BONO", "reason": "no seat left"}],
        },
        people=True,
    )
    assert "Juan Pérez" in page and "no seat left" in page and "DPS (Colombia)" in page
    page = render(
        "rounds/compare.html",
        before=REV1,
        after=REV2,
        start=1,
        end=None,
        revisions=range(1, 2),
        changes=schedules.compare(REV1, REV2),
    )
    assert "3 delegation(s) see a change." in page and "moved" in page
    page = render(
        "rounds/publish.html",
        schedule={**REV2, "schedule_id": "s2"},
        published=REV1,
        recipients=schedules.publish_preview(REV1, REV2, DELEGATIONS),
    )
    assert "Ana Quispe" in page and "change notice" in page and 'value="s2"' in page


def test_other_delegations_at_a_persons_table_is_a_change_for_them():
    # Peru no longer attends PENNAT: Ana presents to another table than before
    fewer = {
        **REV1,
        "rounds": [round_(1, 1, "pennat", BOL, "p-ana", [(COL, "p-juan")]), REV1["rounds"][1]],
    }
    changes = {
        c.delegation_id: [(x.kind, x.program_id) for x in c.changes]
        for c in schedules.compare(REV1, fewer)
    }
    assert changes == {
        BOL: [("delegations_changed", "pennat")],
        COL: [("delegations_changed", "pennat")],
        PER: [("removed", "pennat")],
    }
    told = {r.delegate_id for r in schedules.publish_preview(REV1, fewer, DELEGATIONS)}
    assert told == {"p-ana", "p-juan", "p-rosa"}  # not Luis nor Eva: their round is the same
