"""The sender's claims: several SMTP sessions at once, claims of seconds
renewed while sending, and the possible duplicate a cut hand-off leaves.
Against the devkit's SMTP sink in this process and a throw-away SQLite outbox."""

import socket
from collections import Counter
from datetime import UTC, datetime, timedelta

import eventlet
import pytest
import sqlalchemy as sa

from notify import domain
from notify.mail import Connection, SmtpSettings
from notify.models import Base, Email
from notify.sending import Sender, delivery_log
from rueda_backbone.database import Store
from rueda_backbone.testing import free_port, wait_for
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

    def start(delay=0.0):
        port = free_port()
        controller = mailsink.start(tmp_path / "mail", port=port, delay=delay)
        started.append(controller)
        return controller, SmtpSettings(host="127.0.0.1", port=port, sender="rueda@example.org")

    yield start
    for controller in started:
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
        return list(session.scalars(sa.select(Email).order_by(Email.created_at)))


def message_ids(tmp_path):
    return Counter(m["Message-ID"] for _p, m in mailsink.read_messages(tmp_path / "mail"))


def test_a_large_batch_goes_over_several_sessions_and_each_email_once(store, sink, tmp_path):
    controller, settings = sink()
    queue(store, 40)
    assert Sender(store, settings, concurrency=4, batch_size=50).send_due() == 40
    assert [e.status for e in rows(store)] == ["sent"] * 40
    assert len(controller.handler.peers) == 4
    assert set(message_ids(tmp_path).values()) == {1} and len(message_ids(tmp_path)) == 40
    assert not any(d["possible_duplicate"] for d in delivery_log(store))


def test_emails_a_dead_sender_claimed_go_to_another_once_the_short_lease_ends(
    store, sink, tmp_path
):
    _controller, settings = sink()
    queue(store, 3)
    dead = Sender(store, settings, lease_seconds=1)
    claimed = dead._claim()  # ... and the process is killed before any hand-off
    assert len(claimed) == 3
    alive = Sender(store, settings, lease_seconds=1)
    assert alive.send_due() == 0  # still the dead sender's

    wait_for(lambda: alive.send_due() == 3, timeout=10, what="the claims taken over")
    assert [e.status for e in rows(store)] == ["sent"] * 3
    assert set(message_ids(tmp_path).values()) == {1}
    assert not any(d["possible_duplicate"] for d in delivery_log(store))  # none was handed over


def test_a_hand_off_cut_by_a_crash_is_resent_with_its_message_id_as_a_possible_duplicate(
    store, sink, tmp_path
):
    _controller, settings = sink()
    queue(store, 3)
    dead = Sender(store, settings, lease_seconds=1)
    first, *_rest = dead._claim()
    assert dead._record([], start=[first]) == {first.id}  # hand-off started, as before DATA ...
    dead._deliver(dead.connect(settings), first, [])  # ... the server says 250 ...
    # ... and the process dies before recording it
    alive = Sender(store, settings, lease_seconds=1)
    wait_for(lambda: alive.send_due() == 3, timeout=10, what="the claims taken over")

    assert [e.status for e in rows(store)] == ["sent"] * 3
    copies = message_ids(tmp_path)
    assert copies[f"<{first.id}@rueda.local>"] == 2 and sorted(copies.values()) == [1, 1, 2]
    flagged = [d["id"] for d in delivery_log(store) if d["possible_duplicate"]]
    assert flagged == [first.id]


def test_a_sender_renews_its_claims_while_a_slow_server_takes_its_time(store, sink, tmp_path):
    _controller, settings = sink(delay=0.5)
    queue(store, 4)  # one session: 4 x 0.5 s, well past a 0.6 s lease
    busy = Sender(store, settings, lease_seconds=0.6)
    other = Sender(store, settings, lease_seconds=0.6)
    sending = eventlet.spawn(busy.send_due)
    wait_for(
        lambda: all(e.claimed_by == busy.sender_id for e in rows(store)),
        what="the busy sender's claims",
    )
    taken = []
    while not sending.dead:
        taken.append(other._claim())
        eventlet.sleep(0.1)
    assert sending.wait() == 4
    assert not any(taken)  # the claims never ran out while it sent
    assert set(message_ids(tmp_path).values()) == {1}


# -- a group of emails per transaction ---------------------------------------------


def test_a_crash_mid_group_resends_the_groups_emails_as_possible_duplicates_and_no_other(
    store, sink, tmp_path
):
    _controller, settings = sink()
    queue(store, 5)
    dead = Sender(store, settings, lease_seconds=1, emails_per_transaction=3)
    claimed = dead._claim()
    group = claimed[:3]
    # one transaction marks the three hand-offs ...
    assert dead._record([], start=group) == {e.id for e in group}
    dead._deliver(dead.connect(settings), group[0], [])  # ... the first is taken ...
    # ... and the process dies before recording it or reaching the other two
    alive = Sender(store, settings, lease_seconds=1)
    wait_for(lambda: alive.send_due() == 5, timeout=10, what="the claims taken over")

    assert [e.status for e in rows(store)] == ["sent"] * 5
    copies = message_ids(tmp_path)
    assert copies[f"<{group[0].id}@rueda.local>"] == 2 and sorted(copies.values()) == [
        1,
        1,
        1,
        1,
        2,
    ]
    flagged = {d["id"] for d in delivery_log(store) if d["possible_duplicate"]}
    assert flagged == {e.id for e in group}  # the group, the two never handed over included


def test_a_groups_outcomes_and_the_next_groups_hand_offs_share_one_transaction(store, sink):
    _controller, settings = sink()
    queue(store, 10)
    commits, updates = [], []
    sa.event.listen(store.engine, "commit", lambda _conn: commits.append(1))

    def statement(_conn, _cursor, sql, _params, _context, _many):
        # the sender's own statements check the claim is still its own
        if sql.lstrip().upper().startswith("UPDATE") and "email.claimed_by = " in sql:
            updates.append(sql)

    sa.event.listen(store.engine, "before_cursor_execute", statement)
    sender = Sender(store, settings, concurrency=1, emails_per_transaction=5, lease_seconds=60)
    assert sender.send_due() == 10
    # the claim with the attachments, then: marks of 1-5 | outcomes of 1-5
    # and marks of 6-10 | outcomes of 6-10, against twelve with a
    # transaction per email
    assert len(commits) == 4
    # one UPDATE for a group's sent emails and one for its marks, each
    # checking the claims are still this sender's (against one per email)
    assert len(updates) == 2 + 2
    assert [e.status for e in rows(store)] == ["sent"] * 10
    assert all(e.handoff_at is None for e in rows(store))


def test_a_transaction_per_email_is_still_there_for_the_asking(store, sink):
    _controller, settings = sink()
    queue(store, 4)
    commits = []
    sa.event.listen(store.engine, "commit", lambda _conn: commits.append(1))
    sender = Sender(store, settings, concurrency=1, emails_per_transaction=1, lease_seconds=60)
    assert sender.send_due() == 4
    assert len(commits) == 1 + 5  # the claim, and one per email and the last outcome
    assert [e.status for e in rows(store)] == ["sent"] * 4


def test_claims_that_pass_to_another_sender_mid_group_are_neither_sent_nor_recorded_over(
    store, sink, tmp_path
):
    _controller, settings = sink()
    queue(store, 6)
    ids = [e.id for e in rows(store)]

    def steal(email_ids):
        with store.transaction() as session:
            session.execute(
                sa.update(Email).where(Email.id.in_(email_ids)).values(claimed_by="other:1")
            )

    class Stealing(Connection):
        sent = 0

        def send(self, message):
            super().send(message)
            Stealing.sent += 1
            if Stealing.sent == 1:
                # the group of three is marked: the second one's claim passes
                # while it is being sent, and one of the next group's before
                # its hand-off is marked
                steal([ids[1], ids[4]])

    sender = Sender(
        store, settings, concurrency=1, emails_per_transaction=3, lease_seconds=60, connect=Stealing
    )
    assert sender.send_due() == 6
    by_id = {e.id: e for e in rows(store)}
    assert [by_id[i].status for i in ids] == ["sent", "pending", "sent", "sent", "pending", "sent"]
    # the other sender's claims are left as they were: not recorded over
    assert by_id[ids[1]].claimed_by == by_id[ids[4]].claimed_by == "other:1"
    assert by_id[ids[1]].attempts == by_id[ids[4]].attempts == 0
    copies = message_ids(tmp_path)
    assert f"<{ids[4]}@rueda.local>" not in copies  # its hand-off was never started here
    assert len(copies) == 5 and set(copies.values()) == {1}


def test_a_small_batch_still_spreads_over_every_session(store, sink):
    controller, settings = sink()
    queue(store, 12)  # two sessions (ten emails each at most): six and six, not ten and two
    sent_by = Counter()

    class Counting(Connection):
        def send(self, message):
            super().send(message)
            sent_by[id(self)] += 1

    assert Sender(store, settings, concurrency=4, connect=Counting).send_due() == 12
    assert len(controller.handler.peers) == 2
    assert sorted(sent_by.values()) == [6, 6]


def noting_opens():
    """A Connection class that keeps every session it opens, and that list."""
    opened = []

    class Opening(Connection):
        def _open(self):
            super()._open()
            opened.append(self)

    return Opening, opened


def test_the_next_pass_reuses_the_session_unless_the_server_closed_it(store, sink, tmp_path):
    controller, settings = sink()
    Opening, opened = noting_opens()
    sender = Sender(store, settings, concurrency=1, connect=Opening)
    queue(store, 3)
    assert sender.send_due() == 3
    with store.transaction() as session:  # three more, due now
        session.execute(sa.update(Email).values(status=domain.PENDING, claimed_by=None))
    assert sender.send_due() == 3
    assert len(opened) == 1  # one session for both passes
    # the server closes the session kept open (a restart, a 421): the next
    # pass sees it without a round trip and opens another, nothing uncertain
    opened[0].client.sock.shutdown(socket.SHUT_WR)  # as if the server hung up
    with store.transaction() as session:
        session.execute(sa.update(Email).values(status=domain.PENDING, claimed_by=None))
    eventlet.sleep(0.1)  # the server answers the hang-up by closing its side
    assert sender.send_due() == 3
    assert len(opened) == 2
    assert not any(d["possible_duplicate"] for d in delivery_log(store))
    assert [e.status for e in rows(store)] == ["sent"] * 3
    sender.close()
    assert sender._idle == []


def test_a_session_idle_too_long_is_not_reused(store, sink):
    _controller, settings = sink()
    Opening, opened = noting_opens()
    sender = Sender(store, settings, concurrency=1, connect=Opening, idle_seconds=0)
    queue(store, 2)
    assert sender.send_due() == 2
    with store.transaction() as session:
        session.execute(sa.update(Email).values(status=domain.PENDING, claimed_by=None))
    assert sender.send_due() == 2
    assert len(opened) == 2
