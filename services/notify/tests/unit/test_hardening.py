"""Issue 12 for notify: one email that cannot be built or sent fails alone;
edges refuse bad input with a reason; what people read is right in their
language (money, dates, plurals, states, topics, French elision, delegation
names); archive imports send no receipts; failed emails can be resent."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
import yaml
from marshmallow import ValidationError

from notify import domain, inbound, mail, ops, rendering, schemas, usecases
from notify.dependencies import NoticeSettings
from notify.exceptions import NotKnownYet
from notify.mail import SmtpSettings
from notify.models import Attachment, Base, Email
from notify.sending import Sender
from rueda_backbone import metrics
from rueda_backbone.database import Store
from rueda_backbone.errors import Conflict, NotFound
from rueda_backbone.testing import free_port, sqlite_unit_of_work
from rueda_devkit import mailsink

NOW = datetime(2027, 10, 24, 9, tzinfo=UTC)
POISON = "=?utf-8?q?x?=@example.org"
SETTINGS = NoticeSettings(
    {"CHANGE_NOTICE_WINDOW_SECONDS": 120, "MAIL_MESSAGE_ID_DOMAIN": "rueda.test"}
)
WORKSHOP = {
    "workshop_id": "w1",
    "version": 1,
    "title": "Santa Marta",
    "time_zone": "America/Bogota",
    "languages": ["es"],
    "deadlines": {"programs": None, "interests": None, "expressions_of_interest": None},
}


def failed_count() -> float:
    return metrics.EMAILS.labels(service="notify", outcome="failed")._value.get()


# -- 1. one poison email among good ones, against the real SMTP sink ---------------------


@pytest.fixture
def store(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'notify.sqlite3'}")
    Base.metadata.create_all(store.engine)
    yield store
    store.engine.dispose()


@pytest.fixture
def sink(tmp_path):
    port = free_port()
    controller = mailsink.start(tmp_path / "mail", port=port)
    yield SmtpSettings(host="127.0.0.1", port=port, sender="rueda@example.org")
    controller.stop()


def queue(store, addresses):
    moment = datetime.now(UTC) - timedelta(seconds=1)
    with store.transaction() as session:
        for n, address in enumerate(addresses):
            key = domain.dedup_key("funding-1", f"staff-{n}", "funding_selection")
            session.add(
                Email(
                    id=domain.email_id(key),
                    dedup_key=key,
                    kind="funding_selection",
                    recipient_id=f"staff-{n}",
                    to_address=address,
                    language="es",
                    subject="Selección de financiamiento confirmada",
                    text_body="hola",
                    html_body="<p>hola</p>",
                    correlation_id="c1",
                    status=domain.PENDING,
                    attempts=0,
                    next_attempt_at=moment,
                    created_at=moment + timedelta(microseconds=n),
                )
            )


def by_recipient(store):
    with store.transaction() as session:
        return {e.recipient_id: e for e in session.scalars(sa.select(Email))}


def test_one_address_the_builder_refuses_fails_alone_and_the_batch_goes_on(store, sink, tmp_path):
    addresses = [f"staff{n}@example.org" for n in range(7)]
    addresses[3] = POISON
    queue(store, addresses)
    before = failed_count()
    assert Sender(store, sink).send_due() == 7
    emails = by_recipient(store)
    poison = emails.pop("staff-3")
    assert {e.status for e in emails.values()} == {domain.SENT}
    assert len(mailsink.read_messages(tmp_path / "mail")) == 6
    assert poison.status == domain.FAILED and poison.attempts == 1
    assert poison.last_error.startswith("cannot build the message: InvalidHeaderDefect")
    assert POISON not in poison.last_error  # the log never shows an address
    assert failed_count() == before + 1
    # visible in the delivery log, and never tried again
    with store.transaction() as session:
        unit = type("Uow", (), {"session": session})()
        failed = usecases.list_deliveries({"status": "failed"}, uow=unit, now=NOW)["deliveries"]
    assert [d["recipient_id"] for d in failed] == ["staff-3"]
    assert Sender(store, sink).send_due() == 0


def test_a_message_the_smtp_client_cannot_encode_fails_alone(store, sink, tmp_path, monkeypatch):
    queue(store, ["a@example.org", "b@example.org", "c@example.org"])
    send = mail.Connection.send

    def refusing_b(self, message):
        if message["To"] == "b@example.org":
            raise UnicodeEncodeError("ascii", "é", 0, 1, "not ascii")
        return send(self, message)

    monkeypatch.setattr(mail.Connection, "send", refusing_b)
    Sender(store, sink).send_due()
    emails = by_recipient(store)
    assert [emails[k].status for k in ("staff-0", "staff-1", "staff-2")] == [
        domain.SENT,
        domain.FAILED,
        domain.SENT,
    ]
    assert emails["staff-1"].last_error.startswith("cannot send the message: UnicodeEncodeError")


# -- 2. the edges ------------------------------------------------------------------------


def test_the_delivery_log_refuses_an_instant_out_of_range_with_a_reason():
    with pytest.raises(ValidationError) as refused:
        schemas.DeliveryQuery().load({"until": "0001-01-01T00:01:00+00:05"})
    assert "until" in refused.value.messages
    with pytest.raises(ValidationError):
        schemas.DeliveryQuery().load({"statuss": "failed"})  # a misspelt filter


def test_readers_refuse_control_characters_and_line_breaks_in_one_line_fields():
    reader = inbound.WorkshopPublished
    good = {**WORKSHOP, "deadlines": {"programs": None}}
    reader().load(good)
    for title in ("Santa\x00Marta", "Santa\nMarta"):
        with pytest.raises(ValidationError) as refused:
            reader().load({**good, "title": title})
        assert "title" in refused.value.messages
    # a description may span lines
    assert issubclass(inbound.ExpressionOfInterestSubmitted, inbound.Reader)
    loaded = inbound.ProgramReviewed().load(
        {
            "program_id": "p1",
            "workshop_id": "w1",
            "delegation_id": "pe",
            "version": 1,
            "decision": "returned",
            "reason": "Add the objectives.\nAnd the achievements.",
        }
    )
    assert "\n" in loaded["reason"]


# -- 4. what people read ------------------------------------------------------------------


@pytest.fixture
def uow(tmp_path):
    with sqlite_unit_of_work(tmp_path / "u.sqlite3", Base.metadata) as unit:
        usecases.publish_workshop(WORKSHOP, uow=unit, now=NOW)
        yield unit


def staff(uow, staff_id, language, roles=("secretariat",)):
    usecases.update_staff(
        {
            "staff_id": staff_id,
            "name": staff_id.title(),
            "email": f"{staff_id}@example.org",
            "language": language,
            "roles": list(roles),
            "active": True,
            "version": 1,
        },
        uow=uow,
        now=NOW,
    )


def register(uow, delegation_id, acronym, country, region=None, institution="Ministerio"):
    usecases.register_delegation(
        {
            "delegation_id": delegation_id,
            "workshop_id": "w1",
            "version": 1,
            "institution": institution,
            "acronym": acronym,
            "country": region or country,
            "region": region,
        },
        uow=uow,
        now=NOW,
    )


def contacts(uow, delegation_id, person, language):
    usecases.update_contacts(
        {
            "delegation_id": delegation_id,
            "workshop_id": "w1",
            "version": 1,
            "contacts": [
                {
                    "delegate_id": person,
                    "name": person.title(),
                    "email": f"{person}@example.org",
                    "language": language,
                    "is_focal_point": True,
                }
            ],
        },
        uow=uow,
        now=NOW,
    )


FUNDING = {
    "selection_id": "s1",
    "workshop_id": "w1",
    "budget": 3000000,
    "currency": "USD",
    "total_cost": 2234566,
    "selected": [
        {"activity_id": "a1", "title": "Food security", "cost": 1234566},
        {"activity_id": "a2", "title": "Food security", "cost": 1000000},
    ],
}


def status_changed(activity_id, delegations):
    return {
        "activity_id": activity_id,
        "workshop_id": "w1",
        "title": "Food security",
        "from_state": "proposed",
        "to_state": "under_review",
        "funding_source": None,
        "reason": "review",
        "owner_staff_id": None,
        "counterpart_delegation_ids": delegations,
    }


@pytest.mark.parametrize(
    "language, money, title",
    [
        ("en", "USD 22,345.66 of a budget of USD 30,000.00", "Food security"),
        ("es", "22.345,66 USD de un presupuesto de 30.000,00 USD", "Seguridad alimentaria"),
        ("pt", "USD 22.345,66 de um orçamento de USD 30.000,00", "Segurança alimentar"),
        ("fr", "22\u202f345,66 USD sur un budget de 30\u202f000,00 USD", "Sécurité alimentaire"),
    ],
)
def test_the_funding_email_writes_money_from_cents_and_names_each_activity_with_its_delegations(
    uow, language, money, title
):
    staff(uow, "marta", language)
    register(uow, "br", "MDS", "Brazil")
    register(uow, "cl", "MDS", "Chile")
    register(uow, "uy", "MIDES", "Uruguay")
    for delegation_id in ("br", "cl", "uy"):
        contacts(uow, delegation_id, f"focal-{delegation_id}", "es")
    usecases.announce_status_change(
        status_changed("a1", ["br", "uy"]), uow=uow, now=NOW, event_id="c1"
    )
    usecases.announce_status_change(
        status_changed("a2", ["cl", "uy"]), uow=uow, now=NOW, event_id="c2"
    )
    (email,) = usecases.announce_funding(FUNDING, uow=uow, now=NOW, event_id="f1")
    text = email.text_body.replace("\xa0", " ")
    assert money.replace("\xa0", " ") in text, text
    assert "2234566" not in text and "3000000" not in text
    assert f"{title} — MDS (Brazil), MIDES (Uruguay): " in text
    assert f"{title} — MDS (Chile), MIDES (Uruguay): " in text
    assert ("2 cooperation activities" in text) == (language == "en")


def test_plurals_dates_states_and_topic_titles_are_the_readers(uow):
    staff(uow, "marta", "es")
    item = {
        "activity_id": "a1",
        "title": "Food security",
        "state": "in_progress",
        "follow_up_on": date(2027, 11, 2),
        "days_overdue": 1,
    }
    digest = {
        "digest_id": "d1",
        "owner_staff_id": "marta",
        "week_of": date(2027, 11, 1),
        "workshop_id": "w1",
        "open_count": 1,
        "overdue": [item],
        "due_soon": [],
        "charts": [],
    }
    (email,) = usecases.send_digest(digest, uow=uow, now=NOW, event_id="g1")
    assert (
        "Semana del 1 de noviembre de 2027: 1 actividad de cooperación abierta." in email.text_body
    )
    assert (
        "Seguridad alimentaria (en ejecución, 2 de noviembre de 2027, 1 día de retraso)"
        in email.text_body
    )
    assert "2027-11" not in email.text_body and "in progress" not in email.text_body
    english = rendering.render(
        "weekly_digest",
        "en",
        {
            "name": "Ana",
            "week_of": "Nov 1, 2027",
            "open_count": 1,
            "overdue": [],
            "due_soon": [],
            "charts": [],
        },
    )[0]
    assert "1 open cooperation activity." in english


def test_french_elides_de_before_a_vowel_where_a_sentence_composes_a_name():
    text, html = rendering.render(
        "agenda",
        "fr",
        {
            "name": "Luc",
            "delegation": "ISM (Amérique du Sud)",
            "workshop": "Atelier de Santa Marta",
            "time_zone": "America/Bogota",
            "personal": False,
            "seats": [],
            "colleagues": [],
            "unmet": [],
            "page_url": "http://x/a",
            "calendar_url": "http://x/a/c.ics",
        },
    )
    assert "l'agenda d'ISM (Amérique du Sud) pour les tables de négociation d'Atelier" in text
    assert "de ISM" not in text and "d'ISM" in html
    assert rendering.elide("le programme de %(x)s", {"x": "Brasil"}) == "le programme de %(x)s"
    assert rendering.elide("de %(x)s", {"x": "Haïti"}) == "d'%(x)s"


def test_receipts_name_delegations_by_acronym_and_country_or_region_never_by_id(uow):
    contacts(uow, "ism", "paula", "es")
    register(
        uow, "ism", "ISM", None, region="South America", institution="Instituto Social del MERCOSUR"
    )
    register(uow, "mx", "BIENESTAR", "Mexico")
    expression = {
        "expression_id": "x1",
        "workshop_id": "w1",
        "version": 1,
        "demanding_delegation_id": "ism",
        "supplying_delegation_ids": ["mx"],
        "program_id": None,
        "topic": "care_economy",
        "description": "Visita.",
        "contact_delegate_ids": [],
    }
    (email,) = usecases.acknowledge_expression(expression, uow=uow, now=NOW, event_id="x1")
    assert "Delegación demandante: ISM (South America)" in email.text_body
    assert "BIENESTAR (Mexico)" in email.text_body and "economía del cuidado" in email.text_body
    # a delegation whose registration has not arrived yet is waited for
    with pytest.raises(NotKnownYet):
        usecases.acknowledge_expression(
            {**expression, "supplying_delegation_ids": ["zz"]}, uow=uow, now=NOW, event_id="x2"
        )


def test_an_expression_with_several_suppliers_not_yet_named_says_so(uow):
    contacts(uow, "mx", "ana", "en")
    register(uow, "mx", "BIENESTAR", "Mexico")
    (email,) = usecases.acknowledge_expression(
        {
            "expression_id": "x1",
            "workshop_id": "w1",
            "version": 2,
            "demanding_delegation_id": "mx",
            "supplying_delegation_ids": [],
            "program_id": None,
            "topic": "other",
            "other_topic": "More than 1 option",
            "description": "x",
            "contact_delegate_ids": [],
            "supplier_status": "several_not_yet_named",
            "imported": False,
        },
        uow=uow,
        now=NOW,
        event_id="x1",
    )
    assert "Supplying delegations: several, not yet named" in email.text_body
    assert "More than 1 option" in email.text_body


def test_the_agenda_writes_times_in_the_readers_language_and_its_calendar_declares_a_charset(uow):
    contacts(uow, "mx", "ana", "es")
    register(uow, "mx", "MIDES", "Panama")
    start = datetime(2027, 11, 2, 19, tzinfo=UTC)  # 14:00 in Bogotá
    schedule = {
        "workshop_id": "w1",
        "schedule_id": "s1",
        "revision": 1,
        "delegations": [{"delegation_id": "mx", "name": "MIDES"}],
        "rounds": [
            {
                "round_id": "r1",
                "session": 1,
                "table": 1,
                "starts_at": start,
                "ends_at": start + timedelta(minutes=45),
                "program_id": "p1",
                "program_title": "Qali Warma",
                "host_delegation_id": "mx",
                "attendee_delegation_ids": [],
            }
        ],
        "changes": [],
    }
    (email,) = usecases.record_schedule(
        schedule, uow=uow, now=NOW, event_id="e1", settings=SETTINGS
    )
    assert "2 nov 2027, 14:00-14:45" in email.text_body
    assert "MIDES (Panama)" in email.text_body
    (attachment,) = uow.session.scalars(sa.select(Attachment))
    assert attachment.content_type == "text/calendar; charset=utf-8; method=PUBLISH"
    message = mail.build_message(
        settings=SmtpSettings(host="x", port=1),
        email_id=email.id,
        to_address="a@example.org",
        subject="s",
        text_body="t",
        html_body="h",
        correlation_id="c",
        created_at=NOW,
        attachments=[(attachment.filename, attachment.content_type, attachment.content, None)],
    )
    (part,) = message.iter_attachments()
    assert part.get_content_charset() == "utf-8" and part.get_param("method") == "PUBLISH"
    assert b"MIDES (Panama)" in attachment.content


SAMPLES = __import__("runpy").run_path(
    str(__import__("pathlib").Path(__file__).with_name("notify_samples.py"))
)["SAMPLES"]


@pytest.mark.parametrize("kind", domain.KINDS)
@pytest.mark.parametrize("language", domain.LANGUAGES)
def test_every_html_email_has_a_single_column_layout_that_reads_on_a_phone(kind, language):
    _text, html = rendering.render(kind, language, {"name": "Ana", **SAMPLES[kind]})
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert "max-width:600px" in html and 'role="presentation"' in html
    # mail clients drop <style> blocks, classes and remote assets: inline styles only
    assert "<style" not in html and "class=" not in html and "<link" not in html
    assert not re.search(r'src="https?:', html)
    assert "<th" not in html  # no multi-column grids
    for row in re.findall(r"<tr>((?:(?!<tr>).)*?)</tr>", html, flags=re.S):
        assert row.count("<td") <= 2


# -- 5. archive imports send no receipts ---------------------------------------------------


@pytest.mark.parametrize(
    "use_case, message",
    [
        (
            usecases.acknowledge_program,
            {
                "program_id": "p1",
                "workshop_id": "w1",
                "delegation_id": "pe",
                "title": "Juntos",
                "version": 1,
                "submitted_at": NOW,
                "missing_fields": [],
                "imported": True,
            },
        ),
        (
            usecases.acknowledge_interest,
            {
                "interest_id": "i1",
                "workshop_id": "w1",
                "delegation_id": "pe",
                "version": 1,
                "programs": [],
                "topics": [],
                "other_topic": None,
                "imported": True,
            },
        ),
        (
            usecases.acknowledge_expression,
            {
                "expression_id": "x1",
                "workshop_id": "w1",
                "version": 1,
                "demanding_delegation_id": "pe",
                "supplying_delegation_ids": [],
                "program_id": None,
                "topic": "care_economy",
                "description": "x",
                "contact_delegate_ids": [],
                "other_topic": None,
                "supplier_status": "not_yet_defined",
                "imported": True,
            },
        ),
    ],
)
def test_an_imported_record_sends_no_receipt(uow, use_case, message):
    contacts(uow, "pe", "rosa", "es")
    register(uow, "pe", "MIDIS", "Peru")
    assert use_case(message, uow=uow, now=NOW, event_id="imp") == []
    assert use_case({**message, "imported": False}, uow=uow, now=NOW, event_id="live")


# -- 6. resending failed emails ---------------------------------------------------------------


def failed_email(uow, address="rosa@example.org", body="hola"):
    key = domain.dedup_key("e1", "rosa", "program_received")
    email = Email(
        id=domain.email_id(key),
        dedup_key=key,
        kind="program_received",
        recipient_id="rosa",
        to_address=address,
        language="es",
        subject="s",
        text_body=body,
        html_body=body,
        correlation_id="c1",
        status=domain.FAILED,
        attempts=1,
        last_error="550 mailbox unavailable",
        next_attempt_at=NOW,
        created_at=NOW,
    )
    uow.session.add(email)
    uow.session.flush()
    return email


def test_a_failed_email_is_resent_with_the_same_message_id_and_a_note(uow):
    contacts(uow, "pe", "rosa", "es")  # the directory now has rosa@example.org
    email = failed_email(uow, address="rosa@old.example.org")
    later = NOW + timedelta(hours=1)
    answer = usecases.resend_delivery(
        {"email_id": email.id, "note": "mailbox fixed", "by": "API client ops"}, uow=uow, now=later
    )
    assert answer["id"] == email.id and answer["status"] == domain.PENDING
    assert (email.status, email.attempts, email.next_attempt_at) == (domain.PENDING, 0, later)
    assert email.to_address == "rosa@example.org"
    (logged,) = usecases.list_deliveries({}, uow=uow, now=later)["deliveries"]
    assert logged["id"] == email.id and logged["resent_at"] == later
    assert "resent by API client ops" in logged["note"] and "mailbox fixed" in logged["note"]
    assert "550 mailbox unavailable" in logged["note"]
    with pytest.raises(Conflict):  # pending now: not resent twice
        usecases.resend_delivery({"email_id": email.id}, uow=uow, now=later)
    with pytest.raises(NotFound):
        usecases.resend_delivery({"email_id": "nope"}, uow=uow, now=later)


def test_an_email_that_never_rendered_is_not_resent_empty(uow):
    email = failed_email(uow, body="")
    with pytest.raises(Conflict):
        usecases.resend_delivery({"email_id": email.id}, uow=uow, now=NOW)


def test_the_delivery_log_masks_addresses_unless_asked_to_show_them(uow):
    failed_email(uow)
    (masked,) = usecases.list_deliveries({}, uow=uow, now=NOW)["deliveries"]
    assert masked["address"] == "r***@example.org"
    (shown,) = usecases.list_deliveries({"show_addresses": True}, uow=uow, now=NOW)["deliveries"]
    assert shown["address"] == "rosa@example.org"
    assert domain.masked_address("not-an-address") == "***"


def test_ops_list_and_resend_failed_emails_from_a_shell(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'ops.sqlite3'}"
    store = Store(url)
    Base.metadata.create_all(store.engine)
    with store.transaction() as session:
        unit = type("Uow", (), {"session": session})()
        email_id = failed_email(unit).id
    config = tmp_path / "config.yml"
    config.write_text(yaml.safe_dump({"DATABASE_URL": url}))
    assert ops.main(["--config", str(config), "failed"], now=NOW) == 0
    assert "r***@example.org" in capsys.readouterr().out
    assert ops.main(["--config", str(config), "resend", email_id, "--note", "fixed"], now=NOW) == 0
    assert ops.main(["--config", str(config), "resend", email_id], now=NOW) == 1
    with store.transaction() as session:
        email = session.get(Email, email_id)
        assert email.status == domain.PENDING and "resent by ops" in email.note
    store.engine.dispose()
