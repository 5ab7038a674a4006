"""schedule_published on the real broker and both databases: each delegate
gets the agenda with its calendar file, and a burst of re-plans gives one
notice per person (the debounce window is long; the test closes it early)."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from icalendar import Calendar

from notify.dependencies import MailSender
from notify.models import DelegationAgenda
from notify.service import NotifyService
from rueda_backbone.database import Store
from rueda_backbone.testing import free_port, publish_event, wait_for
from rueda_devkit import mailsink

pytestmark = pytest.mark.broker

WORKSHOP = {
    "workshop_id": "w1",
    "version": 1,
    "title": "Santa Marta",
    "place": "Santa Marta",
    "time_zone": "America/Bogota",
    "starts_on": "2026-03-10",
    "ends_on": "2026-03-11",
    "languages": ["es", "en"],
    "sessions": [],
    "tables_per_session": 4,
    "table_capacity": 4,
    "round_minutes": 45,
    "max_runs_per_program": 2,
    "rank_weights": None,
    "deadlines": {
        "programs": "2026-02-20T23:59:00+00:00",
        "interests": "2026-02-25T23:59:00+00:00",
        "expressions_of_interest": "2026-03-11T23:59:00+00:00",
    },
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
            }
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


def round_(rid, session, host, attendees):
    start = datetime(2026, 3, 10, 14, tzinfo=UTC) + timedelta(hours=session - 1)
    return {
        "round_id": rid,
        "session": session,
        "table": 1,
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(minutes=45)).isoformat(),
        "program_id": f"p-{rid}",
        "program_title": f"Program {rid}",
        "host_delegation_id": host,
        "attendee_delegation_ids": attendees,
    }


def schedule(revision, rounds, changed=()):
    return {
        "workshop_id": "w1",
        "schedule_id": "s1",
        "revision": revision,
        "status": "optimal",
        "objective": 1,
        "bound": 1,
        "published_at": "2026-03-01T12:00:00+00:00",
        "delegations": [
            {"delegation_id": "pe", "name": "MIDIS Peru"},
            {"delegation_id": "br", "name": "MDS Brasil"},
        ],
        "rounds": rounds,
        "unmet": [],
        "changes": [{"delegation_id": d, "items": []} for d in changed],
    }


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
        }
    )
    container = container_factory(NotifyService, config)
    container.start()
    yield next(e for e in container.extensions if isinstance(e, MailSender)), tmp_path / "mail"
    sink.stop()


def calendar(message):
    (part,) = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    return Calendar.from_ical(part.get_content())


def test_agendas_then_one_debounced_notice_per_person(notify, config):
    sender, folder = notify
    amqp = config["AMQP_URI"]
    publish_event(amqp, "intake", "workshop_published", WORKSHOP)
    for contacts in CONTACTS:
        publish_event(amqp, "intake", "delegation_contacts_updated", contacts)
    plan = [round_("r1", 1, "pe", ["br"]), round_("r2", 2, "br", ["pe"])]
    publish_event(amqp, "matching", "schedule_published", schedule(1, plan))
    agendas = wait_for(
        lambda: len(mailsink.read_messages(folder)) == 2 and mailsink.read_messages(folder),
        timeout=20,
        what="two agendas",
    )
    by_to = {m["To"]: m for _path, m in agendas}
    assert by_to["joao@example.org"]["Subject"] == "A sua agenda para as rodadas de negociação"
    assert by_to["rosa@example.org"]["Subject"] == "Su agenda para las rondas de negociación"
    first = {str(e["UID"]): e for e in calendar(by_to["rosa@example.org"]).walk("VEVENT")}
    assert {e["SEQUENCE"] for e in first.values()} == {1} and len(first) == 2

    # a burst: r1 moves, then r2 is dropped
    plan_2 = [round_("r1", 3, "pe", ["br"]), plan[1]]
    publish_event(
        amqp, "matching", "schedule_published", schedule(2, plan_2, ["pe", "br"]), version=1
    )
    publish_event(amqp, "matching", "schedule_published", schedule(3, plan_2[:1], ["pe", "br"]))
    store = Store.for_url(config["DATABASE_URL"])

    def burst_recorded():
        with store.transaction() as session:
            return [a.pending_revision for a in session.scalars(sa.select(DelegationAgenda))] == [
                3,
                3,
            ]

    wait_for(burst_recorded, timeout=20, what="both re-plans recorded")
    # the window closes, as if the hour had passed: the sender's loop tells each person once
    with store.transaction() as session:
        session.execute(
            sa.update(DelegationAgenda).values(due_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    sender.wake()
    messages = wait_for(
        lambda: len(mailsink.read_messages(folder)) == 4 and mailsink.read_messages(folder),
        timeout=20,
        what="two notices",
    )
    notices = [m for _p, m in messages[2:]]
    assert sorted(m["To"] for m in notices) == ["joao@example.org", "rosa@example.org"]
    rosa = next(m for m in notices if m["To"] == "rosa@example.org")
    assert rosa["Subject"] == "Su agenda para las rondas de negociación cambió"
    events = {str(e["UID"]): e for e in calendar(rosa).walk("VEVENT")}
    assert set(events) == set(first)  # same UIDs
    assert {e["SEQUENCE"] for e in events.values()} == {3}
    assert sorted(str(e["STATUS"]) for e in events.values()) == ["CANCELLED", "CONFIRMED"]
