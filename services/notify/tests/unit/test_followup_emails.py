"""Reminders, digests and funding notices: who gets them, in which language,
and the opt-outs that apply (use cases on throw-away SQLite)."""

import base64
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from notify import usecases
from notify.exceptions import ERRORS, NotKnownYet
from notify.models import Attachment, Base
from rueda_backbone.errors import Invalid
from rueda_backbone.testing import sqlite_unit_of_work

NOW = datetime(2027, 10, 24, 9, tzinfo=UTC)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 20


def staff(staff_id, language, roles, active=True, version=1):
    return {
        "staff_id": staff_id,
        "name": staff_id.title(),
        "email": f"{staff_id}@example.org",
        "language": language,
        "roles": roles,
        "active": active,
        "version": version,
    }


@pytest.fixture
def uow(tmp_path):
    with sqlite_unit_of_work(tmp_path / "notify.sqlite3", Base.metadata) as unit:
        usecases.update_staff(staff("marta", "es", ["secretariat"]), uow=unit, now=NOW)
        usecases.update_staff(staff("paul", "fr", ["coordinator"]), uow=unit, now=NOW)
        usecases.update_staff(
            staff("old", "en", ["funder_liaison"], active=False), uow=unit, now=NOW
        )
        usecases.update_contacts(
            {
                "delegation_id": "pe",
                "contacts": [
                    {
                        "delegate_id": "rosa",
                        "name": "Rosa",
                        "email": "rosa@example.org",
                        "language": "pt",
                        "is_focal_point": True,
                    }
                ],
            },
            uow=unit,
            now=NOW,
        )
        yield unit


def due(**overrides):
    return {
        "activity_id": "a1",
        "workshop_id": None,
        "title": "Expert visit",
        "state": "planned",
        "level": "escalation",
        "follow_up_on": date(2026, 5, 1),
        "days_overdue": 12,
        "owner_staff_id": "marta",
        "escalation_staff_ids": ["paul", "marta"],
        "counterpart_delegation_ids": ["pe"],
        **overrides,
    }


def remind(message, uow, event_id):
    return usecases.remind_follow_up(message, uow=uow, now=NOW, event_id=event_id)


def opt_out(uow, recipient_id, *categories):
    usecases.set_opt_outs(
        {"recipient_id": recipient_id, "categories": list(categories)}, uow=uow, now=NOW
    )


def test_owner_escalation_staff_and_counterparts_each_get_one_reminder_saying_why(uow):
    emails = {e.recipient_id: e for e in remind(due(), uow, "e1")}
    assert set(emails) == {"marta", "paul", "rosa"}
    assert "responsable de esta actividad" in emails["marta"].text_body
    assert "escaladée" in emails["paul"].text_body
    assert emails["rosa"].subject == "Uma atividade de cooperação precisa de acompanhamento"
    assert remind(due(), uow, "e1") == []  # same event: nothing new


def test_a_counterpart_who_opted_out_gets_no_reminder_but_the_owner_still_does(uow):
    opt_out(uow, "rosa", "counterpart_reminders")
    emails = remind(due(level="overdue", escalation_staff_ids=[]), uow, "e2")
    assert [e.recipient_id for e in emails] == ["marta"]


def test_a_reminder_for_an_owner_not_known_yet_waits(uow):
    with pytest.raises(NotKnownYet):
        remind(due(owner_staff_id="nobody"), uow, "e3")


def test_staff_contacts_keep_the_highest_version(uow):
    older = usecases.update_staff(staff("marta", "en", ["secretariat"]), uow=uow, now=NOW)
    newer = usecases.update_staff(
        staff("marta", "en", ["secretariat"], version=2), uow=uow, now=NOW
    )
    assert older is None and newer.language == "en"


def digest(charts):
    return {
        "digest_id": "d1",
        "owner_staff_id": "marta",
        "week_of": date(2026, 5, 4),
        "workshop_id": None,
        "open_count": 3,
        "overdue": [
            {
                "activity_id": "a1",
                "title": "Expert visit",
                "state": "planned",
                "follow_up_on": date(2026, 5, 1),
                "days_overdue": 3,
            }
        ],
        "due_soon": [],
        "charts": charts,
    }


def test_the_digest_carries_its_charts_inline_and_respects_the_opt_out(uow):
    chart = {
        "name": "by state",
        "content_type": "image/png",
        "data_base64": base64.b64encode(PNG).decode(),
    }
    (email,) = usecases.send_digest(digest([chart]), uow=uow, now=NOW, event_id="e4")
    (attachment,) = uow.session.scalars(
        sa.select(Attachment).where(Attachment.email_id == email.id)
    )
    assert attachment.content == PNG and attachment.content_id
    assert f"cid:{attachment.content_id}" in email.html_body
    opt_out(uow, "marta", "digests")
    assert usecases.send_digest(digest([chart]), uow=uow, now=NOW, event_id="e5") == []


def test_a_chart_that_is_not_a_png_is_refused_for_good(uow):
    chart = {
        "name": "x",
        "content_type": "image/png",
        "data_base64": base64.b64encode(b"GIF89a").decode(),
    }
    with pytest.raises(Invalid) as refused:
        usecases.send_digest(digest([chart]), uow=uow, now=NOW, event_id="e6")
    assert refused.value.fields == [{"path": "charts[0].data_base64", "message": "not a PNG image"}]
    assert not ERRORS.is_retried(refused.value)  # parked at once, with the reason


def test_a_funding_selection_goes_to_active_staff_with_a_funding_role(uow):
    event = {
        "selection_id": "s1",
        "workshop_id": None,
        "budget": 50000,
        "currency": "USD",
        "total_cost": 42000,
        "selected": [{"activity_id": "a1", "title": "Expert visit", "cost": 12000}],
    }
    emails = usecases.announce_funding(event, uow=uow, now=NOW, event_id="e7")
    assert sorted(e.recipient_id for e in emails) == ["marta", "paul"]


def _documented(version):
    import json
    from pathlib import Path

    from notify import inbound

    docs = Path(__file__).resolve().parents[4] / "docs" / "events"
    example = json.loads(
        (docs / f"funding_selection_confirmed.v{version}.example.json").read_text(encoding="utf-8")
    )
    reader = {1: inbound.FundingSelectionConfirmed, 2: inbound.FundingSelectionConfirmedV2}
    return reader[version]().load(example["payload"])


def test_a_v2_funding_selection_names_each_activity_with_the_delegations_it_carries(uow):
    # notify has seen no registration nor status change of these delegations
    emails = usecases.announce_funding(_documented(2), uow=uow, now=NOW, event_id="e8")
    text = next(e for e in emails if e.recipient_id == "paul").text_body
    text = text.replace("\u202f", " ").replace("\xa0", " ")
    assert "— MIDIS (Peru), MDS (Brazil): 24 000,00 USD" in text, text
    assert "— ISM (South America), MIDES (Uruguay): 22 500,00 USD" in text, text


def test_a_v1_funding_selection_is_still_read(uow):
    emails = usecases.announce_funding(_documented(1), uow=uow, now=NOW, event_id="e9")
    assert sorted(e.recipient_id for e in emails) == ["marta", "paul"]
