"""The sender against a real SMTP server (the devkit's aiosmtpd sink, in
this process) and a throw-away SQLite outbox."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from notify import domain
from notify.mail import SmtpSettings
from notify.models import Attachment, Base, Email
from notify.sending import Sender, delivery_log
from rueda_backbone.database import Store
from rueda_backbone.testing import free_port
from rueda_devkit import mailsink


@pytest.fixture
def store(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'notify.sqlite3'}")
    Base.metadata.create_all(store.engine)
    yield store
    store.engine.dispose()


@pytest.fixture
def sink(tmp_path):
    started = []

    def start(fail_code=None, fail_times=0):
        port = free_port()
        controller = mailsink.start(
            tmp_path / "mail", port=port, fail_code=fail_code, fail_times=fail_times
        )
        started.append(controller)
        return controller, SmtpSettings(host="127.0.0.1", port=port, sender="rueda@example.org")

    yield start
    for controller in started:
        controller.stop()


def queue(store, count=1, *, kind="program_received", attachments=()):
    moment = datetime.now(UTC) - timedelta(seconds=1)
    with store.transaction() as session:
        for n in range(count):
            key = domain.dedup_key(f"event-{n}", f"person-{n}", kind)
            session.add(
                Email(
                    id=domain.email_id(key),
                    dedup_key=key,
                    kind=kind,
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
            session.flush()
            for filename, content_type, content, cid in attachments:
                session.add(
                    Attachment(
                        email_id=domain.email_id(key),
                        filename=filename,
                        content_type=content_type,
                        content=content,
                        content_id=cid,
                    )
                )


def rows(store):
    with store.transaction() as session:
        return list(session.scalars(sa.select(Email)))


def drain(sender, store):
    """Run the sender as its loop would, with retries made due at once
    instead of waiting (the clock is the test's, not the wall's)."""
    for _ in range(20):
        sender.send_due()
        with store.transaction() as session:
            session.execute(
                sa.update(Email).values(next_attempt_at=datetime.now(UTC) - timedelta(seconds=1))
            )
        if all(e.status != domain.PENDING for e in rows(store)):
            return


def test_three_451s_then_250_deliver_exactly_one_email(store, sink, tmp_path):
    controller, settings = sink(fail_code=451, fail_times=3)
    queue(store)
    drain(Sender(store, settings, retry_delays=(10, 20, 40, 80)), store)
    (email,) = rows(store)
    assert email.status == domain.SENT and email.attempts == 4
    ((_, message),) = mailsink.read_messages(tmp_path / "mail")
    assert message["Message-ID"] == f"<{email.id}@rueda.local>"


def test_temporary_failures_back_off_exponentially(store, sink):
    _controller, settings = sink(fail_code=451, fail_times=1)
    queue(store)
    before = datetime.now(UTC)
    Sender(store, settings, retry_delays=(60, 120)).send_due()
    (email,) = rows(store)
    assert email.status == domain.PENDING and email.last_error.startswith("451")
    assert email.next_attempt_at >= before + timedelta(seconds=60)


def test_a_550_is_parked_with_its_reason_and_not_retried(store, sink, tmp_path):
    _controller, settings = sink(fail_code=550, fail_times=1)
    queue(store)
    drain(Sender(store, settings), store)
    (email,) = rows(store)
    assert email.status == domain.FAILED and email.last_error.startswith("550")
    assert email.attempts == 1 and mailsink.read_messages(tmp_path / "mail") == []
    (logged,) = delivery_log(store, status="failed")
    assert logged["last_error"].startswith("550") and "to_address" not in logged


def test_a_batch_goes_over_one_connection_and_a_refusal_does_not_break_it(store, sink, tmp_path):
    controller, settings = sink(fail_code=550, fail_times=1)
    queue(store, count=5)
    Sender(store, settings).send_due()
    statuses = sorted(e.status for e in rows(store))
    assert statuses == ["failed", "sent", "sent", "sent", "sent"]
    assert len(controller.handler.peers) == 1
    assert len(mailsink.read_messages(tmp_path / "mail")) == 4


def test_without_reuse_every_email_opens_its_own_connection(store, sink):
    controller, settings = sink()
    queue(store, count=3)
    Sender(store, settings, reuse_connection=False).send_due()
    assert len(controller.handler.peers) == 3


def test_a_server_that_is_down_is_a_temporary_failure(store):
    queue(store)
    Sender(store, SmtpSettings(host="127.0.0.1", port=free_port(), timeout=2)).send_due()
    (email,) = rows(store)
    assert email.status == domain.PENDING and email.attempts == 1
    assert "ConnectionRefused" in email.last_error


def test_attachments_travel_with_the_email(store, sink, tmp_path):
    _controller, settings = sink()
    queue(
        store,
        attachments=[
            (
                "agenda.ics",
                "text/calendar; method=PUBLISH",
                b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
                None,
            )
        ],
    )
    Sender(store, settings).send_due()
    ((_, message),) = mailsink.read_messages(tmp_path / "mail")
    (part,) = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert part.get_filename() == "agenda.ics"


def test_the_delivery_log_filters_by_kind_recipient_and_time(store):
    queue(store, count=2)
    queue(store, count=1, kind="agenda")
    assert {d["kind"] for d in delivery_log(store, kind="agenda")} == {"agenda"}
    assert [d["recipient_id"] for d in delivery_log(store, recipient_id="person-1")] == ["person-1"]
    future = datetime.now(UTC) + timedelta(hours=1)
    assert delivery_log(store, since=future) == []
    assert len(delivery_log(store, until=future)) == 3
