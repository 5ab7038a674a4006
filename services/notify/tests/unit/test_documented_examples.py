"""Every documented example payload notify reads (docs/events, written by the
producers) turns into emails that render: the producers' real shapes, not
only ours. Ids are wired to a small directory so each email has someone to go to."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from notify import inbound, usecases
from notify.dependencies import NoticeSettings
from notify.models import Base
from rueda_backbone.testing import sqlite_unit_of_work

NOW = datetime(2027, 10, 24, 9, tzinfo=UTC)
SETTINGS = NoticeSettings(
    {"CHANGE_NOTICE_WINDOW_SECONDS": 60, "MAIL_MESSAGE_ID_DOMAIN": "rueda.test"}
)
EVENTS = Path(__file__).resolve().parents[4] / "docs" / "events"


class Envelope:
    def __init__(self, message):
        self.producer, self.event_type = message["producer"], message["event_type"]
        self.schema_version, self.payload = message["schema_version"], message["payload"]
        self.event_id, self.correlation_id = message["event_id"], message["correlation_id"]


def read(envelope):
    """The payload through the reader notify's table picks for its version."""
    return inbound.CONSUMES.read(envelope)


def example(event_type, version=1):
    path = EVENTS / f"{event_type}.v{version}.example.json"
    if not path.exists():
        pytest.skip(f"{event_type} v{version} is not documented yet")
    return Envelope(json.loads(path.read_text()))


@pytest.fixture
def uow(tmp_path):
    with sqlite_unit_of_work(tmp_path / "notify.sqlite3", Base.metadata) as unit:
        yield unit


def contacts(uow, *delegation_ids, language="pt"):
    for n, delegation_id in enumerate(delegation_ids):
        usecases.update_contacts(
            {
                "delegation_id": delegation_id,
                "contacts": [
                    {
                        "delegate_id": f"delegate-{delegation_id}",
                        "name": f"Person {n}",
                        "email": f"p{n}@example.org",
                        "language": language,
                        "is_focal_point": True,
                    }
                ],
            },
            uow=uow,
            now=NOW,
        )


def staff(uow, *staff_ids, roles=("secretariat",)):
    for staff_id in staff_ids:
        usecases.update_staff(
            {
                "staff_id": staff_id,
                "name": "Staff",
                "email": "s@example.org",
                "language": "fr",
                "roles": list(roles),
                "active": True,
                "version": 1,
            },
            uow=uow,
            now=NOW,
        )


def workshop(uow, workshop_id):
    payload = read(example("workshop_published"))
    usecases.publish_workshop({**payload, "workshop_id": workshop_id}, uow=uow, now=NOW)


def test_the_workshop_and_directory_examples_are_kept(uow):
    usecases.publish_workshop(read(example("workshop_published")), uow=uow, now=NOW)
    assert usecases.update_contacts(
        read(example("delegation_contacts_updated", 2)), uow=uow, now=NOW
    )
    assert usecases.update_staff(read(example("staff_contacts_updated")), uow=uow, now=NOW)
    usecases.erase_delegate(read(example("delegate_erased")), uow=uow, now=NOW)
    usecases.withdraw_delegation(read(example("delegation_withdrawn")), uow=uow, now=NOW)


@pytest.mark.parametrize(
    "event_type,version,usecase,text",
    [
        ("program_submitted", 2, usecases.acknowledge_program, "achievements"),
        ("program_reviewed", 1, usecases.acknowledge_review, "devolvido"),
        ("interest_submitted", 1, usecases.acknowledge_interest, "Recebemos"),
        ("expression_of_interest_submitted", 1, usecases.acknowledge_expression, "expressão"),
    ],
)
def test_each_form_example_gets_a_receipt(uow, event_type, version, usecase, text):
    envelope = example(event_type, version)
    payload = read(envelope)
    workshop(uow, payload["workshop_id"])
    contacts(uow, payload.get("delegation_id") or payload["demanding_delegation_id"])
    registered = [
        payload.get("demanding_delegation_id"),
        *payload.get("supplying_delegation_ids", ()),
    ]
    for n, delegation_id in enumerate(filter(None, registered)):
        usecases.register_delegation(
            {
                "delegation_id": delegation_id,
                "institution": f"Inst {n}",
                "acronym": f"I{n}",
                "country": "Peru",
            },
            uow=uow,
            now=NOW,
        )
    (email,) = usecase(payload, uow=uow, now=NOW, event_id=envelope.event_id)
    assert text in email.text_body and email.language == "pt"
    assert all(d not in email.text_body for d in filter(None, registered))


def test_the_schedule_example_gives_agendas_and_then_notices(uow):
    envelope = example("schedule_published")
    payload = read(envelope)
    workshop(uow, payload["workshop_id"])
    delegations = [d["delegation_id"] for d in payload["delegations"]]
    contacts(uow, *delegations)
    first = {**payload, "revision": 1, "changes": []}
    agendas = usecases.record_schedule(first, uow=uow, now=NOW, event_id="first", settings=SETTINGS)
    assert len(agendas) == len(delegations)
    # the example itself is a later revision: moving one round is a change for its delegations
    moved = [
        {**payload["rounds"][0], "session": payload["rounds"][0]["session"] + 10},
        *payload["rounds"][1:],
    ]
    later = {**payload, "revision": max(payload["revision"], 2), "rounds": moved}
    usecases.record_schedule(later, uow=uow, now=NOW, event_id=envelope.event_id, settings=SETTINGS)
    notices = usecases.flush_due_notices(
        {}, uow=uow, now=NOW + timedelta(minutes=1), settings=SETTINGS
    )
    touched = {
        payload["rounds"][0]["host_delegation_id"],
        *payload["rounds"][0]["attendee_delegation_ids"],
    }
    changed = {c["delegation_id"] for c in payload["changes"]}
    assert {e.recipient_id for e in notices} == {f"delegate-{d}" for d in touched & changed}


def test_the_follow_up_examples_reach_staff_and_counterparts(uow):
    due = read(example("activity_follow_up_due"))
    staff(uow, due["owner_staff_id"], *due["escalation_staff_ids"])
    contacts(uow, *due["counterpart_delegation_ids"])
    emails = usecases.remind_follow_up(due, uow=uow, now=NOW, event_id="e1")
    assert len(emails) == 1 + len(due["escalation_staff_ids"]) + len(
        due["counterpart_delegation_ids"]
    )

    digest = read(example("weekly_digest_prepared"))
    staff(uow, digest["owner_staff_id"])
    (email,) = usecases.send_digest(digest, uow=uow, now=NOW, event_id="e2")
    assert email.language == "fr" and "cid:" in email.html_body

    funding = read(example("funding_selection_confirmed"))
    assert usecases.announce_funding(funding, uow=uow, now=NOW, event_id="e3")


def test_the_status_change_example_reaches_the_owner_and_every_counterpart(uow):
    envelope = example("activity_status_changed")
    changed = read(envelope)
    workshop(uow, changed["workshop_id"])
    staff(uow, changed["owner_staff_id"])
    contacts(uow, *changed["counterpart_delegation_ids"])
    emails = usecases.announce_status_change(changed, uow=uow, now=NOW, event_id=envelope.event_id)
    assert len(emails) == 1 + len(changed["counterpart_delegation_ids"])
    assert all(
        changed["title"] in e.text_body and changed["title"] not in e.subject for e in emails
    )
