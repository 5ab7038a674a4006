import email
import email.policy
from datetime import UTC, datetime

import pytest

from notify import domain, mail, rendering
from notify.mail import PermanentFailure, SmtpSettings, build_message

SETTINGS = SmtpSettings(host="127.0.0.1", port=25, sender="rueda@example.org")
NOW = datetime(2026, 11, 23, tzinfo=UTC)


def message(**overrides):
    fields = dict(
        settings=SETTINGS,
        email_id="e1",
        to_address="ana@example.org",
        subject=rendering.subject(domain.PROGRAM_RECEIVED, "es"),
        text_body="hola",
        html_body="<p>hola</p>",
        correlation_id="c1",
        created_at=NOW,
    )
    return build_message(**{**fields, **overrides})


def test_a_message_has_a_stable_message_id_and_both_parts():
    built = message()
    assert built["Message-ID"] == "<e1@rueda.local>"
    assert {part.get_content_type() for part in built.iter_parts()} == {"text/plain", "text/html"}


def test_kind_and_language_stay_on_the_top_level_message_with_attachments():
    built = message(
        kind=domain.AGENDA,
        language="pt",
        attachments=[("agenda.ics", "text/calendar; method=PUBLISH", b"BEGIN:VCALENDAR", None)],
    )
    parsed = email.message_from_bytes(built.as_bytes(), policy=email.policy.default)
    assert parsed["X-Rueda-Kind"] == "agenda"
    assert parsed["Content-Language"] == "pt"
    assert parsed.get_content_type() == "multipart/mixed"


@pytest.mark.parametrize(
    "address",
    [
        "ana@example.org\r\nBcc: victim@example.org",
        "Ana <ana@example.org>",
        "=?utf-8?q?ana=0D=0ABcc:_x@example.org?=",
    ],
)
def test_a_recipient_address_cannot_smuggle_a_header(address):
    with pytest.raises(PermanentFailure):
        message(to_address=address)


@pytest.mark.parametrize(
    "subject",
    [
        "Recibimos\r\nBcc: victim@example.org",
        "Hello\nX-Evil: 1",
        "=?utf-8?q?hola=0D=0ABcc:_victim@example.org?=",
    ],
)
def test_a_subject_with_a_newline_or_an_encoded_word_cannot_add_a_header(subject):
    with pytest.raises(PermanentFailure):
        message(subject=subject)


def test_a_name_from_user_input_stays_in_the_body():
    name = "Ana\r\nBcc: victim@example.org =?utf-8?q?x=0D=0AX-Evil:_1?="
    text, html = rendering.render(
        domain.PROGRAM_RECEIVED,
        "es",
        {
            "name": name,
            "title": "T",
            "version": 1,
            "program_id": "p1",
            "submitted_at": "x",
            "missing_fields": None,
            "deadline": None,
        },
    )
    built = message(text_body=text, html_body=html)
    parsed = email.message_from_bytes(built.as_bytes(), policy=email.policy.default)
    assert parsed["Bcc"] is None and parsed["X-Evil"] is None
    assert set(parsed.keys()) == {
        "From",
        "To",
        "Subject",
        "Date",
        "Message-ID",
        "Auto-Submitted",
        "X-Correlation-ID",
        "MIME-Version",
        "Content-Type",
    }


def test_subjects_are_fixed_text_without_user_input():
    for kind in domain.KINDS:
        for language in domain.LANGUAGES:
            subject = rendering.subject(kind, language)
            assert "%" not in subject and "{" not in subject and "\n" not in subject


def test_attachments_and_inline_images_are_parts_of_the_message():
    built = message(
        attachments=[
            (
                "agenda.ics",
                "text/calendar; method=PUBLISH",
                b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
                None,
            ),
            ("chart-1.png", "image/png", b"\x89PNG\r\n\x1a\nxx", "c1@rueda"),
        ]
    )
    parsed = email.message_from_bytes(built.as_bytes(), policy=email.policy.default)
    parts = {part.get_content_type(): part for part in parsed.walk()}
    assert parts["text/calendar"].get_param("method") == "PUBLISH"
    assert parts["text/calendar"].get_filename() == "agenda.ics"
    assert parts["image/png"]["Content-ID"] == "<c1@rueda>"
    assert parts["image/png"].get_content() == b"\x89PNG\r\n\x1a\nxx"


def test_the_same_event_recipient_and_kind_always_get_the_same_email_id():
    key = domain.dedup_key("event-1", "delegate-1", domain.PROGRAM_RECEIVED)
    assert domain.email_id(key) == domain.email_id(key)
    assert domain.email_id(key) != domain.email_id(
        domain.dedup_key("event-2", "delegate-1", domain.PROGRAM_RECEIVED)
    )


def test_smtp_settings_refuse_an_unknown_security_mode():
    with pytest.raises(ValueError):
        SmtpSettings.from_config({"SMTP_HOST": "h", "SMTP_PORT": 25, "SMTP_SECURITY": "maybe"})


def test_starttls_and_tls_verify_certificates(monkeypatch):
    seen = {}

    class FakeSMTP:
        """Stands in for the network: only what deliver() asks of the client is checked."""

        def __init__(self, *args, **kwargs):
            seen.update(kwargs)

        def starttls(self, context=None):
            seen["starttls_context"] = context

        def send_message(self, msg, from_addr=None, to_addrs=None):
            seen["envelope"] = (from_addr, to_addrs)

        def quit(self):
            pass

    monkeypatch.setattr(mail.smtplib, "SMTP", FakeSMTP)
    monkeypatch.setattr(mail.smtplib, "SMTP_SSL", FakeSMTP)
    import ssl

    mail.deliver(SmtpSettings(host="h", port=587, security="starttls"), message())
    assert seen["starttls_context"].verify_mode == ssl.CERT_REQUIRED
    assert seen["starttls_context"].check_hostname
    mail.deliver(SmtpSettings(host="h", port=465, security="tls"), message())
    assert seen["context"].verify_mode == ssl.CERT_REQUIRED
    # the envelope is given, not parsed back out of the headers
    assert seen["envelope"] == ("rueda@example.org", ["ana@example.org"])
