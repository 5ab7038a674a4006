"""A context for every kind of email, with values from the example workshop."""

SEAT = {
    "session": 1,
    "table": 2,
    "program_title": "Qali Warma",
    "starts": "2026-03-10 09:00",
    "ends": "09:45",
    "host": "MIDIS Peru",
    "role": "attendee",
    "others": ["MIDIS Peru", "DPS"],
}
# what an agenda adds for a person: their colleagues' rounds, the unmet
# interests and the addresses of the page and the feed
PERSONAL = {
    "personal": True,
    "colleagues": [{**SEAT, "session": 2, "role": "colleague_attendee", "colleague": "Luis"}],
    "unmet": [{"program_title": "Juntos", "reason": "table full"}],
    "page_url": "https://rueda.example.org/agendas/t0k3n",
    "calendar_url": "https://rueda.example.org/agendas/t0k3n/calendar.ics",
}

SAMPLES = {
    "program_received": {
        "title": "Qali Warma",
        "version": 2,
        "program_id": "p1",
        "submitted_at": "2026-03-02 10:00 UTC",
        "missing_fields": ["achievements"],
        "deadline": "2026-03-05 23:59",
    },
    "program_reviewed": {
        "title": "Qali Warma",
        "version": 2,
        "decision": "returned",
        "reason": "Please add the objectives",
    },
    "interest_received": {
        "version": 1,
        "programs": ["Qali Warma", "Juntos"],
        "topics": ["food security"],
        "deadline": "2026-03-05 23:59",
    },
    "expression_received": {
        "subject": "Qali Warma",
        "demanding": "DPS (Colombia)",
        "supplying": ["MIDIS (Peru)"],
        "suppliers_unnamed": "not yet defined",
        "description": "An expert visit.",
    },
    "agenda": {
        "delegation": "DPS Colombia",
        "workshop": "Santa Marta",
        "time_zone": "America/Bogota",
        "seats": [SEAT],
        **PERSONAL,
    },
    "schedule_changed": {
        "delegation": "DPS Colombia",
        "workshop": "Santa Marta",
        "time_zone": "America/Bogota",
        "seats": [SEAT],
        **PERSONAL,
        "changes": [
            {
                "change": "moved",
                "program_title": "Qali Warma",
                "before": "session 1, table 1",
                "after": "session 2, table 1",
            },
            {
                "change": "removed",
                "program_title": "Juntos",
                "before": "session 3, table 1",
                "after": None,
            },
        ],
    },
    "follow_up_due": {
        "title": "Expert visit",
        "level": "overdue",
        "state": "planned",
        "follow_up_on": "2026-05-01",
        "days_overdue": 12,
        "reason": "owner",
    },
    "weekly_digest": {
        "week_of": "2026-05-04",
        "open_count": 7,
        "overdue": [
            {
                "title": "Expert visit",
                "state": "planned",
                "follow_up_on": "2026-05-01",
                "days_overdue": 3,
            }
        ],
        "due_soon": [],
        "charts": [{"name": "by state", "cid": "c1@rueda"}],
    },
    "funding_selection": {
        "budget": "USD 50,000.00",
        "total_cost": "USD 42,000.00",
        "selected": [
            {
                "title": "Expert visit",
                "delegations": ["MDS (Brazil)", "MIDES (Uruguay)"],
                "cost": "USD 12,000.00",
            }
        ],
    },
    "activity_status_changed": {
        "title": "Expert visit",
        "from_state": "under_review",
        "to_state": "selected",
        "funding_source": "network_fund",
        "reason": "Selected in the June round",
        "why": "counterpart",
    },
    "submission_reminder": {
        "workshop": "Santa Marta",
        "delegation": "MIDIS (Peru)",
        "missing": [
            {"form": "program", "deadline": "2026-03-05 23:59"},
            {"form": "interest", "deadline": None},
        ],
    },
}
