"""Notices of an activity's move in its lifecycle: to the owner and the
counterparts' focal points, in their language, once per person, respecting
the `activity_updates` opt-out (use cases on throw-away SQLite)."""

from datetime import UTC, datetime

import pytest

from notify import domain, inbound, usecases
from notify.exceptions import NotKnownYet
from notify.models import Base
from rueda_backbone.testing import sqlite_unit_of_work

NOW = datetime(2027, 10, 24, 9, tzinfo=UTC)

WORKSHOP = {
    "workshop_id": "w1",
    "version": 1,
    "title": "Santa Marta",
    "time_zone": "America/Bogota",
    "languages": ["fr", "es"],
    "deadlines": {},
}


def contact(delegate_id, language, focal):
    return {
        "delegate_id": delegate_id,
        "name": delegate_id.title(),
        "email": f"{delegate_id}@example.org",
        "language": language,
        "is_focal_point": focal,
    }


@pytest.fixture
def uow(tmp_path):
    with sqlite_unit_of_work(tmp_path / "notify.sqlite3", Base.metadata) as unit:
        usecases.publish_workshop(WORKSHOP, uow=unit, now=NOW)
        usecases.update_staff(
            {
                "staff_id": "marta",
                "name": "Marta",
                "email": "marta@example.org",
                "language": "es",
                "roles": ["secretariat"],
                "active": True,
                "version": 1,
            },
            uow=unit,
            now=NOW,
        )
        usecases.update_contacts(
            {
                "delegation_id": "pe",
                "workshop_id": "w1",
                "version": 1,
                "contacts": [contact("rosa", "pt", True), contact("juan", "es", False)],
            },
            uow=unit,
            now=NOW,
        )
        # a language notify has no catalogue for: the workshop's first one applies
        usecases.update_contacts(
            {
                "delegation_id": "br",
                "workshop_id": "w1",
                "version": 1,
                "contacts": [contact("hans", "de", True)],
            },
            uow=unit,
            now=NOW,
        )
        yield unit


def moved(**overrides):
    return {
        "activity_id": "a1",
        "workshop_id": "w1",
        "title": "Visita técnica",
        "from_state": "under_review",
        "to_state": "selected",
        "funding_source": "network_fund",
        "reason": "funding selection s1 confirmed",
        "owner_staff_id": "marta",
        "counterpart_delegation_ids": ["pe", "br"],
        **overrides,
    }


def announce(message, uow, event_id):
    return usecases.announce_status_change(message, uow=uow, now=NOW, event_id=event_id)


def opt_out(uow, recipient_id, *categories):
    usecases.set_opt_outs(
        {"recipient_id": recipient_id, "categories": list(categories)}, uow=uow, now=NOW
    )


def by_recipient(emails):
    return {e.recipient_id: e for e in emails}


def test_the_owner_and_each_counterparts_focal_point_get_one_notice_in_their_language(uow):
    emails = by_recipient(announce(moved(), uow, "e1"))
    assert set(emails) == {"marta", "rosa", "hans"}  # juan is not the focal point
    assert {r: e.language for r, e in emails.items()} == {"marta": "es", "rosa": "pt", "hans": "fr"}
    assert {e.kind for e in emails.values()} == {domain.ACTIVITY_STATUS_CHANGED}

    marta = emails["marta"].text_body
    assert "Visita técnica" in marta
    assert "Estado anterior: en revisión" in marta and "Nuevo estado: seleccionada" in marta
    assert "Fuente de financiamiento: fondo de la red" in marta
    assert "Motivo: funding selection s1 confirmed" in marta
    assert "responsable de esta actividad" in marta
    assert "sua delegação é contraparte" in emails["rosa"].text_body
    assert "Statut précédent : en cours d'examen" in emails["hans"].text_body


def test_the_subject_is_fixed_per_language_and_never_carries_the_title(uow):
    first = by_recipient(announce(moved(), uow, "e1"))
    other = by_recipient(
        announce(
            moved(title="Other\r\nBcc: x@example.org", to_state="declined", funding_source=None),
            uow,
            "e2",
        )
    )
    assert (
        first["rosa"].subject
        == other["rosa"].subject
        == "A situação de uma atividade de cooperação mudou"
    )
    assert first["marta"].subject == "El estado de una actividad de cooperación ha cambiado"
    assert all("Visita" not in e.subject and "Other" not in e.subject for e in other.values())


def test_no_funding_source_no_funding_line(uow):
    emails = by_recipient(
        announce(
            moved(from_state="proposed", to_state="under_review", funding_source=None), uow, "e3"
        )
    )
    assert "financiamiento" not in emails["marta"].text_body
    assert "financiamiento" not in emails["marta"].html_body


def test_the_same_event_twice_queues_one_email_per_person(uow):
    assert len(announce(moved(), uow, "e1")) == 3
    assert announce(moved(), uow, "e1") == []
    # another move of the same activity is news again
    assert len(announce(moved(from_state="selected", to_state="planned"), uow, "e4")) == 3


def test_a_counterpart_who_opted_out_of_activity_updates_is_not_told_but_the_owner_is(uow):
    opt_out(uow, "rosa", domain.ACTIVITY_UPDATES)
    # a reminders opt-out is another matter: hans still hears about the move
    opt_out(uow, "hans", domain.COUNTERPART_REMINDERS)
    emails = announce(moved(), uow, "e5")
    assert sorted(e.recipient_id for e in emails) == ["hans", "marta"]


def test_an_owner_who_opted_out_of_activity_updates_is_still_told(uow):
    opt_out(uow, "marta", domain.ACTIVITY_UPDATES)
    emails = announce(moved(counterpart_delegation_ids=["pe"]), uow, "e6")
    assert sorted(e.recipient_id for e in emails) == ["marta", "rosa"]


def test_without_an_owner_only_the_counterparts_are_told(uow):
    emails = announce(moved(owner_staff_id=None), uow, "e7")
    assert sorted(e.recipient_id for e in emails) == ["hans", "rosa"]


def test_an_inactive_owner_is_not_told(uow):
    usecases.update_staff(
        {
            "staff_id": "marta",
            "name": "Marta",
            "email": "marta@example.org",
            "language": "es",
            "roles": [],
            "active": False,
            "version": 2,
        },
        uow=uow,
        now=NOW,
    )
    emails = announce(moved(), uow, "e8")
    assert sorted(e.recipient_id for e in emails) == ["hans", "rosa"]


@pytest.mark.parametrize(
    "change", [{"owner_staff_id": "nobody"}, {"counterpart_delegation_ids": ["pe", "unheard"]}]
)
def test_an_owner_or_counterpart_not_known_yet_is_waited_for(uow, change):
    with pytest.raises(NotKnownYet):
        announce(moved(**change), uow, "e9")


def test_withdrawn_and_fully_erased_counterparts_are_skipped_not_waited_for(uow):
    usecases.withdraw_delegation(
        {"workshop_id": "w1", "delegation_id": "br", "version": 1}, uow=uow, now=NOW
    )
    usecases.erase_delegate({"delegation_id": "pe", "delegate_id": "rosa"}, uow=uow, now=NOW)
    usecases.erase_delegate({"delegation_id": "pe", "delegate_id": "juan"}, uow=uow, now=NOW)
    emails = announce(moved(), uow, "e10")
    assert [e.recipient_id for e in emails] == ["marta"]


def test_the_focal_point_of_a_delegation_without_one_is_every_delegate(uow):
    usecases.update_contacts(
        {
            "delegation_id": "pe",
            "workshop_id": "w1",
            "version": 2,
            "contacts": [contact("rosa", "pt", False), contact("juan", "es", False)],
        },
        uow=uow,
        now=NOW,
    )
    emails = announce(moved(counterpart_delegation_ids=["pe"]), uow, "e11")
    assert sorted(e.recipient_id for e in emails) == ["juan", "marta", "rosa"]


def test_a_state_followup_adds_later_is_read_and_shown_by_its_name(uow):
    payload = inbound.ActivityStatusChanged().load(
        {
            **moved(to_state="on_hold"),
            "changed_by": "marta",
            "changed_at": "2026-06-02T14:05:12+00:00",
        }
    )
    emails = by_recipient(announce(payload, uow, "e12"))
    assert "Nuevo estado: on_hold" in emails["marta"].text_body


def test_the_new_category_can_be_chosen_over_http():
    from notify.schemas import OptOutsBody

    assert OptOutsBody().load({"categories": ["activity_updates"]}) == {
        "categories": ["activity_updates"]
    }
