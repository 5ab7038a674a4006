"""How many emails per second the sender sustains against the local mail sink.

    .venv/bin/python services/notify/bench/send_rate.py [--emails 500]

Queues N agenda-sized emails (text, HTML and an .ics attachment) in a fresh
SQLite outbox, then lets the sender empty it over SMTP into the devkit's
aiosmtpd sink, once opening one connection per email (as notify did before)
and once reusing one connection per batch. Writes bench/RESULTS.md.
A benchmark, not a test: numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import platform
import ssl
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from notify import domain, rendering
from notify.mail import Connection, SmtpSettings
from notify.models import Attachment, Base, Email
from notify.sending import Sender
from rueda_backbone.database import Store
from rueda_backbone.testing import free_port
from rueda_devkit import mailsink

HERE = Path(__file__).parent
ICS = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//rueda//bench//EN\r\n"
    + b"BEGIN:VEVENT\r\nUID:round-x@rueda\r\nSEQUENCE:1\r\nSUMMARY:Round\r\nEND:VEVENT\r\n" * 4
    + b"END:VCALENDAR\r\n"
)
SEAT = {
    "session": 1,
    "table": 2,
    "program_title": "Qali Warma",
    "starts": "2026-03-10 09:00",
    "ends": "09:45",
    "host": "MIDIS Peru",
    "role": "attendee",
    "others": ["DPS Colombia"],
}


def queue(store, count: int) -> None:
    text, html = rendering.render(
        domain.AGENDA,
        "es",
        {
            "name": "Rosa",
            "delegation": "MIDIS Peru",
            "workshop": "Santa Marta",
            "time_zone": "America/Bogota",
            "seats": [SEAT] * 4,
        },
    )
    moment = datetime.now(UTC) - timedelta(seconds=1)
    with store.transaction() as session:
        for n in range(count):
            key = domain.dedup_key(f"bench-{n}", f"person-{n}", domain.AGENDA)
            session.add(
                Email(
                    id=domain.email_id(key),
                    dedup_key=key,
                    kind=domain.AGENDA,
                    recipient_id=f"person-{n}",
                    to_address=f"p{n}@example.org",
                    language="es",
                    subject=rendering.subject(domain.AGENDA, "es"),
                    text_body=text,
                    html_body=html,
                    correlation_id="bench",
                    status=domain.PENDING,
                    attempts=0,
                    next_attempt_at=moment,
                    created_at=moment,
                )
            )
            session.flush()  # the attachment's foreign key needs the row
            session.add(
                Attachment(
                    email_id=domain.email_id(key),
                    filename="agenda.ics",
                    content_type="text/calendar; method=PUBLISH",
                    content=ICS,
                )
            )


class FirstConnection(Connection):
    """What notify did first: a connection per email, and the system's CA
    store loaded for each one even without TLS."""

    def _open(self):
        ssl.create_default_context()
        super()._open()


def run(count: int, reuse: bool, workdir: Path, connect=Connection) -> float:
    label = f"{reuse}-{connect.__name__}"
    store = Store(f"sqlite:///{workdir / f'outbox-{label}.sqlite3'}")
    Base.metadata.create_all(store.engine)
    queue(store, count)
    port = free_port()
    sink = mailsink.start(workdir / f"mail-{label}", port=port)
    sender = Sender(
        store,
        SmtpSettings(host="127.0.0.1", port=port, sender="rueda@example.org"),
        batch_size=50,
        reuse_connection=reuse,
        connect=connect,
    )
    started = time.perf_counter()
    sent = 0
    while sent < count:
        tried = sender.send_due()
        if not tried:
            break
        sent += tried
    elapsed = time.perf_counter() - started
    delivered = len(list((workdir / f"mail-{label}").glob("*.eml")))
    sink.stop()
    store.engine.dispose()
    assert delivered == count, f"{delivered} of {count} delivered"
    return count / elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--emails", type=int, default=500)
    args = parser.parse_args()
    import logging

    import structlog

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    with tempfile.TemporaryDirectory() as tmp:
        first = run(args.emails, False, Path(tmp), FirstConnection)
        before = run(args.emails, False, Path(tmp))
        after = run(args.emails, True, Path(tmp))
    lines = [
        "# notify: sender throughput against the local mail sink",
        "",
        f"`services/notify/bench/send_rate.py --emails {args.emails}`, "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, Python {platform.python_version()}, "
        f"{platform.machine()}; SQLite outbox, aiosmtpd sink on 127.0.0.1, no TLS; each email is an "
        "agenda (text + HTML + .ics attachment), batches of 50, status recorded per email.",
        "",
        "| sender | emails/s |",
        "|---|---|",
        f"| one SMTP connection and one CA-store load per email (notify before this change) | {first:.1f} |",
        f"| one SMTP connection per email, TLS context built once | {before:.1f} |",
        f"| one connection per batch (now) | {after:.1f} |",
        "",
        f"Now against before: x{after / first:.1f}; connection reuse alone: x{after / before:.1f}. Against a real relay with STARTTLS and AUTH "
        "the saving per email is larger (a TLS handshake and a login each time).",
        "",
    ]
    (HERE / "RESULTS.md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
