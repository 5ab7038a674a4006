from datetime import datetime, timezone

import pytest

from notify import domain, mail, rendering
from notify.mail import PermanentFailure, SmtpSettings, build_message

SETTINGS = SmtpSettings(host="127.0.0.1", port=25, sender="rueda@example.org")
NOW = datetime(2026, 11, 23, tzinfo=timezone.utc)


def message(**overrides):
    fields = dict(settings=SETTINGS, email_id="e1", to_address="ana@example.org",
                  subject=domain.subject(domain.PROGRAM_RECEIVED, "es"), text_body="hola",
                  html_body="<p>hola</p>", correlation_id="c1", created_at=NOW)
    return build_message(**{**fields, **overrides})


def test_a_message_has_a_stable_message_id_and_both_parts():
    built = message()
    assert built["Message-ID"] == "<e1@rueda.local>"
    assert {part.get_content_type() for part in built.iter_parts()} == {"text/plain", "text/html"}


@pytest.mark.parametrize("address", [
    "ana@example.org\r\nBcc: victim@example.org",
    "Ana <ana@example.org>",
    "=?utf-8?q?ana=0D=0ABcc:_x@example.org?=",
])
def test_a_recipient_address_cannot_smuggle_a_header(address):
    with pytest.raises(PermanentFailure):
        message(to_address=address)


@pytest.mark.parametrize("language", ["es", "en", "pt", "fr"])
def test_the_receipt_renders_in_every_language_and_escapes_html(language):
    text, html = rendering.render(domain.PROGRAM_RECEIVED, language, {
        "name": "Ana", "title": "<script>x</script>", "version": 1, "program_id": "p1",
        "submitted_at": "2026-11-23"})
    assert "<script>" in text and "<script>" not in html and "&lt;script&gt;" in html
    assert domain.subject(domain.PROGRAM_RECEIVED, language)


def test_subjects_are_fixed_text_without_user_input():
    for by_language in domain.SUBJECTS.values():
        for subject in by_language.values():
            assert "{" not in subject and "\n" not in subject


def test_the_same_event_recipient_and_kind_always_get_the_same_email_id():
    key = domain.dedup_key("event-1", "delegate-1", domain.PROGRAM_RECEIVED)
    assert domain.email_id(key) == domain.email_id(key)
    assert domain.email_id(key) != domain.email_id(domain.dedup_key("event-2", "delegate-1",
                                                                     domain.PROGRAM_RECEIVED))


def test_smtp_settings_refuse_an_unknown_security_mode():
    with pytest.raises(ValueError):
        SmtpSettings.from_config({"SMTP_HOST": "h", "SMTP_PORT": 25, "SMTP_SECURITY": "maybe"})


def test_starttls_and_tls_verify_certificates(monkeypatch):
    seen = {}

    class FakeSMTP:
        def __init__(self, *args, **kwargs):
            seen.update(kwargs)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def starttls(self, context=None):
            seen["starttls_context"] = context

        def send_message(self, msg):
            pass

    monkeypatch.setattr(mail.smtplib, "SMTP", FakeSMTP)
    monkeypatch.setattr(mail.smtplib, "SMTP_SSL", FakeSMTP)
    import ssl
    mail.deliver(SmtpSettings(host="h", port=587, security="starttls"), message())
    assert seen["starttls_context"].verify_mode == ssl.CERT_REQUIRED
    assert seen["starttls_context"].check_hostname
    mail.deliver(SmtpSettings(host="h", port=465, security="tls"), message())
    assert seen["context"].verify_mode == ssl.CERT_REQUIRED
