"""submission_reminder: the secretariat's reminder reaches every delegate of
the delegation, once per event, in each one's language."""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from notify import domain, rendering, usecases
from notify.exceptions import NotKnownYet
from notify.models import Base, Email
from rueda_backbone.testing import sqlite_unit_of_work

NOW = datetime(2027, 10, 24, 9, tzinfo=UTC)
WORKSHOP = {
    "workshop_id": "w1",
    "version": 1,
    "title": "Santa Marta",
    "time_zone": "America/Bogota",
    "languages": ["es", "en"],
    "deadlines": {"programs": None, "interests": None, "expressions_of_interest": None},
}
PEOPLE = [
    {
        "delegate_id": d,
        "name": d.title(),
        "email": f"{d}@example.org",
        "language": lang,
        "is_focal_point": d == "rosa",
    }
    for d, lang in (("rosa", "pt"), ("juan", "es"), ("anne", "fr"), ("john", "en"))
]
REMINDER = {
    "workshop_id": "w1",
    "delegation_id": "pe",
    "missing": [
        {"form": "program", "deadline": datetime(2027, 10, 30, 23, 59, tzinfo=UTC)},
        {"form": "interest", "deadline": None},
    ],
}
# what each language says, beside the deadline in the workshop's zone
EXPECTED = {
    "pt": (
        "Lembrete: sua delegação ainda tem formulários a enviar",
        "A secretaria técnica de Santa Marta lembra que MIDIS (Peru) ainda não enviou",
        "o perfil de programa",
        "o formulário de interesse programático",
        "até 30 de out. de 2027, 18:59 (America/Bogota)",
    ),
    "es": (
        "Recordatorio: su delegación aún tiene formularios por enviar",
        "La secretaría técnica de Santa Marta le recuerda que MIDIS (Peru)",
        "el perfil de programa",
        "el formulario de interés programático",
        "hasta el 30 oct 2027, 18:59 (America/Bogota)",
    ),
    "fr": (
        "Rappel : votre délégation a encore des formulaires à envoyer",
        "Le secrétariat technique de Santa Marta vous rappelle que MIDIS (Peru)",
        "le profil de programme",
        "le formulaire d'intérêt programmatique",
        "jusqu'au 30 oct. 2027, 18:59 (America/Bogota)",
    ),
    "en": (
        "Reminder: your delegation still has forms to submit",
        "The technical secretariat of Santa Marta reminds you that MIDIS (Peru)",
        "the program profile",
        "the programmatic interest form",
        "until Oct 30, 2027, 6:59",
    ),
}


@pytest.fixture
def uow(tmp_path):
    with sqlite_unit_of_work(tmp_path / "notify.sqlite3", Base.metadata) as unit:
        usecases.publish_workshop(WORKSHOP, uow=unit, now=NOW)
        usecases.update_contacts(
            {"delegation_id": "pe", "workshop_id": "w1", "version": 1, "contacts": PEOPLE},
            uow=unit,
            now=NOW,
        )
        usecases.register_delegation(
            {
                "delegation_id": "pe",
                "workshop_id": "w1",
                "version": 1,
                "institution": "Ministerio de Desarrollo e Inclusión Social",
                "acronym": "MIDIS",
                "country": "Peru",
                "region": None,
            },
            uow=unit,
            now=NOW,
        )
        yield unit


def test_every_delegate_is_reminded_once_in_their_language(uow):
    queued = usecases.remind_submission(REMINDER, uow=uow, now=NOW, event_id="r1")
    by_person = {email.recipient_id: email for email in queued}
    assert sorted(by_person) == ["anne", "john", "juan", "rosa"]
    for person in PEOPLE:
        email = by_person[person["delegate_id"]]
        subject, intro, program, interest, deadline = EXPECTED[person["language"]]
        assert (email.kind, email.language, email.subject) == (
            domain.SUBMISSION_REMINDER,
            person["language"],
            subject,
        )
        for body in (email.text_body, email.html_body):
            assert intro in body and program in body and interest in body
            assert deadline in body and person["name"] in body
        assert email.next_attempt_at == NOW and email.status == domain.PENDING
    # the same event again (a redelivery) queues nothing; another reminder does
    assert usecases.remind_submission(REMINDER, uow=uow, now=NOW, event_id="r1") == []
    assert len(usecases.remind_submission(REMINDER, uow=uow, now=NOW, event_id="r2")) == 4
    keys = uow.session.scalars(sa.select(Email.dedup_key)).all()
    assert len(keys) == len(set(keys)) == 8


@pytest.mark.parametrize("language", domain.LANGUAGES)
def test_without_the_workshop_or_the_delegation_it_still_says_what_is_missing(language):
    text, html = rendering.render(
        domain.SUBMISSION_REMINDER,
        language,
        {
            "name": "Ana",
            "workshop": None,
            "delegation": None,
            "missing": [{"form": "interest", "deadline": None}],
        },
    )
    for body in (text, html):
        assert EXPECTED[language][3] in body and "None" not in body and "Ana" in body


def test_a_withdrawn_delegation_is_not_reminded_and_unknown_contacts_are_waited_for(uow):
    with pytest.raises(NotKnownYet):
        usecases.remind_submission(
            {**REMINDER, "delegation_id": "co"}, uow=uow, now=NOW, event_id="r3"
        )
    usecases.withdraw_delegation(
        {"workshop_id": "w1", "delegation_id": "pe", "version": 2}, uow=uow, now=NOW
    )
    assert usecases.remind_submission(REMINDER, uow=uow, now=NOW, event_id="r4") == []
