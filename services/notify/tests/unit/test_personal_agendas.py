"""Personal agendas from schedule_published v2 (rounds with people): each
delegate gets only the rounds they present or attend, their colleagues'
rounds listed apart, a calendar of their own rounds, the delegation's unmet
interests with the reason in their language, and a change notice only when
their own rounds changed. Against the use cases on SQLite, no broker."""

import logging
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from icalendar import Calendar

from notify import domain, inbound, usecases
from notify.dependencies import NoticeSettings, TokenRedaction
from notify.models import AgendaLink, Attachment, Base
from rueda_backbone.errors import NotFound
from rueda_backbone.testing import sqlite_unit_of_work

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=5)
SETTINGS = NoticeSettings(
    {
        "CHANGE_NOTICE_WINDOW_SECONDS": WINDOW.total_seconds(),
        "MAIL_MESSAGE_ID_DOMAIN": "rueda.test",
        "PUBLIC_URL": "https://rueda.example.org/notify/",
    }
)
WORKSHOP = {
    "workshop_id": "w1",
    "version": 1,
    "title": "Santa Marta",
    "time_zone": "America/Lima",
    "languages": ["es", "en"],
    "deadlines": {"programs": None, "interests": None, "expressions_of_interest": None},
}
# Peru sends two delegates, as in the README's demo
CONTACTS = {
    "pe": [
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
            "language": "fr",
            "is_focal_point": True,
        }
    ],
}
NAMES = {"pe": "MIDIS Peru", "co": "DPS Colombia", "br": "MDS Brasil"}
SESSION_STARTS = {1: (14, 0), 2: (19, 30)}  # 09:00 and 14:30 in Lima


def round_(rid, session, table, host, presenter, attendees, program=None):
    """`attendees`: {delegation: delegate or None}."""
    hour, minute = SESSION_STARTS.get(session, (14 + session, 0))
    start = datetime(2026, 3, 10, hour, minute, tzinfo=UTC)
    return {
        "round_id": rid,
        "session": session,
        "table": table,
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(minutes=45)).isoformat(),
        "program_id": f"p-{rid}",
        "program_title": program or f"Program {rid}",
        "host_delegation_id": host,
        "attendee_delegation_ids": list(attendees),
        "presenter_delegate_id": presenter,
        "attendees": [{"delegation_id": d, "delegate_id": p} for d, p in attendees.items()],
    }


# two Peruvian rounds at 09:00 and two at 14:30: one each for Rosa and Pedro
PLAN_1 = [
    round_("r1", 1, 1, "pe", "rosa", {"br": "joao"}, "Qali Warma"),
    round_("r2", 1, 2, "co", "ana", {"pe": "pedro"}, "Familias en Acción"),
    round_("r3", 2, 1, "br", "joao", {"pe": "rosa", "co": "ana"}, "Bolsa Família"),
    round_("r4", 2, 2, "pe", "pedro", {"co": "luis"}, "Juntos"),
]
UNMET = [
    {
        "delegation_id": "pe",
        "program_id": "p-x",
        "reason_code": "table_full",
        "reason": "table full",
    },
    {
        "delegation_id": "pe",
        "program_id": "p-y",
        "reason_code": "something_new",
        "reason": "a reason matching added later",
    },
    {
        "delegation_id": "co",
        "program_id": "p-z",
        "reason_code": "not_available",
        "reason": "you are not available in the session where this program runs",
    },
]


def schedule(revision, rounds, changed=(), unmet=()):
    return inbound.SchedulePublishedV2().load(
        {
            "workshop_id": "w1",
            "schedule_id": f"s{revision}",
            "revision": revision,
            "delegations": [{"delegation_id": d, "name": n} for d, n in NAMES.items()],
            "rounds": rounds,
            "unmet": list(unmet),
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


def publish(uow, revision, rounds, changed=(), unmet=(), now=T0):
    return usecases.record_schedule(
        schedule(revision, rounds, changed, unmet),
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
    return Calendar.from_ical(attachment.content)


def uids(calendar, status=None):
    return {
        str(e["UID"])
        for e in calendar.walk("VEVENT")
        if status is None or str(e["STATUS"]) == status
    }


def token_of(uow, person):
    return uow.session.scalar(sa.select(AgendaLink.token).where(AgendaLink.recipient_id == person))


def test_each_delegate_gets_only_the_rounds_they_present_or_attend(uow):
    by_person = {e.recipient_id: e for e in publish(uow, 1, PLAN_1)}
    assert set(by_person) == {"rosa", "pedro", "ana", "luis", "joao"}
    rosa, pedro = by_person["rosa"].text_body, by_person["pedro"].text_body
    mine, colleagues = rosa.split("Sus colegas asisten a:")
    assert "Esta es su propia agenda" in mine
    assert "Qali Warma" in mine and "Bolsa Família" in mine
    assert "Familias en Acción" not in mine and "Juntos" not in mine
    assert uids(calendar_of(uow, by_person["rosa"])) == {
        "round-r1@rueda.test",
        "round-r3@rueda.test",
    }
    assert uids(calendar_of(uow, by_person["pedro"])) == {
        "round-r2@rueda.test",
        "round-r4@rueda.test",
    }
    assert "Juntos" in pedro.split("Your colleagues attend:")[0]
    assert uids(calendar_of(uow, by_person["joao"])) == {
        "round-r1@rueda.test",
        "round-r3@rueda.test",
    }
    # Brazil's only delegate has no colleagues to list
    assert "Vos collègues" not in by_person["joao"].text_body


def test_the_delegations_other_rounds_are_listed_as_the_colleagues_with_their_names(uow):
    by_person = {e.recipient_id: e for e in publish(uow, 1, PLAN_1)}
    colleagues = by_person["rosa"].text_body.split("Sus colegas asisten a:")[1]
    assert "Familias en Acción" in colleagues and "Pedro (asiste)" in colleagues
    assert "Juntos" in colleagues and "Pedro (presenta)" in colleagues
    assert "Rosa (attends)" in by_person["pedro"].text_body.split("Your colleagues attend:")[1]
    html = by_person["pedro"].html_body
    assert "Your colleagues attend:" in html and "Rosa (presents)" in html


def test_a_seat_nobody_was_placed_at_or_a_colleague_notify_does_not_know_is_still_listed(uow):
    plan = [
        round_("r1", 1, 1, "pe", "rosa", {"br": "joao"}),
        round_("r2", 1, 2, "co", "ana", {"pe": None}),
        round_("r3", 2, 1, "br", "joao", {"pe": "someone-else"}),
    ]
    rosa = next(e for e in publish(uow, 1, plan) if e.recipient_id == "rosa")
    colleagues = rosa.text_body.split("Sus colegas asisten a:")[1]
    assert "aún sin delegado asignado" in colleagues and "un colega" in colleagues


def test_no_agenda_has_two_rounds_at_the_same_time(uow):
    """The README's demo: Peru's rounds at 09:00 and 14:30 are split between
    its two delegates; parse every person's calendar."""
    emails = publish(uow, 1, PLAN_1)
    for email in emails:
        intervals = sorted(
            (e.decoded("DTSTART"), e.decoded("DTEND"))
            for e in calendar_of(uow, email).walk("VEVENT")
        )
        assert intervals, email.recipient_id
        for (_, end), (start, _) in zip(intervals, intervals[1:], strict=False):
            assert end <= start, f"{email.recipient_id} has two rounds at once"


def test_a_person_whose_own_rounds_did_not_change_gets_no_change_notice(uow):
    publish(uow, 1, PLAN_1)
    # revision 2 moves Pedro's r2 to table 3; Rosa's rounds stay as they were
    plan_2 = [
        PLAN_1[0],
        round_("r2", 1, 3, "co", "ana", {"pe": "pedro"}, "Familias en Acción"),
        *PLAN_1[2:],
    ]
    publish(uow, 2, plan_2, changed=["pe", "co"])
    notices = flush(uow, T0 + WINDOW)
    assert sorted(e.recipient_id for e in notices) == ["ana", "pedro"]
    pedro = next(e for e in notices if e.recipient_id == "pedro")
    assert "Your own agenda for the negotiation rounds of Santa Marta" in pedro.text_body
    assert uids(calendar_of(uow, pedro)) == {"round-r2@rueda.test", "round-r4@rueda.test"}


def test_a_round_handed_to_a_colleague_tells_both_and_cancels_it_in_the_calendar_of_the_first(uow):
    publish(uow, 1, PLAN_1)
    # matching lists no change for Peru (its rounds stayed put), but r3 went
    # from Rosa to Pedro and r4's presenter from Pedro to Rosa
    plan_2 = [
        *PLAN_1[:2],
        round_("r3", 2, 1, "br", "joao", {"pe": "pedro", "co": "ana"}),
        round_("r4", 2, 2, "pe", "rosa", {"co": "luis"}, "Juntos"),
    ]
    publish(uow, 2, plan_2, changed=[])
    notices = {e.recipient_id: e for e in flush(uow, T0 + WINDOW)}
    assert set(notices) == {"rosa", "pedro"}
    rosa = calendar_of(uow, notices["rosa"])
    assert uids(rosa, "CANCELLED") == {"round-r3@rueda.test"}
    assert uids(rosa, "CONFIRMED") == {"round-r1@rueda.test", "round-r4@rueda.test"}
    assert {e["SEQUENCE"] for e in rosa.walk("VEVENT")} == {2}


def test_a_v1_schedule_keeps_giving_every_delegate_the_whole_delegation_agenda(uow):
    v1 = inbound.SchedulePublished().load(
        {
            "workshop_id": "w1",
            "schedule_id": "s1",
            "revision": 1,
            "delegations": [{"delegation_id": d, "name": n} for d, n in NAMES.items()],
            "rounds": [
                {k: v for k, v in r.items() if k not in ("presenter_delegate_id", "attendees")}
                for r in PLAN_1
            ],
            "changes": [],
        }
    )
    emails = usecases.record_schedule(v1, uow=uow, now=T0, event_id="e1", settings=SETTINGS)
    by_person = {e.recipient_id: e for e in emails}
    everything = {
        "round-r1@rueda.test",
        "round-r2@rueda.test",
        "round-r3@rueda.test",
        "round-r4@rueda.test",
    }
    assert uids(calendar_of(uow, by_person["rosa"])) == everything
    assert uids(calendar_of(uow, by_person["pedro"])) == everything
    assert "Esta es la agenda de MIDIS Peru" in by_person["rosa"].text_body
    assert "colegas" not in by_person["rosa"].text_body


UNMET_SENTENCES = {
    "es": ("Intereses de MIDIS Peru que no se pudieron atender", "la mesa estaba llena"),
    "en": ("Interests of MIDIS Peru that could not be met", "the table was full"),
    "pt": ("Interesses de MIDIS Peru que não puderam ser atendidos", "a mesa estava cheia"),
    "fr": ("Intérêts de MIDIS Peru qui n’ont pas pu être satisfaits", "la table était complète"),
}


@pytest.mark.parametrize("language", domain.LANGUAGES)
def test_the_agenda_tells_the_delegation_its_unmet_interests_and_why_in_its_language(uow, language):
    usecases.update_contacts(
        {
            "delegation_id": "pe",
            "contacts": [{**CONTACTS["pe"][0], "language": language}, CONTACTS["pe"][1]],
        },
        uow=uow,
        now=T0,
    )
    usecases.acknowledge_program(
        {
            "program_id": "p-x",
            "delegation_id": "co",
            "title": "Cuna Más",
            "version": 1,
            "submitted_at": T0,
        },
        uow=uow,
        now=T0,
        event_id="sub-x",
    )
    rosa = next(e for e in publish(uow, 1, PLAN_1, unmet=UNMET) if e.recipient_id == "rosa")
    heading, reason = UNMET_SENTENCES[language]
    for body in (rosa.text_body, rosa.html_body):
        unmet = body.split(heading)[1]
        assert f"Cuna Más: {reason}" in unmet
        # a code notify does not know is told in matching's own words
        assert "a reason matching added later" in unmet
        # Colombia's unmet interests are not Peru's
        assert "p-z" not in unmet and "disponible" not in unmet


def test_every_reason_code_matching_documents_has_a_translated_sentence():
    import json
    from pathlib import Path

    schema = json.loads(
        (
            Path(__file__).resolve().parents[4]
            / "docs"
            / "events"
            / "schedule_published.v1.schema.json"
        ).read_text()
    )
    described = schema["$defs"]["unmet"]["properties"]["reason_code"]["description"]
    for code in domain.UNMET_REASONS:
        assert code in described
    assert "time_limit" in domain.UNMET_REASONS and "program_returned" in domain.UNMET_REASONS


def test_the_agenda_links_to_the_persons_page_and_feed_and_each_person_has_their_own(uow):
    by_person = {e.recipient_id: e for e in publish(uow, 1, PLAN_1)}
    rosa, pedro = token_of(uow, "rosa"), token_of(uow, "pedro")
    assert rosa != pedro and len(rosa) == 43
    base = "https://rueda.example.org/notify/agendas/"
    assert f"{base}{rosa}" in by_person["rosa"].text_body
    assert f"{base}{rosa}/calendar.ics" in by_person["rosa"].html_body
    assert pedro not in by_person["rosa"].text_body
    # a later notice links to the same addresses
    publish(
        uow,
        2,
        [*PLAN_1[:2], round_("r3", 2, 1, "br", "joao", {"pe": "pedro", "co": "ana"}), PLAN_1[3]],
        changed=["pe"],
    )
    notice = next(e for e in flush(uow, T0 + WINDOW) if e.recipient_id == "rosa")
    assert f"{base}{rosa}" in notice.text_body


def page(uow, token):
    return usecases.agenda_page({"token": token}, uow=uow, now=T0, settings=SETTINGS)


def feed(uow, token):
    return Calendar.from_ical(
        usecases.agenda_feed({"token": token}, uow=uow, now=T0, settings=SETTINGS)
    )


def test_the_page_shows_the_persons_agenda_in_their_language_escaped_and_self_contained(uow):
    plan = [
        round_("r1", 1, 1, "pe", "rosa", {"br": "joao"}, "<script>alert(1)</script>"),
        *PLAN_1[1:],
    ]
    publish(uow, 1, plan, unmet=UNMET)
    html = page(uow, token_of(uow, "rosa"))
    assert '<html lang="es">' in html and 'name="viewport"' in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "La agenda de Rosa (MIDIS Peru)" in html and "Sus rondas" in html
    assert "Sus colegas asisten a:" in html and "Pedro (presenta)" in html
    assert "la mesa estaba llena" in html
    assert f'href="{token_of(uow, "rosa")}/calendar.ics"' in html
    # nothing loaded from anywhere
    assert "http" not in html.replace('href="', "").split("<body>")[0]
    assert "src=" not in html


def test_the_feed_serves_the_currently_published_revision_with_the_same_uids(uow):
    publish(uow, 1, PLAN_1)
    token = token_of(uow, "rosa")
    first = {str(e["UID"]): e for e in feed(uow, token).walk("VEVENT")}
    assert set(first) == {"round-r1@rueda.test", "round-r3@rueda.test"}
    assert {e["SEQUENCE"] for e in first.values()} == {1}
    plan_2 = [round_("r1", 3, 1, "pe", "rosa", {"br": "joao"}, "Qali Warma"), *PLAN_1[1:]]
    publish(uow, 2, plan_2, changed=["pe", "br"], now=T0 + timedelta(hours=1))
    second = {str(e["UID"]): e for e in feed(uow, token).walk("VEVENT")}
    assert set(second) == set(first)
    assert {e["SEQUENCE"] for e in second.values()} == {2}
    assert second["round-r1@rueda.test"].decoded("DTSTART") == datetime(2026, 3, 10, 17, tzinfo=UTC)
    assert str(feed(uow, token)["X-WR-CALNAME"]) == "Santa Marta"


def test_erasing_the_delegate_revokes_the_page_and_the_feed(uow):
    publish(uow, 1, PLAN_1)
    rosa, pedro = token_of(uow, "rosa"), token_of(uow, "pedro")
    usecases.erase_delegate({"delegation_id": "pe", "delegate_id": "rosa"}, uow=uow, now=T0)
    for call in (page, feed):
        with pytest.raises(NotFound):
            call(uow, rosa)
    assert "Pedro" in page(uow, pedro)


@pytest.mark.parametrize("token", ["", "short", "x" * 43, "../../etc/passwd", "a" * 200])
def test_an_unknown_or_malformed_token_is_not_found(uow, token):
    publish(uow, 1, PLAN_1)
    with pytest.raises(NotFound):
        page(uow, token)


def test_the_access_log_never_shows_an_agenda_token():
    record = logging.LogRecord(
        "nameko.web.server",
        logging.INFO,
        __file__,
        1,
        '127.0.0.1 - - [x] "GET /agendas/%s/calendar.ics HTTP/1.1" 200',
        ("SECRETtoken_123",),
        None,
    )
    assert TokenRedaction().filter(record)
    assert "SECRET" not in record.getMessage()
    assert "/agendas/<token>/calendar.ics" in record.getMessage()
