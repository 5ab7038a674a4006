"""Due and overdue follow-ups, in the workshop's time zone, with a fixed clock."""

from datetime import UTC, date, datetime, timedelta

import pytest

from followup import domain, usecases
from followup.exceptions import UnknownTimeZone
from followup.models import Workshop

from .conftest import NOW, expression, published, staff, workshop

DUE = date(2026, 5, 20)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


@pytest.mark.parametrize(
    "now,zone,expected",
    [
        # 13:00 UTC is already the 21st in Auckland (UTC+12) but still the 20th in Lima (UTC-5)
        ("2026-05-20T13:00:00+00:00", "Pacific/Auckland", (domain.OVERDUE, 1)),
        ("2026-05-20T13:00:00+00:00", "America/Lima", (domain.DUE_SOON, 0)),
        ("2026-05-20T13:00:00+00:00", "UTC", (domain.DUE_SOON, 0)),
        # 03:00 UTC on the 21st is still the 20th in Lima, and already the 21st in UTC
        ("2026-05-21T03:00:00+00:00", "America/Lima", (domain.DUE_SOON, 0)),
        ("2026-05-21T03:00:00+00:00", "UTC", (domain.OVERDUE, 1)),
        ("2026-05-21T05:00:00+00:00", "America/Lima", (domain.OVERDUE, 1)),
        ("2026-05-17T00:00:00+00:00", "UTC", (domain.DUE_SOON, 0)),
        ("2026-05-16T23:59:00+00:00", "UTC", None),
        ("2026-06-02T23:00:00+00:00", "UTC", (domain.OVERDUE, 13)),
        ("2026-06-02T23:00:00+00:00", "Pacific/Auckland", (domain.ESCALATION, 14)),
    ],
)
def test_lateness_is_counted_in_the_workshops_time_zone(now, zone, expected):
    late = domain.lateness(DUE, domain.local_today(at(now), zone))
    assert (late and (late.level, late.days_overdue)) == expected


def test_the_cadence_sets_the_next_follow_up_per_state():
    assert domain.next_follow_up(domain.UNDER_REVIEW, DUE) == date(2026, 6, 3)
    assert domain.next_follow_up(domain.UNDER_REVIEW, DUE, {"under_review": 5}) == date(2026, 5, 25)
    assert domain.next_follow_up(domain.DECLINED, DUE) is None


@pytest.fixture
def two_workshops(uow):
    """The same follow-up date in Auckland and in Lima, one owner, one coordinator."""
    usecases.record_staff_member(staff("ana", "secretariat"), uow=uow, now=NOW)
    usecases.record_staff_member(staff("carlos", "coordinator"), uow=uow, now=NOW)
    usecases.record_workshop(workshop("w-nz", "Pacific/Auckland"), uow=uow, now=NOW)
    usecases.record_workshop(workshop("w-pe", "America/Lima"), uow=uow, now=NOW)
    activities = {}
    for workshop_id in ("w-nz", "w-pe"):
        activity = usecases.record_expression(
            expression(f"x-{workshop_id}", workshop_id=workshop_id),
            uow=uow,
            now=at("2026-05-01T12:00:00+00:00"),
        )
        usecases.set_follow_up(
            {"activity_id": activity.id, "follow_up_on": DUE, "by": "ana"},
            uow=uow,
            now=at("2026-05-01T12:00:00+00:00"),
        )
        activities[workshop_id] = activity
    uow.envelopes.clear()
    return activities


def levels(uow) -> list[tuple[str, str, int]]:
    return sorted(
        (e.payload["workshop_id"], e.payload["level"], e.payload["days_overdue"])
        for e in published(uow, "activity_follow_up_due")
    )


def test_the_timer_tells_each_level_once_per_activity_and_date(uow, two_workshops):
    usecases.scan_follow_ups(uow=uow, now=at("2026-05-20T13:00:00+00:00"))
    assert levels(uow) == [("w-nz", "overdue", 1), ("w-pe", "due_soon", 0)]
    uow.envelopes.clear()
    usecases.scan_follow_ups(uow=uow, now=at("2026-05-20T14:00:00+00:00"))
    assert levels(uow) == []  # never spam
    usecases.scan_follow_ups(uow=uow, now=at("2026-05-21T06:00:00+00:00"))
    assert levels(uow) == [("w-pe", "overdue", 1)]


def test_escalation_names_the_coordinators(uow, two_workshops):
    usecases.scan_follow_ups(uow=uow, now=at("2026-06-03T02:00:00+00:00"))
    events = {e.payload["workshop_id"]: e.payload for e in published(uow)}
    assert events["w-nz"]["level"] == "escalation"
    assert events["w-nz"]["escalation_staff_ids"] == ["carlos"]
    assert events["w-nz"]["owner_staff_id"] == "ana"
    assert events["w-pe"]["level"] == "overdue" and events["w-pe"]["escalation_staff_ids"] == []


def test_a_new_follow_up_date_is_told_again(uow, two_workshops):
    usecases.scan_follow_ups(uow=uow, now=at("2026-05-22T12:00:00+00:00"))
    assert len(levels(uow)) == 2
    activity = two_workshops["w-pe"]
    usecases.set_follow_up(
        {"activity_id": activity.id, "follow_up_on": date(2026, 5, 24)},
        uow=uow,
        now=at("2026-05-22T12:00:00+00:00"),
    )
    uow.envelopes.clear()
    usecases.scan_follow_ups(uow=uow, now=at("2026-05-22T13:00:00+00:00"))
    assert levels(uow) == [("w-pe", "due_soon", 0)]


def test_a_counterpart_update_moves_the_follow_up_on(uow, two_workshops):
    activity = two_workshops["w-pe"]
    usecases.post_update(
        {"activity_id": activity.id, "delegation_id": "d-br", "text": "terms drafted"},
        uow=uow,
        now=at("2026-05-22T12:00:00+00:00"),
    )
    assert activity.follow_up_on == date(2026, 5, 22) + timedelta(days=7)
    usecases.scan_follow_ups(uow=uow, now=at("2026-05-23T12:00:00+00:00"))
    assert levels(uow) == [("w-nz", "overdue", 4)]  # already the 24th in Auckland


def test_a_workshop_can_change_its_cadence_and_thresholds(uow):
    usecases.set_follow_up_settings(
        {
            "workshop_id": "w1",
            "cadence_days": {"proposed": 2},
            "due_soon_days": 0,
            "escalation_days": 3,
        },
        uow=uow,
        now=NOW,
    )
    activity = usecases.record_expression(
        expression(), uow=uow, now=at("2026-05-01T12:00:00+00:00")
    )
    assert activity.follow_up_on == date(2026, 5, 3)
    usecases.scan_follow_ups(uow=uow, now=at("2026-05-02T12:00:00+00:00"))
    assert levels(uow) == []
    usecases.scan_follow_ups(uow=uow, now=at("2026-05-06T12:00:00+00:00"))
    assert levels(uow) == [("w1", "escalation", 3)]
    assert (
        usecases.get_follow_up_settings({"workshop_id": "w1"}, uow=uow, now=NOW)["cadence_days"][
            "under_review"
        ]
        == 14
    )


def test_the_weekly_digest_goes_once_per_owner_and_week(uow, two_workshops):
    charts = lambda views, language: [("activities_by_state", b"\x89PNG fake")]  # noqa: E731
    assert (
        usecases.prepare_digests(uow=uow, now=at("2026-05-21T03:00:00+00:00"), render_charts=charts)
        == 1
    )
    [digest] = published(uow, "weekly_digest_prepared")
    payload = digest.payload
    assert (payload["owner_staff_id"], payload["week_of"], payload["open_count"]) == (
        "ana",
        "2026-05-18",
        2,
    )
    assert [i["days_overdue"] for i in payload["overdue"]] == [1]
    assert [i["follow_up_on"] for i in payload["due_soon"]] == ["2026-05-20"]
    assert payload["workshop_id"] is None  # the owner's activities span two workshops
    assert payload["charts"][0]["data_base64"] == "iVBORyBmYWtl"
    assert usecases.prepare_digests(uow=uow, now=at("2026-05-24T06:00:00+00:00")) == 0
    assert usecases.prepare_digests(uow=uow, now=at("2026-05-25T06:00:00+00:00")) == 1


def test_a_workshop_in_an_unknown_time_zone_is_refused_not_kept(uow):
    with pytest.raises(UnknownTimeZone, match="Mars/Olympus_Mons") as refused:
        usecases.record_workshop(workshop("w-x", "Mars/Olympus_Mons"), uow=uow, now=NOW)
    assert refused.value.describe().startswith("invalid: payload.time_zone: ")
    assert uow.session.get(Workshop, "w-x") is None
