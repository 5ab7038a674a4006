"""notify sends receipts over real SMTP (an aiosmtpd sink), exactly once."""

import pytest
import sqlalchemy as sa

from notify.models import Email
from notify.service import NotifyService
from rueda_backbone.database import Store
from rueda_backbone.testing import free_port, publish_event, wait_for
from rueda_devkit import mailsink

pytestmark = pytest.mark.broker

CONTACTS = {
    "delegation_id": "d-pe",
    "contacts": [
        {
            "delegate_id": "rosa",
            "name": "Rosa",
            "email": "rosa@example.org",
            "language": "pt",
            "is_focal_point": True,
        },
        {
            "delegate_id": "juan",
            "name": "Juan",
            "email": "juan@example.org",
            "language": "es",
            "is_focal_point": False,
        },
    ],
}
PROGRAM = {
    "program_id": "p-qw",
    "delegation_id": "d-pe",
    "title": "Qali Warma",
    "topics": [],
    "version": 1,
    "submitted_at": "2026-03-02T10:00:00+00:00",
}


@pytest.fixture
def sink(tmp_path):
    started = []

    def start(fail_code=None, fail_times=0):
        port = free_port()
        started.append(
            mailsink.start(tmp_path / "mail", port=port, fail_code=fail_code, fail_times=fail_times)
        )
        return port, tmp_path / "mail"

    yield start
    for controller in started:
        controller.stop()


@pytest.fixture
def notify(container_factory, config):
    def start(smtp_port):
        config.update(
            {
                "SMTP_HOST": "127.0.0.1",
                "SMTP_PORT": smtp_port,
                "MAIL_FROM": "rueda@example.org",
                "MAIL_RETRY_DELAYS": [0.1, 0.1, 0.1],
                "MAIL_POLL_SECONDS": 0.1,
            }
        )
        container_factory(NotifyService, config).start()

    return start


def emails(config):
    with Store.for_url(config["DATABASE_URL"]).transaction() as session:
        return list(session.scalars(sa.select(Email)))


def test_a_receipt_goes_to_the_focal_point_in_their_language(notify, sink, config):
    port, folder = sink()
    notify(port)
    publish_event(config["AMQP_URI"], "intake", "delegation_contacts_updated", CONTACTS)
    publish_event(
        config["AMQP_URI"], "intake", "program_submitted", PROGRAM, correlation_id="trace-42"
    )
    ((path, message),) = wait_for(lambda: mailsink.read_messages(folder), what="the receipt")
    assert message["To"] == "rosa@example.org"
    assert message["Subject"] == "Recebemos o seu perfil de programa"
    assert message["X-Correlation-ID"] == "trace-42"
    assert "Qali Warma" in message.get_body(("plain",)).get_content()


def test_the_same_event_delivered_twice_sends_one_email(notify, sink, config):
    port, folder = sink()
    notify(port)
    publish_event(config["AMQP_URI"], "intake", "delegation_contacts_updated", CONTACTS)
    event = publish_event(config["AMQP_URI"], "intake", "program_submitted", PROGRAM)
    publish_event(
        config["AMQP_URI"], "intake", "program_submitted", PROGRAM, event_id=event.event_id
    )
    wait_for(lambda: [e for e in emails(config) if e.status == "sent"], what="the email sent")
    eventletsleep = __import__("eventlet").sleep
    eventletsleep(1.0)  # give a wrongly duplicated email the time to appear
    assert len(mailsink.read_messages(folder)) == 1


def test_a_program_before_its_contacts_waits_for_them_by_retrying(notify, sink, config):
    port, folder = sink()
    notify(port)
    publish_event(config["AMQP_URI"], "intake", "program_submitted", PROGRAM)
    publish_event(config["AMQP_URI"], "intake", "delegation_contacts_updated", CONTACTS)
    wait_for(lambda: mailsink.read_messages(folder), timeout=15, what="the receipt")


def test_temporary_smtp_failures_are_retried_until_one_email_gets_through(notify, sink, config):
    port, folder = sink(fail_code=451, fail_times=3)
    notify(port)
    publish_event(config["AMQP_URI"], "intake", "delegation_contacts_updated", CONTACTS)
    publish_event(config["AMQP_URI"], "intake", "program_submitted", PROGRAM)
    (sent,) = wait_for(
        lambda: [e for e in emails(config) if e.status == "sent"],
        timeout=15,
        what="the email after three 451s",
    )
    assert sent.attempts == 4
    assert len(mailsink.read_messages(folder)) == 1


def test_a_permanent_smtp_failure_is_parked_with_its_reason(notify, sink, config):
    port, folder = sink(fail_code=550, fail_times=1)
    notify(port)
    publish_event(config["AMQP_URI"], "intake", "delegation_contacts_updated", CONTACTS)
    publish_event(config["AMQP_URI"], "intake", "program_submitted", PROGRAM)
    (failed,) = wait_for(
        lambda: [e for e in emails(config) if e.status == "failed"], what="the failed email"
    )
    assert failed.last_error.startswith("550") and mailsink.read_messages(folder) == []
