"""One activity or owner whose notice cannot be built fails alone: the
timer's other follow-ups and digests are published, the reason is kept, and
after a few scans the timer gives up on it."""

from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from followup import usecases
from followup.dependencies import FollowUpTimer
from followup.models import Workshop
from followup.usecases import follow_ups
from rueda_backbone import metrics

from .conftest import NOW, expression, published, staff, workshop

DUE = date(2026, 5, 20)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


@pytest.fixture
def three_owners(uow):
    """Three activities due on the same day, each with its own owner, in
    workshops w1..w3; the second workshop's time zone is broken afterwards
    (as a row written before zones were checked would be)."""
    for owner in ("ana", "bea", "caro"):
        usecases.record_staff_member(staff(owner, "secretariat"), uow=uow, now=NOW)
    activities = []
    for n, owner in enumerate(("ana", "bea", "caro"), start=1):
        usecases.record_workshop(workshop(f"w{n}"), uow=uow, now=NOW)
        activity = usecases.record_expression(
            expression(f"x{n}", workshop_id=f"w{n}"), uow=uow, now=at("2026-05-01T12:00:00+00:00")
        )
        usecases.assign_owner(
            {"activity_id": activity.id, "owner_staff_id": owner, "by": "ana"}, uow=uow, now=NOW
        )
        usecases.set_follow_up(
            {"activity_id": activity.id, "follow_up_on": DUE, "by": "ana"},
            uow=uow,
            now=at("2026-05-01T12:00:00+00:00"),
        )
        activities.append(activity)
    uow.session.execute(
        sa.update(Workshop).where(Workshop.id == "w2").values(time_zone="Mars/Olympus_Mons")
    )
    uow.session.expire_all()
    uow.envelopes.clear()
    return activities


def test_one_activity_whose_notice_cannot_be_built_fails_alone(uow, three_owners):
    failed = {}

    told = usecases.scan_follow_ups(uow=uow, now=at("2026-05-21T06:00:00+00:00"), failed=failed)

    assert told == 2
    assert sorted(e.payload["workshop_id"] for e in published(uow, "activity_follow_up_due")) == [
        "w1",
        "w3",
    ]
    poison = three_owners[1]
    assert list(failed) == [("follow_up", poison.id, DUE)]
    assert "Mars/Olympus_Mons" in failed[("follow_up", poison.id, DUE)]
    uow.envelopes.clear()
    # the two told are not told again; the poison is tried again unless skipped
    assert (
        usecases.scan_follow_ups(
            uow=uow, now=at("2026-05-21T07:00:00+00:00"), skip={("follow_up", poison.id, DUE)}
        )
        == 0
    )


def test_one_owner_whose_digest_cannot_be_built_fails_alone(uow, three_owners):
    def charts(views, language):
        if views and views[0]["owner_staff_id"] == "caro":
            raise ValueError("no font for this chart")
        return []

    failed = {}
    prepared = usecases.prepare_digests(
        uow=uow, now=at("2026-05-21T06:00:00+00:00"), render_charts=charts, failed=failed
    )

    # bea's activity is in the broken time zone, caro's charts do not render
    assert prepared == 1
    assert [e.payload["owner_staff_id"] for e in published(uow, "weekly_digest_prepared")] == [
        "ana"
    ]
    week = date(2026, 5, 18)
    assert sorted(failed) == [("digest", "bea", week), ("digest", "caro", week)]
    assert "Mars/Olympus_Mons" in failed[("digest", "bea", week)]
    assert failed[("digest", "caro", week)] == "ValueError: no font for this chart"
    # nothing of their half-made digests was kept: tried again next time
    uow.envelopes.clear()
    assert (
        usecases.prepare_digests(
            uow=uow, now=at("2026-05-21T07:00:00+00:00"), skip={("digest", "bea", week)}
        )
        == 1
    )
    assert [e.payload["owner_staff_id"] for e in published(uow, "weekly_digest_prepared")] == [
        "caro"
    ]


def test_a_notice_another_replica_made_first_is_skipped_quietly(uow, three_owners):
    from followup.models import FollowUpNotice

    failed = {}
    first = three_owners[0]
    uow.session.add(
        FollowUpNotice(activity_id=first.id, level="overdue", follow_up_on=DUE, detected_at=NOW)
    )
    uow.session.flush()
    with follow_ups.one_item(uow.session, ("follow_up", first.id, DUE), failed):
        uow.session.add(
            FollowUpNotice(activity_id=first.id, level="overdue", follow_up_on=DUE, detected_at=NOW)
        )
        uow.session.flush()
    assert failed == {}
    with follow_ups.one_item(uow.session, ("follow_up", first.id, DUE), failed):
        raise RuntimeError("anything else")
    assert failed == {("follow_up", first.id, DUE): "RuntimeError: anything else"}


def test_the_timer_gives_up_on_an_item_after_its_tries():
    timer = FollowUpTimer.__new__(FollowUpTimer)
    timer.container = SimpleNamespace(service_name="followup")
    timer.max_tries, timer.tries, timer.given_up = 3, {}, set()
    key = ("follow_up", "a-2", DUE)
    before = (
        metrics.REGISTRY.get_sample_value(
            "rueda_loop_item_failures_total", {"service": "followup", "loop": "follow_up_timer"}
        )
        or 0
    )

    timer.count_failures({key: "UnknownTimeZone: Mars"})
    timer.count_failures({key: "UnknownTimeZone: Mars"})
    assert timer.given_up == set()
    timer.count_failures({key: "UnknownTimeZone: Mars"})

    assert timer.given_up == {key}
    assert (
        metrics.REGISTRY.get_sample_value(
            "rueda_loop_item_failures_total", {"service": "followup", "loop": "follow_up_timer"}
        )
        == before + 3
    )
    # an item that went through between failures starts counting again
    other = ("digest", "bea", DUE)
    timer.count_failures({other: "x"})
    timer.count_failures({})
    timer.count_failures({other: "x"})
    assert other not in timer.given_up


def test_a_database_that_cannot_be_reached_stops_the_scan_rather_than_failing_each_item(
    uow, three_owners
):
    from sqlalchemy.exc import OperationalError

    failed = {}
    with pytest.raises(OperationalError):
        with follow_ups.one_item(uow.session, ("follow_up", "a", DUE), failed):
            raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))
    assert failed == {}  # no item is blamed, none is given up on
