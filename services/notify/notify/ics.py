"""The .ics calendar of an agenda, sent with the email and served as a live
feed: one VEVENT per round the person presents or attends (with a schedule
that names no people, every round their delegation hosts or attends).

A round keeps its UID (from matching's stable `round_id`) for the life of the
workshop and its SEQUENCE is the schedule's revision, so a calendar tool that
imported an earlier file updates the same entry when a later one arrives; a
round the delegation no longer sits at is sent again as STATUS:CANCELLED.
Times carry the workshop's TZID with its VTIMEZONE.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from . import domain


def _local(instant: str, zone: ZoneInfo) -> datetime:
    return datetime.fromisoformat(instant).astimezone(zone)


def agenda_calendar(
    *,
    seats: list[domain.Seat],
    cancelled: list[domain.Seat],
    revision: int,
    time_zone: str,
    workshop_title: str,
    names: dict,
    uid_domain: str,
    stamp: datetime,
    feed_name: str | None = None,
) -> bytes:
    """The calendar of `seats` (and `cancelled` ones). With `feed_name` it is a
    subscribed feed: named, and asking clients to look again every hour."""
    zone = ZoneInfo(time_zone)
    calendar = Calendar()
    calendar.add("prodid", "-//rueda//notify//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    if feed_name is not None:
        calendar.add("x-wr-calname", feed_name)
        calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", "PT1H")
    for seat, status in [
        *((s, "CONFIRMED") for s in seats),
        *((s, "CANCELLED") for s in cancelled),
    ]:
        event = Event()
        event.add("uid", domain.ical_uid(seat.round_id, uid_domain))
        event.add("sequence", revision)
        event.add("dtstamp", stamp)
        event.add("dtstart", _local(seat.starts_at, zone))
        event.add("dtend", _local(seat.ends_at, zone))
        event.add("summary", f"{seat.program_title} ({names.get(seat.host_delegation_id, '')})")
        event.add("location", f"{workshop_title}, {seat.session}/{seat.table}")
        event.add("status", status)
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
