"""Building an email makes each header's class once (the stdlib's registry
makes a new class per header parsed), and the message is byte for byte what
the stdlib's default policy makes."""

import re
from datetime import UTC, datetime
from email import policy

from notify import mail
from notify.mail import SmtpSettings, build_message

FIELDS = dict(
    settings=SmtpSettings(host="h", port=25, sender="rueda@example.org"),
    email_id="0b7a2c4e-1111-2222-3333-444455556666",
    to_address="rosa@example.org",
    subject="Recebemos o seu perfil de programa",
    text_body="Olá Rosa,\nQali Warma ✓\n",
    html_body="<p>Olá Rosa, <b>Qali Warma</b> ✓</p>",
    correlation_id="c-1",
    created_at=datetime(2027, 10, 24, 9, tzinfo=UTC),
    kind="program_received",
    language="pt",
    attachments=[
        (
            "agenda.ics",
            "text/calendar; charset=utf-8; method=PUBLISH",
            b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
            None,
        )
    ],
)


def _same_boundaries(raw: bytes) -> bytes:
    # the stdlib's boundaries (the attachments' multipart/mixed) and ours
    return re.sub(rb"={15}\d+==|=_rueda_[0-9a-f]{32}", b"=BOUNDARY=", raw)


def test_a_shared_header_is_folded_once_per_output_form():
    first, second = build_message(**FIELDS), build_message(**FIELDS)
    subject = first["Subject"]
    assert second["Subject"] is subject  # one object for both messages
    narrow = policy.default.clone(max_line_length=20)
    assert subject.fold(policy=policy.default) != subject.fold(policy=narrow)
    assert subject.fold(policy=narrow) == subject.fold(policy=narrow)
    assert "\n " in subject.fold(policy=narrow)  # folded to the narrow width


def test_each_header_class_is_made_once():
    first, second = build_message(**FIELDS), build_message(**FIELDS)
    assert type(first["Subject"]) is type(second["Subject"])
    assert type(first["To"]) is type(second["To"])


def test_the_message_is_what_the_default_policy_makes(monkeypatch):
    ours = build_message(**FIELDS).as_bytes()
    monkeypatch.setattr(mail, "POLICY", policy.default)
    theirs = build_message(**FIELDS).as_bytes()
    assert _same_boundaries(ours) == _same_boundaries(theirs)
