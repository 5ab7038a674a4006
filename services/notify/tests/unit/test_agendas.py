"""Agendas, their calendar files and debounced change notices, against the
use cases on a throw-away SQLite database (an injected clock, no broker)."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from icalendar import Calendar

from notify import inbound, usecases
from notify.dependencies import NoticeSettings
from notify.exceptions import NotKnownYet
from notify.models import Attachment, Base, Email
from rueda_backbone.testing import sqlite_unit_of_work

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=5)
SETTINGS = NoticeSettings(
    {"CHANGE_NOTICE_WINDOW_SECONDS": WINDOW.total_seconds(), "MAIL_MESSAGE_ID_DOMAIN": "rueda.test"}
)
WORKSHOP = {
    "workshop_id": "w1",
    "version": 1,
    "title": "Santa Marta",
    "time_zone": "America/Bogota",
    "languages": ["es", "en"],
    "deadlines": {
        "programs": "2026-02-20T23:59:00+00:00",
        "interests": None,
        "expressions_of_interest": None,
    },
}
CONTACTS = {
    "pe": [
        {
            "delegate_id": "rosa",
            "name": "Rosa",
            "email": "rosa@example.org",
            "language": "es",
            "is_focal_point": True,
        }
    ],
    "co": [
        {
            "delegate_id": "ana",
            "name": "Ana",
            "email": "ana@example.org",
            "language": "pt",
            "is_focal_point": True,
        },
        {
            "delegate_id": "luis",
            "name": "Luis",
            "email": "luis@example.org",
            "language": "fr",
            "is_focal_point": False,
        },
    ],
    "br": [
        {
            "delegate_id": "joao",
            "name": "João",
            "email": "joao@example.org",
            "language": "pt",
            "is_focal_point": True,
        }
    ],
}
NAMES = {"pe": "MIDIS Peru", "co": "DPS Colombia", "br": "MDS Brasil"}


def round_(rid, session, table, host, attendees, program="Qali Warma"):
    start = datetime(2026, 3, 10, 14, 0, tzinfo=UTC) + timedelta(hours=session - 1)
    return {
        "round_id": rid,
        "session": session,
        "table": table,
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(minutes=45)).isoformat(),
        "program_id": f"p-{rid}",
        "program_title": program,
        "host_delegation_id": host,
        "attendee_delegation_ids": attendees,
    }


def schedule(revision, rounds, changed=()):
    return inbound.SchedulePublished().load(
        {
            "workshop_id": "w1",
            "schedule_id": f"s{revision}",
            "revision": revision,
            "delegations": [{"delegation_id": d, "name": n} for d, n in NAMES.items()],
            "rounds": rounds,
            "changes": [{"delegation_id": d, "items": []} for d in changed],
        }
    )


@pytest.fixture
def uow(tmp_path):
    with sqlite_unit_of_work(tmp_path / "notify.sqlite3", Base.metadata) as unit:
        usecases.publish_workshop(inbound.WorkshopPublished().load(WORKSHOP), uow=unit, now=T0)
        for delegation, contacts in CONTACTS.items():
            usecases.update_contacts(
                {"delegation_id": delegation, "contacts": contacts}, uow=unit, now=T0
            )
        yield unit


def publish(uow, revision, rounds, changed=(), now=T0):
    return usecases.record_schedule(
        schedule(revision, rounds, changed),
        uow=uow,
        now=now,
        event_id=f"e{revision}",
        settings=SETTINGS,
    )


def flush(uow, now):
    return usecases.flush_due_notices({}, uow=uow, now=now, settings=SETTINGS)


def calendar_of(uow, email):
    (attachment,) = uow.session.scalars(
        sa.select(Attachment).where(Attachment.email_id == email.id)
    )
    assert attachment.content_type.startswith("text/calendar")
    return Calendar.from_ical(attachment.content)


def events(calendar):
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


PLAN_1 = [
    round_("r1", 1, 1, "pe", ["co"]),
    round_("r2", 2, 1, "co", ["br"], "Familias en Acción"),
    round_("r3", 3, 2, "br", ["co", "pe"], "Bolsa Família"),
]


def test_each_delegate_gets_the_agenda_in_their_language_with_one_vevent_per_round(uow):
    emails = publish(uow, 1, PLAN_1)
    by_person = {e.recipient_id: e for e in emails}
    assert set(by_person) == {"rosa", "ana", "luis", "joao"}
    assert by_person["ana"].subject == "A sua agenda para as rodadas de negociação"
    assert by_person["luis"].language == "fr"
    ana = by_person["ana"].text_body
    assert "Familias en Acción" in ana and "MIDIS Peru" in ana and "MDS Brasil" in ana
    assert "09:00" in ana  # 14:00 UTC is 09:00 in Bogotá
    calendar = calendar_of(uow, by_person["ana"])
    assert str(calendar["METHOD"]) == "PUBLISH"
    vevents = events(calendar)
    assert set(vevents) == {"round-r1@rueda.test", "round-r2@rueda.test", "round-r3@rueda.test"}
    first = vevents["round-r1@rueda.test"]
    assert first["SEQUENCE"] == 1
    assert first["DTSTART"].params["TZID"] == "America/Bogota"
    assert first.decoded("DTSTART") == datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["America/Bogota"]
    assert set(events(calendar_of(uow, by_person["rosa"]))) == {
        "round-r1@rueda.test",
        "round-r3@rueda.test",
    }


def test_the_same_schedule_event_twice_queues_each_agenda_once(uow):
    assert len(publish(uow, 1, PLAN_1)) == 4
    assert publish(uow, 1, PLAN_1) == []


def test_a_burst_of_replans_becomes_one_notice_per_affected_person_with_the_net_change(uow):
    publish(uow, 1, PLAN_1)
    # revision 2 moves r1 to session 4; revision 3 drops r3; both within the window
    plan_2 = [round_("r1", 4, 1, "pe", ["co"]), *PLAN_1[1:]]
    plan_3 = plan_2[:2]
    publish(uow, 2, plan_2, changed=["pe", "co"], now=T0)
    publish(uow, 3, plan_3, changed=["pe", "co", "br"], now=T0 + timedelta(minutes=1))
    assert flush(uow, T0 + timedelta(minutes=4)) == []
    notices = flush(uow, T0 + WINDOW)
    # the window of a delegation opens with its first change: Brazil's with revision 3
    assert sorted(e.recipient_id for e in notices) == ["ana", "luis", "rosa"]
    later = flush(uow, T0 + WINDOW + timedelta(minutes=1))
    assert [e.recipient_id for e in later] == ["joao"]
    assert {e.kind for e in notices} == {"schedule_changed"}
    rosa = next(e for e in notices if e.recipient_id == "rosa")
    assert "trasladada" in rosa.text_body and "cancelada" in rosa.text_body
    vevents = events(calendar_of(uow, rosa))
    moved, removed = vevents["round-r1@rueda.test"], vevents["round-r3@rueda.test"]
    # same UIDs as the agenda, a higher SEQUENCE, the removed round cancelled
    assert moved["SEQUENCE"] == 3 and str(moved["STATUS"]) == "CONFIRMED"
    assert moved.decoded("DTSTART") == datetime(2026, 3, 10, 17, 0, tzinfo=UTC)
    assert removed["SEQUENCE"] == 3 and str(removed["STATUS"]) == "CANCELLED"
    # nothing left to tell
    assert flush(uow, T0 + 2 * WINDOW) == []


def test_a_round_moved_and_moved_back_within_the_window_tells_nobody(uow):
    publish(uow, 1, PLAN_1)
    publish(uow, 2, [round_("r1", 4, 1, "pe", ["co"]), *PLAN_1[1:]], changed=["pe", "co"])
    publish(uow, 3, PLAN_1, changed=["pe", "co"])
    assert flush(uow, T0 + WINDOW) == []


def test_a_withdrawn_delegation_is_told_nothing_more(uow):
    publish(uow, 1, PLAN_1)
    usecases.withdraw_delegation(
        {"workshop_id": "w1", "delegation_id": "br", "version": 1}, uow=uow, now=T0
    )
    plan_2 = [PLAN_1[0], round_("r2", 2, 1, "co", [], "Familias en Acción")]
    publish(uow, 2, plan_2, changed=["co", "br", "pe"])
    notices = flush(uow, T0 + WINDOW)
    assert sorted(e.recipient_id for e in notices) == ["ana", "luis", "rosa"]


def test_erasing_a_delegate_keeps_proof_of_sending_without_personal_data(uow):
    publish(uow, 1, PLAN_1)
    uow.session.execute(sa.update(Email).where(Email.recipient_id == "ana").values(status="sent"))
    usecases.erase_delegate({"delegation_id": "co", "delegate_id": "ana"}, uow=uow, now=T0)
    rows = list(uow.session.scalars(sa.select(Email).where(Email.kind == "agenda")))
    erased = [e for e in rows if e.recipient_id == "erased"]
    assert len(erased) == 1 and erased[0].status == "sent"
    assert (
        erased[0].to_address == ""
        and erased[0].text_body == ""
        and "ana" not in erased[0].dedup_key
    )
    assert (
        uow.session.scalar(
            sa.select(sa.func.count())
            .select_from(Attachment)
            .where(Attachment.email_id == erased[0].id)
        )
        == 0
    )
    assert "ana@example.org" not in str([(e.to_address, e.text_body, e.html_body) for e in rows])


def test_an_agenda_waits_for_a_delegation_never_heard_of(tmp_path):
    with sqlite_unit_of_work(tmp_path / "n.sqlite3", Base.metadata) as unit:
        usecases.publish_workshop(inbound.WorkshopPublished().load(WORKSHOP), uow=unit, now=T0)
        usecases.update_contacts(
            {"delegation_id": "pe", "contacts": CONTACTS["pe"]}, uow=unit, now=T0
        )
        with pytest.raises(NotKnownYet):
            publish(unit, 1, PLAN_1)


def test_a_delegation_whose_delegates_were_all_erased_does_not_hold_up_the_others(uow):
    usecases.erase_delegate({"delegation_id": "br", "delegate_id": "joao"}, uow=uow, now=T0)
    emails = publish(uow, 1, PLAN_1)
    assert sorted(e.recipient_id for e in emails) == ["ana", "luis", "rosa"]
