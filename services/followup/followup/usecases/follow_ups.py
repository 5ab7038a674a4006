"""Who follows each activity and when: owners, follow-up dates and the
workshop's cadence, and the timer's scan for follow-ups that fell due."""

from __future__ import annotations

import contextlib
from collections.abc import Container
from datetime import datetime

import sqlalchemy as sa
import structlog
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError

from .. import domain, schemas
from ..exceptions import Conflict, FieldRefused
from ..models import Activity, FollowUpNotice, StaffMember
from ..views import (
    activity_lateness,
    counterparts,
    describe,
    describe_settings,
    find_activity,
    title_of,
    workshop_settings,
)
from .read_model import workshop_row
from .trail import acting, audit

log = structlog.get_logger(__name__)


@contextlib.contextmanager
def one_item(session, key, failed: dict | None):
    """One item of a timer's batch in a savepoint: if it cannot be built,
    its work is undone, `failed[key]` says why, and the batch goes on. A
    duplicate key (another replica did it first) is skipped quietly; a
    database that cannot be reached is no item's fault and stops the scan."""
    try:
        with session.begin_nested():
            yield
    except (OperationalError, InterfaceError):
        raise
    except IntegrityError:
        log.info("timer.item_done_elsewhere", item=repr(key))
    except Exception as exc:  # noqa: BLE001 - this item only
        reason = f"{type(exc).__name__}: {exc}"[:1000]
        log.error("timer.item_failed", item=repr(key), error=reason)
        if failed is not None:
            failed[key] = reason


def reset_follow_up(session, activity: Activity, now: datetime) -> None:
    """The next follow-up by the workshop's cadence for the activity's state,
    counted from today in the workshop's time zone."""
    workshop = workshop_settings(session, activity.workshop_id)
    today = domain.local_today(now, workshop.time_zone)
    activity.follow_up_on = domain.next_follow_up(activity.state, today, workshop.cadence_days)


def staff_with_role(session, role: str) -> list[str]:
    staff = session.scalars(
        sa.select(StaffMember).where(StaffMember.active.is_(True)).order_by(StaffMember.id)
    ).all()
    return [s.id for s in staff if role in (s.roles or [])]


def default_owner(session, workshop_id: str) -> str | None:
    """The active secretariat member following the fewest activities of the
    workshop, so new activities spread over the team."""
    candidates = staff_with_role(session, "secretariat")
    if not candidates:
        return None
    load = dict(
        session.execute(
            sa.select(Activity.owner_staff_id, sa.func.count())
            .where(Activity.workshop_id == workshop_id, Activity.state.in_(domain.FOLLOWED_STATES))
            .group_by(Activity.owner_staff_id)
        ).all()
    )
    return min(candidates, key=lambda staff_id: (load.get(staff_id, 0), staff_id))


def check_staff(session, staff_id: str, path: str) -> None:
    staff = session.get(StaffMember, staff_id)
    if staff is None or not staff.active:
        raise FieldRefused(path, f"{staff_id!r} is not an active staff member")


def assign_owner(command: dict, *, uow, now: datetime) -> dict:
    """Give an activity to an active staff member."""
    session = uow.session
    activity = find_activity(session, command["activity_id"], for_update=True)
    check_staff(session, command["owner_staff_id"], "owner_staff_id")
    before = activity.owner_staff_id
    activity.owner_staff_id = command["owner_staff_id"]
    activity.updated_at = now
    audit(
        session,
        activity,
        kind="owner_assigned",
        actor=acting(command, uow),
        now=now,
        reason=command.get("reason"),
        details={"from": before, "to": command["owner_staff_id"]},
    )
    return describe(session, activity, now, with_trail=True)


def set_follow_up(command: dict, *, uow, now: datetime) -> dict:
    """Staff set the next follow-up date of an activity still followed up."""
    session = uow.session
    activity = find_activity(session, command["activity_id"], for_update=True)
    if activity.state not in domain.FOLLOWED_STATES:
        raise Conflict(f"a {activity.state} activity is not followed up any more")
    before = activity.follow_up_on
    activity.follow_up_on = command["follow_up_on"]
    activity.updated_at = now
    audit(
        session,
        activity,
        kind="follow_up_set",
        actor=acting(command, uow),
        now=now,
        reason=command.get("reason"),
        details={"from": before and before.isoformat(), "to": command["follow_up_on"].isoformat()},
    )
    return describe(session, activity, now, with_trail=True)


def get_follow_up_settings(query: dict, *, uow, now: datetime) -> dict:
    """A workshop's cadence and thresholds, the defaults until staff set them."""
    return describe_settings(workshop_settings(uow.session, query["workshop_id"]))


def set_follow_up_settings(command: dict, *, uow, now: datetime) -> dict:
    """Change a workshop's cadence (per state) and lateness thresholds."""
    workshop = workshop_row(uow.session, command["workshop_id"])
    if "cadence_days" in command:
        workshop.cadence_days = {**(workshop.cadence_days or {}), **command["cadence_days"]}
    for key in ("due_soon_days", "escalation_days"):
        if key in command:
            setattr(workshop, key, command[key])
    return describe_settings(workshop)


def scan_follow_ups(*, uow, now: datetime, skip: Container = (), failed: dict | None = None) -> int:
    """The timer: publish `activity_follow_up_due` for every activity whose
    follow-up is near or late in its workshop's time zone; once per activity,
    level and date. Returns how many were published.

    One activity whose notice cannot be built fails alone: its reason goes
    into `failed` under `("follow_up", activity id, follow-up date)` and the
    others are told; keys in `skip` (given up on by the timer) are not tried."""
    session = uow.session
    activities = session.scalars(
        sa.select(Activity)
        .where(Activity.state.in_(domain.FOLLOWED_STATES), Activity.follow_up_on.is_not(None))
        .order_by(Activity.id)
    ).all()
    workshops: dict = {}
    coordinators = None
    published = 0
    for activity in activities:
        item = ("follow_up", activity.id, activity.follow_up_on)
        if item in skip:
            continue
        with one_item(session, item, failed):
            late = activity_lateness(session, activity, now, workshops)
            if late is None:
                continue
            key = (activity.id, late.level, activity.follow_up_on)
            if session.get(FollowUpNotice, key) is not None:
                continue
            if coordinators is None:
                coordinators = staff_with_role(session, "coordinator")
            event = schemas.PUBLISHED.event(
                "activity_follow_up_due",
                {
                    "activity_id": activity.id,
                    "workshop_id": activity.workshop_id,
                    "title": title_of(session, activity),
                    "state": activity.state,
                    "level": late.level,
                    "follow_up_on": activity.follow_up_on,
                    "days_overdue": late.days_overdue,
                    "owner_staff_id": activity.owner_staff_id,
                    "escalation_staff_ids": coordinators if late.level == domain.ESCALATION else [],
                    "counterpart_delegation_ids": counterparts(activity),
                    "detected_at": now,
                },
            )
            session.add(
                FollowUpNotice(
                    activity_id=activity.id,
                    level=late.level,
                    follow_up_on=activity.follow_up_on,
                    detected_at=now,
                )
            )
            session.flush()
            uow.publish(event)
            published += 1
    return published
