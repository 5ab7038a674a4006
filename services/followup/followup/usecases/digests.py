"""The weekly digest: once a week, for each owner with activities to follow,
what is late and what is coming, for notify to send."""
from __future__ import annotations

import base64
import uuid
from collections.abc import Callable
from datetime import date, datetime

import sqlalchemy as sa

from .. import domain, schemas
from ..models import Activity, StaffMember, WeeklyDigest
from ..views import activity_views

# (the owner's activity views) -> [(chart name, PNG bytes)]
ChartRenderer = Callable[[list[dict]], list[tuple[str, bytes]]]


def _item(view: dict) -> dict:
    return {"activity_id": view["id"], "title": view["title"], "state": view["state"],
            "follow_up_on": date.fromisoformat(view["follow_up_on"]),
            "days_overdue": view["days_overdue"]}


def prepare_digests(*, uow, now: datetime, render_charts: ChartRenderer | None = None) -> int:
    """The timer: publish `weekly_digest_prepared` once per owner and week
    (weeks start on Monday); returns how many were prepared."""
    session = uow.session
    week = domain.week_of(now.date())
    owners = session.scalars(sa.select(Activity.owner_staff_id).distinct().where(
        Activity.state.in_(domain.FOLLOWED_STATES), Activity.owner_staff_id.is_not(None))).all()
    prepared = 0
    for owner in sorted(owners):
        if session.get(WeeklyDigest, (owner, week)) is not None:
            continue
        staff = session.get(StaffMember, owner)
        if staff is not None and not staff.active:
            continue
        views = activity_views(session, now=now, owner_staff_id=owner,
                               states=list(domain.FOLLOWED_STATES))
        workshop_ids = {v["workshop_id"] for v in views}
        charts = [{"name": name, "content_type": "image/png",
                   "data_base64": base64.b64encode(png).decode()}
                  for name, png in (render_charts(views) if render_charts else [])]
        digest_id = str(uuid.uuid4())
        session.add(WeeklyDigest(owner_staff_id=owner, week_of=week, digest_id=digest_id,
                                 prepared_at=now))
        uow.publish(schemas.PUBLISHED.event("weekly_digest_prepared", {
            "digest_id": digest_id, "owner_staff_id": owner, "week_of": week,
            "workshop_id": workshop_ids.pop() if len(workshop_ids) == 1 else None,
            "open_count": len(views),
            "overdue": [_item(v) for v in views
                        if v["lateness"] in (domain.OVERDUE, domain.ESCALATION)],
            "due_soon": [_item(v) for v in views if v["lateness"] == domain.DUE_SOON],
            "charts": charts}))
        prepared += 1
    return prepared
