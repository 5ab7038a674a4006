"""The email sender: claims due emails from notify's outbox, delivers them
over a few SMTP connections at once, records the outcome. Temporary failures
wait with exponential backoff, permanent ones are parked as `failed` with
the reason, for staff to query.

Claims last seconds (`lease_seconds`) and are renewed while the sender works,
so the emails of a sender killed with kill -9 go to another (or to the same,
restarted) within seconds. SMTP cannot be exactly once at the hand-off: a
sender that dies after the server's 250 and before recording it leaves the
email pending. Each hand-off is therefore recorded as started before the
message goes out, and an email found with a hand-off that never finished is
resent with the same Message-ID and marked `possible_duplicate` in the
delivery log. Every other email goes out once.

A transaction per email was much of the sender's cost under a burst, so each
SMTP session records a group of up to `emails_per_transaction` emails at a
time: one transaction marks the hand-off of the group's emails as started,
the session sends them, and the next transaction records their outcomes
together with the next group's marks. The price is in the crash case only:
a sender killed mid-group leaves every email of the group unrecorded, so up
to that many emails (not only the one whose hand-off was cut) are resent and
marked as possible duplicates, the ones it had not reached yet included.
"""

from __future__ import annotations

import collections
import math
import socket
import time
import uuid
from datetime import UTC, datetime, timedelta

import eventlet
import sqlalchemy as sa
import structlog

from rueda_backbone import metrics
from rueda_backbone.database import claim_due
from rueda_backbone.outbox import UnitOfWork

from . import domain, mail
from .models import Attachment, Email

log = structlog.get_logger(__name__)

LEASE_SECONDS = 10.0
LEASE = timedelta(seconds=LEASE_SECONDS)
# fewer emails than this per connection open fewer connections
EMAILS_PER_CONNECTION = 10
# hand-offs marked (and outcomes recorded) per transaction: at most this many
# possible duplicates after a crash, against a transaction per email
EMAILS_PER_TRANSACTION = 10
# how long a session stays open between passes: well under the idle timeout
# of common servers (Postfix 300 s, Exchange 600 s) and of NAT tables
IDLE_SECONDS = 30.0


def _now() -> datetime:
    return datetime.now(UTC)


def _reason(email: Email, what: str | None, exc: BaseException) -> str:
    """Why an email failed, for the delivery log: never its address."""
    text = str(exc) if what is None else f"{what}: {type(exc).__name__}: {exc}"
    if email.to_address:
        text = text.replace(email.to_address, domain.masked_address(email.to_address))
    return text[:1000]


class Sender:
    def __init__(
        self,
        store,
        settings: mail.SmtpSettings,
        retry_delays=(10, 60, 300, 1800, 7200),
        batch_size: int = 50,
        connect=mail.Connection,
        reuse_connection: bool = True,
        concurrency: int = 4,
        lease_seconds: float = LEASE_SECONDS,
        emails_per_transaction: int = EMAILS_PER_TRANSACTION,
        idle_seconds: float = IDLE_SECONDS,
    ):
        self.store = store
        self.settings = settings
        self.retry_delays = tuple(float(d) for d in retry_delays)
        self.batch_size = batch_size
        self.connect = connect
        # False opens one SMTP session per email, as notify did at first; kept
        # for the benchmark that compares the two
        self.reuse_connection = reuse_connection
        self.concurrency = max(1, int(concurrency))
        self.lease = timedelta(seconds=float(lease_seconds))
        self.sender_id = f"{socket.gethostname()}:{uuid.uuid4().hex[:8]}"
        # 1 is a transaction per email, as before
        self.emails_per_transaction = max(1, int(emails_per_transaction))
        self.idle_seconds = float(idle_seconds)
        self._idle: list = []  # (connection, since): sessions kept open between passes
        self._closed = False
        # plain Core statements on the table, built once: the ORM's bulk-update
        # path (synchronising the session) cost more than the statements
        # themselves, and so did building the expressions for every email
        table = Email.__table__
        mine = sa.and_(table.c.claimed_by == self.sender_id, table.c.status == domain.PENDING)
        self._mine = mine
        # the SET clause comes from the parameters: an outcome's columns vary
        self._record_outcome = sa.update(table).where(table.c.id == sa.bindparam("b_id"), mine)
        self._mark_handoffs = (
            sa.update(table)
            .where(table.c.id.in_(sa.bindparam("b_ids", expanding=True)), mine)
            .values(handoff_at=sa.bindparam("b_moment", type_=table.c.handoff_at.type))
            .returning(table.c.id)
        )

    def send_due(self) -> int:
        """Deliver one batch of due emails over up to `concurrency` SMTP
        sessions, each in its own green thread; returns how many were tried."""
        emails, attachments = self._claim(with_attachments=True)
        if not emails:
            return 0
        held = {email.id for email in emails}
        queue = collections.deque(emails)
        lanes = min(self.concurrency, math.ceil(len(emails) / EMAILS_PER_CONNECTION))
        heartbeat = eventlet.spawn(self._heartbeat, held)
        try:
            pool = eventlet.GreenPool(lanes)
            threads = [
                pool.spawn(self._send_lane, queue, attachments, held, lanes) for _ in range(lanes)
            ]
            for thread in threads:
                thread.wait()  # re-raises a lane's failure (the database gone)
        finally:
            heartbeat.kill()
        return len(emails)

    # -- one SMTP session ---------------------------------------------------------

    def _send_lane(self, queue, attachments, held, lanes: int) -> None:
        """Take the next claimed emails a group at a time until none is left,
        over one session: each transaction records the outcomes of the group
        just sent and marks the hand-offs of the next one."""
        connection = self._checkout()
        finished = []  # (email, outcome, when) handed over, not recorded yet
        try:
            while True:
                group = self._take(queue, lanes)
                if not group and not finished:
                    self._checkin(connection)
                    connection = None
                    return
                started = self._record(finished, start=group)
                for email, _outcome, _when in finished:
                    held.discard(email.id)
                finished = []
                for email in group:
                    if email.id not in started:
                        held.discard(email.id)
                        log.warning("email.claim_lost", email_id=email.id)
                        continue
                    outcome = self._deliver(connection, email, attachments.get(email.id, []))
                    finished.append((email, outcome, _now()))
                    if not self.reuse_connection:
                        connection.close()
        finally:
            if connection is not None:
                connection.close()

    def _checkout(self):
        """A session left open by an earlier pass, else a new one. One kept
        longer than `idle_seconds`, or that the server has written to since
        (a 421 or its close, waiting to be read), is closed instead: a send
        on a session the server dropped would be an uncertain hand-off."""
        while self._idle:
            connection, since = self._idle.pop()
            if time.monotonic() - since < self.idle_seconds and connection.usable():
                return connection
            connection.close()
        return self.connect(self.settings)

    def _checkin(self, connection) -> None:
        # a burst's passes follow each other within milliseconds, and at half
        # load every pass has an email or two: opening, greeting and quitting
        # a session for each was as much as sending over it
        if self.reuse_connection and not self._closed and connection.usable():
            self._idle.append((connection, time.monotonic()))
        else:
            connection.close()

    def close(self) -> None:
        """Quit the sessions kept open between passes (the service stops);
        a pass still running quits its own when it ends."""
        self._closed = True
        while self._idle:
            self._idle.pop()[0].close()

    def _take(self, queue, lanes: int) -> list[Email]:
        """The next group: up to `emails_per_transaction`, and no more than a
        fair share of what is left, so a small batch still spreads over
        every session instead of going to the first one."""
        size = min(self.emails_per_transaction, math.ceil(len(queue) / lanes))
        return [queue.popleft() for _ in range(size)]

    def _deliver(self, connection, email: Email, attachments) -> tuple:
        """(status, reason, uncertain) of one email. An email that cannot be
        built or handed over for a reason of its own (an address the message
        builder refuses, a body the SMTP client cannot encode) fails alone,
        at once and with its reason: it would fail the same on every retry,
        and the rest of the batch goes on."""
        try:
            message = mail.build_message(
                settings=self.settings,
                email_id=email.id,
                to_address=email.to_address,
                subject=email.subject,
                text_body=email.text_body,
                html_body=email.html_body,
                correlation_id=email.correlation_id,
                created_at=email.created_at,
                attachments=attachments,
                kind=email.kind,
                language=email.language,
            )
        except Exception as exc:  # noqa: BLE001 - this email alone cannot be built
            return (domain.FAILED, _reason(email, "cannot build the message", exc), False)
        try:
            connection.send(message)
        except mail.PermanentFailure as exc:
            return (domain.FAILED, _reason(email, None, exc), False)
        except mail.TemporaryFailure as exc:
            return ("retry", str(exc), exc.uncertain)
        except Exception as exc:  # noqa: BLE001 - not an SMTP refusal: this message's own
            connection.close()  # whatever state it left the session in, start afresh
            return (domain.FAILED, _reason(email, "cannot send the message", exc), False)
        return (domain.SENT, None, False)

    # -- the outbox -----------------------------------------------------------------

    def _record(self, finished, *, start: list[Email]) -> set[str]:
        """In one transaction: record the outcomes of the emails just handed
        over, and mark the hand-offs of the next ones as started. Returns the
        ids of those still this sender's to send. The sent emails are one
        UPDATE, any other outcome one each; every one of them checks the claim
        and returns what it wrote, so a claim that passed to another sender is
        told apart (and left alone) email by email. The marks are one UPDATE
        for the group."""
        outcome_logs = []
        with self.store.transaction() as session:
            connection = session.connection()
            sent = [entry for entry in finished if entry[1][0] == domain.SENT]
            if sent:
                recorded = self._record_sent(connection, sent)
                for email, (status, error, uncertain), when in sent:
                    values = self._outcome(email, status, error, uncertain, when)
                    outcome_logs.append((email, values, int(email.id in recorded)))
            for email, (status, error, uncertain), when in finished:
                if status == domain.SENT:
                    continue
                values = self._outcome(email, status, error, uncertain, when)
                recorded = connection.execute(
                    self._record_outcome, {"b_id": email.id, **values}
                ).rowcount
                outcome_logs.append((email, values, recorded))
            started = set()
            if start:
                started = set(
                    connection.execute(
                        self._mark_handoffs,
                        {"b_ids": [email.id for email in start], "b_moment": _now()},
                    ).scalars()
                )
        for email, values, recorded in outcome_logs:
            self._report(email, values, recorded)
        return started

    def _record_sent(self, connection, sent) -> set[str]:
        """The emails the server took, recorded with one UPDATE (each with the
        moment its server answered); the ids still this sender's, whose
        outcome it therefore wrote."""
        t = Email.__table__
        when_of = {email.id: when for email, _outcome, when in sent}
        return set(
            connection.execute(
                sa.update(t)
                .where(t.c.id.in_(list(when_of)), self._mine)
                .values(
                    status=domain.SENT,
                    sent_at=sa.case(when_of, value=t.c.id),
                    attempts=t.c.attempts + 1,
                    claimed_until=None,
                    claimed_by=None,
                    last_error=None,
                    handoff_at=None,
                )
                .returning(t.c.id)
            ).scalars()
        )

    def _outcome(
        self, email: Email, status: str, error: str | None, uncertain: bool, when: datetime
    ) -> dict:
        """The columns recording one outcome; `when` is the moment the server
        answered, not the later one at which its group was recorded."""
        attempt = email.attempts + 1
        done = {"attempts": attempt, "claimed_until": None, "claimed_by": None}
        if status == domain.SENT:
            return {
                **done,
                "status": domain.SENT,
                "sent_at": when,
                "last_error": None,
                "handoff_at": None,
            }
        if status == domain.FAILED:
            return {**done, "status": domain.FAILED, "last_error": error, "handoff_at": None}
        if attempt > len(self.retry_delays):
            return {
                **done,
                "status": domain.FAILED,
                "handoff_at": None,
                "last_error": f"gave up after {attempt} attempts: {error}",
            }
        delay = self.retry_delays[attempt - 1]
        # a session that broke mid hand-off may have delivered: keep the mark
        # so the resend is logged as a possible duplicate
        return {
            **done,
            "last_error": error,
            "next_attempt_at": when + timedelta(seconds=delay),
            **({} if uncertain else {"handoff_at": None}),
        }

    def _report(self, email: Email, values: dict, recorded: int) -> None:
        if not recorded:
            log.warning(
                "email.outcome_not_recorded",
                email_id=email.id,
                reason="the claim passed to another sender",
            )
            return
        status = values.get("status")
        if status == domain.SENT:
            metrics.EMAILS.labels(service="notify", outcome="sent").inc()
            log.info(
                "email.sent",
                email_id=email.id,
                kind=email.kind,
                correlation_id=email.correlation_id,
                possible_duplicate=bool(email.possible_duplicate),
            )
        elif status == domain.FAILED:
            metrics.EMAILS.labels(service="notify", outcome="failed").inc()
            log.error(
                "email.failed",
                email_id=email.id,
                kind=email.kind,
                reason=values["last_error"],
                correlation_id=email.correlation_id,
            )
        else:
            log.warning(
                "email.retry_scheduled",
                email_id=email.id,
                attempt=values["attempts"],
                retry_at=values["next_attempt_at"].isoformat(),
                error=values["last_error"],
            )

    def _heartbeat(self, held: set) -> None:
        """Renew the claim on the emails this sender still holds."""
        interval = self.lease.total_seconds() / 3
        while True:
            eventlet.sleep(interval)
            ids = list(held)
            if not ids:
                continue
            try:
                with self.store.transaction() as session:
                    session.execute(
                        sa.update(Email)
                        .where(
                            Email.id.in_(ids),
                            Email.claimed_by == self.sender_id,
                            Email.status == domain.PENDING,
                        )
                        .values(claimed_until=_now() + self.lease)
                    )
            except Exception as exc:  # noqa: BLE001 - the claim simply runs out
                log.warning("email.claim_renewal_failed", error=f"{type(exc).__name__}: {exc}")

    def _attachments(self, session, email_ids: list[str]) -> dict[str, list]:
        t = Attachment.__table__
        out: dict[str, list] = {}
        for row in session.execute(
            sa.select(t.c.email_id, t.c.filename, t.c.content_type, t.c.content, t.c.content_id)
            .where(t.c.email_id.in_(email_ids))
            .order_by(t.c.id)
        ):
            out.setdefault(row.email_id, []).append(
                (row.filename, row.content_type, bytes(row.content), row.content_id)
            )
        return out

    def _claim(self, *, with_attachments: bool = False):
        """Claim up to `batch_size` due emails, oldest first: one UPDATE that
        picks them (skipping rows another sender has locked, on PostgreSQL)
        and returns them. With `with_attachments`, also (emails, attachments
        by email id), read in the same transaction."""
        t = Email.__table__
        moment = _now()
        claim = claim_due(
            self.store,
            t,
            pending=domain.PENDING,
            moment=moment,
            holder=self.sender_id,
            until=moment + self.lease,
            order_by=[t.c.created_at],
            limit=self.batch_size,
            # an earlier hand-off never recorded its outcome: this send
            # may be the second copy
            possible_duplicate=sa.or_(t.c.possible_duplicate, t.c.handoff_at.is_not(None)),
        ).returning(*t.c)
        with self.store.transaction() as session:
            emails = sorted(session.execute(claim), key=lambda e: (e.created_at, e.id))
            attachments = (
                self._attachments(session, [e.id for e in emails])
                if with_attachments and emails
                else {}
            )
        for email in emails:
            if email.handoff_at is not None:
                log.warning(
                    "email.possible_duplicate",
                    email_id=email.id,
                    kind=email.kind,
                    handoff_at=email.handoff_at.isoformat(),
                    correlation_id=email.correlation_id,
                )
        return (emails, attachments) if with_attachments else emails


def delivery_log(store, **filters) -> list[dict]:
    """The delivery log as staff see it (`usecases.list_deliveries`, the one
    query behind GET /deliveries), for shells and tests holding only a store."""
    from .usecases import list_deliveries  # the use cases import this module

    with store.transaction() as session:
        uow = UnitOfWork(session, producer="notify", correlation_id="delivery-log")
        return list_deliveries(filters, uow=uow, now=datetime.now(UTC))["deliveries"]
