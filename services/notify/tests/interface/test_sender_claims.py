"""The sender's claim and its records on both real databases: two senders
take disjoint emails (SKIP LOCKED on PostgreSQL), an email whose hand-off
never finished is claimed again as a possible duplicate, and a group's sent
emails are recorded by one statement that leaves a claim lost to another
sender alone."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from notify import domain
from notify.mail import SmtpSettings
from notify.models import Base, Email
from notify.sending import Sender
from rueda_backbone.database import Store
from rueda_backbone.testing import free_port
from rueda_devkit import mailsink


@pytest.fixture
def store(database_url):
    store = Store.for_url(database_url)
    Base.metadata.create_all(store.engine)
    return store


@pytest.fixture
def settings(tmp_path):
    port = free_port()
    controller = mailsink.start(tmp_path / "mail", port=port)
    yield SmtpSettings(host="127.0.0.1", port=port, sender="rueda@example.org")
    controller.stop()


def queue(store, count):
    moment = datetime.now(UTC) - timedelta(seconds=1)
    with store.transaction() as session:
        for n in range(count):
            key = domain.dedup_key(f"event-{n}", f"person-{n}", "program_received")
            session.add(
                Email(
                    id=domain.email_id(key),
                    dedup_key=key,
                    kind="program_received",
                    recipient_id=f"person-{n}",
                    to_address=f"p{n}@example.org",
                    language="es",
                    subject="Recibimos su perfil de programa",
                    text_body="hola",
                    html_body="<p>hola</p>",
                    correlation_id="c1",
                    status=domain.PENDING,
                    attempts=0,
                    next_attempt_at=moment,
                    created_at=moment + timedelta(microseconds=n),
                )
            )


def rows(store):
    with store.transaction() as session:
        return {e.id: e for e in session.scalars(sa.select(Email))}


def test_two_senders_claim_disjoint_emails_oldest_first(store, settings):
    queue(store, 5)
    first = Sender(store, settings, batch_size=3)._claim()
    second = Sender(store, settings, batch_size=3)._claim()
    assert len(first) == 3 and len(second) == 2
    assert not {e.id for e in first} & {e.id for e in second}
    created = [e.created_at for e in first + second]
    assert created == sorted(created)
    claimed_by = {e.claimed_by for e in rows(store).values()}
    assert len(claimed_by) == 2 and None not in claimed_by


def test_a_group_is_recorded_at_once_and_an_unfinished_hand_off_is_a_possible_duplicate(
    store, settings
):
    queue(store, 4)
    dead = Sender(store, settings, lease_seconds=0.2)
    claimed = dead._claim()
    assert dead._record([], start=claimed[:1]) == {claimed[0].id}  # then it dies
    with store.transaction() as session:  # its lease runs out
        session.execute(
            sa.update(Email).values(claimed_until=datetime.now(UTC) - timedelta(seconds=1))
        )
    alive = Sender(store, settings)
    emails = alive._claim()
    assert [e.possible_duplicate for e in emails] == [True, False, False, False]
    # another sender takes one of them over before the outcomes are written
    with store.transaction() as session:
        session.execute(
            sa.update(Email).where(Email.id == emails[3].id).values(claimed_by="other:1")
        )
    answered = datetime(2026, 12, 1, 12, tzinfo=UTC)
    finished = [
        (email, (domain.SENT, None, False), answered + timedelta(seconds=n))
        for n, email in enumerate(emails)
    ]
    alive._record(finished, start=[])
    after = rows(store)
    for n, email in enumerate(emails[:3]):
        row = after[email.id]
        assert (row.status, row.attempts, row.claimed_by, row.handoff_at) == ("sent", 1, None, None)
        assert row.sent_at == answered + timedelta(seconds=n)  # its own server's answer
    lost = after[emails[3].id]
    assert (lost.status, lost.claimed_by, lost.sent_at) == ("pending", "other:1", None)
    assert after[emails[0].id].possible_duplicate
