"""The weekly digest: once a week, for each owner with activities to follow,
what is late and what is coming, for notify to send."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable, Container
from datetime import date, datetime

import sqlalchemy as sa

from .. import domain, schemas
from ..models import Activity, StaffMember, WeeklyDigest
from ..views import activity_views
from .follow_ups import one_item

# (the owner's activity views, the owner's language or None) -> [(chart name, PNG bytes)]
ChartRenderer = Callable[[list[dict], str | None], list[tuple[str, bytes]]]


def _item(view: dict) -> dict:
    return {
        "activity_id": view["id"],
        "title": view["title"],
        "state": view["state"],
        "follow_up_on": date.fromisoformat(view["follow_up_on"]),
        "days_overdue": view["days_overdue"],
    }


def prepare_digests(
    *,
    uow,
    now: datetime,
    render_charts: ChartRenderer | None = None,
    skip: Container = (),
    failed: dict | None = None,
) -> int:
    """The timer: publish `weekly_digest_prepared` once per owner and week
    (weeks start on Monday), its charts labelled in the owner's language;
    returns how many were prepared.

    One owner whose digest cannot be built (or its charts rendered) fails
    alone: the reason goes into `failed` under `("digest", owner, week)` and
    the other owners get theirs; keys in `skip` are not tried."""
    session = uow.session
    week = domain.week_of(now.date())
    owners = session.scalars(
        sa.select(Activity.owner_staff_id)
        .distinct()
        .where(Activity.state.in_(domain.FOLLOWED_STATES), Activity.owner_staff_id.is_not(None))
    ).all()
    prepared = 0
    for owner in sorted(owners):
        item = ("digest", owner, week)
        if item in skip or session.get(WeeklyDigest, (owner, week)) is not None:
            continue
        staff = session.get(StaffMember, owner)
        if staff is not None and not staff.active:
            continue
        with one_item(session, item, failed):
            views = activity_views(
                session, now=now, owner_staff_id=owner, states=list(domain.FOLLOWED_STATES)
            )
            workshop_ids = {v["workshop_id"] for v in views}
            charts = [
                {
                    "name": name,
                    "content_type": "image/png",
                    "data_base64": base64.b64encode(png).decode(),
                }
                for name, png in (
                    render_charts(views, staff.language if staff else None) if render_charts else []
                )
            ]
            digest_id = str(uuid.uuid4())
            event = schemas.PUBLISHED.event(
                "weekly_digest_prepared",
                {
                    "digest_id": digest_id,
                    "owner_staff_id": owner,
                    "week_of": week,
                    "workshop_id": workshop_ids.pop() if len(workshop_ids) == 1 else None,
                    "open_count": len(views),
                    "overdue": [
                        _item(v)
                        for v in views
                        if v["lateness"] in (domain.OVERDUE, domain.ESCALATION)
                    ],
                    "due_soon": [_item(v) for v in views if v["lateness"] == domain.DUE_SOON],
                    "charts": charts,
                },
            )
            session.add(
                WeeklyDigest(
                    owner_staff_id=owner, week_of=week, digest_id=digest_id, prepared_at=now
                )
            )
            session.flush()
            uow.publish(event)
            prepared += 1
    return prepared
