"""Each delegate's agenda page and live calendar feed, in a real container on
the real broker and both databases: the address comes from the agenda email,
needs no API key, serves the new revision after a re-plan and answers 404
once the delegate is erased; the access log never shows the token."""

import logging
import re
from datetime import UTC, datetime, timedelta

import pytest
import requests
from icalendar import Calendar

from notify import api
from notify.service import NotifyService
from rueda_backbone import openapi as oas
from rueda_backbone.testing import free_port, publish_event, wait_for
from rueda_devkit import mailsink

pytestmark = pytest.mark.broker

DOCUMENT = api.openapi()
WORKSHOP = {
    "workshop_id": "w1",
    "version": 1,
    "title": "Santa Marta",
    "place": "Santa Marta",
    "time_zone": "America/Lima",
    "starts_on": "2026-03-10",
    "ends_on": "2026-03-11",
    "languages": ["es", "en"],
    "sessions": [],
    "tables_per_session": 4,
    "table_capacity": 4,
    "round_minutes": 45,
    "max_runs_per_program": 2,
    "rank_weights": None,
    "deadlines": {"programs": None, "interests": None, "expressions_of_interest": None},
    "late_windows": [],
}
CONTACTS = [
    {
        "delegation_id": "pe",
        "contacts": [
            {
                "delegate_id": "rosa",
                "name": "Rosa",
                "email": "rosa@example.org",
                "language": "es",
                "is_focal_point": True,
            },
            {
                "delegate_id": "pedro",
                "name": "Pedro",
                "email": "pedro@example.org",
                "language": "en",
                "is_focal_point": False,
            },
        ],
    },
    {
        "delegation_id": "br",
        "contacts": [
            {
                "delegate_id": "joao",
                "name": "João",
                "email": "joao@example.org",
                "language": "pt",
                "is_focal_point": True,
            }
        ],
    },
]
LINK = re.compile(r"(http://\S+/agendas/[A-Za-z0-9_-]{43})\s")


def round_(rid, session, table, host, presenter, attendees):
    start = datetime(2026, 3, 10, 14, tzinfo=UTC) + timedelta(hours=session - 1)
    return {
        "round_id": rid,
        "session": session,
        "table": table,
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(minutes=45)).isoformat(),
        "program_id": f"p-{rid}",
        "program_title": f"Program {rid}",
        "host_delegation_id": host,
        "attendee_delegation_ids": list(attendees),
        "presenter_delegate_id": presenter,
        "attendees": [{"delegation_id": d, "delegate_id": p} for d, p in attendees.items()],
    }


def schedule(revision, rounds, changed=()):
    """schedule_published v2 as docs/events describe it (fields notify ignores included)."""
    return {
        "workshop_id": "w1",
        "schedule_id": f"s{revision}",
        "revision": revision,
        "status": "optimal",
        "objective": 2,
        "bound": 2,
        "published_at": "2026-03-01T12:00:00+00:00",
        "delegations": [
            {"delegation_id": "pe", "name": "MIDIS Peru"},
            {"delegation_id": "br", "name": "MDS Brasil"},
        ],
        "rounds": rounds,
        "unmet": [
            {
                "delegation_id": "pe",
                "program_id": "p-x",
                "reason_code": "table_full",
                "reason": "table full",
            }
        ],
        "changes": [{"delegation_id": d, "items": []} for d in changed],
        "fairness": {
            "policy": {"kind": "price", "price": 0.05},
            "worst_share": 1.0,
            "below_half": 0,
            "best_total": 2,
            "best_total_bound": 2,
            "shares": [],
        },
        "interpretation": [],
    }


# Rosa presents r1 while Pedro attends r2 in the same session; Rosa attends r3
PLAN = [
    round_("r1", 1, 1, "pe", "rosa", {"br": "joao"}),
    round_("r2", 1, 2, "br", None, {"pe": "pedro"}),
    round_("r3", 2, 1, "br", "joao", {"pe": "rosa"}),
]


@pytest.fixture
def notify(container_factory, config, tmp_path):
    port = free_port()
    sink = mailsink.start(tmp_path / "mail", port=port)
    config.update(
        {
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": port,
            "MAIL_FROM": "rueda@example.org",
            "MAIL_POLL_SECONDS": 0.1,
            "CHANGE_NOTICE_WINDOW_SECONDS": 3600,
            "PUBLIC_URL": f"http://{config['WEB_SERVER_ADDRESS']}",
        }
    )
    container_factory(NotifyService, config).start()
    yield tmp_path / "mail"
    sink.stop()


def get(url):
    """GET with no API key, the answer held to the published document."""
    response = requests.get(url, timeout=10)
    path = "/" + url.split("/", 3)[3]
    assert oas.response_problems(DOCUMENT, "GET", path, response) == []
    return response


def text_of(message):
    return message.get_body(preferencelist=("plain",)).get_content()


def rounds_in(response):
    return {str(e["UID"]): e for e in Calendar.from_ical(response.content).walk("VEVENT")}


def test_the_page_and_feed_follow_the_published_revision_and_vanish_on_erasure(
    notify, config, caplog
):
    caplog.set_level(logging.INFO)
    folder, amqp = notify, config["AMQP_URI"]
    publish_event(amqp, "intake", "workshop_published", WORKSHOP)
    for contacts in CONTACTS:
        publish_event(amqp, "intake", "delegation_contacts_updated", contacts)
    publish_event(amqp, "matching", "schedule_published", schedule(1, PLAN), version=2)
    agendas = wait_for(
        lambda: len(mailsink.read_messages(folder)) == 3 and mailsink.read_messages(folder),
        timeout=20,
        what="three agendas",
    )
    by_to = {m["To"]: m for _path, m in agendas}
    for message in by_to.values():
        # each person's calendar: their own rounds, never two at the same time
        (part,) = [p for p in message.walk() if p.get_filename() == "agenda.ics"]
        times = sorted(
            (e.decoded("DTSTART"), e.decoded("DTEND"))
            for e in Calendar.from_ical(part.get_content()).walk("VEVENT")
        )
        assert all(end <= start for (_, end), (start, _) in zip(times, times[1:], strict=False))
    assert {
        str(e["UID"])
        for e in Calendar.from_ical(
            [p for p in by_to["pedro@example.org"].walk() if p.get_filename() == "agenda.ics"][
                0
            ].get_content()
        ).walk("VEVENT")
    } == {"round-r2@rueda.local"}
    rosa_text = text_of(by_to["rosa@example.org"])
    (page_url,) = LINK.findall(rosa_text)
    feed_url = f"{page_url}/calendar.ics"
    assert feed_url in rosa_text and page_url not in text_of(by_to["pedro@example.org"])
    token = page_url.rsplit("/", 1)[1]

    page = get(page_url)
    assert page.status_code == 200
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    assert "Sus rondas" in page.text and "Program r1" in page.text
    assert "la mesa estaba llena" in page.text
    feed = get(feed_url)
    assert feed.headers["Content-Type"].startswith("text/calendar")
    first = rounds_in(feed)
    assert set(first) == {"round-r1@rueda.local", "round-r3@rueda.local"}
    assert {e["SEQUENCE"] for e in first.values()} == {1}

    # a re-plan moves Rosa's r1 to session 3: the same address serves revision 2
    plan_2 = [round_("r1", 3, 1, "pe", "rosa", {"br": "joao"}), *PLAN[1:]]
    publish_event(
        amqp, "matching", "schedule_published", schedule(2, plan_2, ["pe", "br"]), version=2
    )
    second = wait_for(
        lambda: (
            (events := rounds_in(get(feed_url)))
            and {e["SEQUENCE"] for e in events.values()} == {2}
            and events
        ),
        timeout=20,
        what="the feed at revision 2",
    )
    assert set(second) == set(first)
    assert second["round-r1@rueda.local"].decoded("DTSTART") == datetime(
        2026, 3, 10, 16, tzinfo=UTC
    )
    assert "Revisión 2 del programa de rondas" in get(page_url).text

    # erasing Rosa revokes both; Pedro's page is untouched
    publish_event(amqp, "intake", "delegate_erased", {"delegation_id": "pe", "delegate_id": "rosa"})
    wait_for(lambda: get(page_url).status_code == 404, timeout=20, what="the page revoked")
    gone = get(feed_url)
    assert gone.status_code == 404 and gone.json()["error"] == "not_found"
    (pedro_url,) = LINK.findall(text_of(by_to["pedro@example.org"]))
    assert get(pedro_url).status_code == 200
    assert token not in caplog.text
    assert "GET /agendas/<token>/calendar.ics" in caplog.text  # the access log, redacted
