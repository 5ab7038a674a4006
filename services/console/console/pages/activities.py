"""Follow-up: the board of a workshop's cooperation activities by state and
owner, overdue ones marked; an activity's page with its history, only the
moves its state allows, its owner and the counterparts' updates. Changes go
to followup with `by` naming the signed-in person."""

from __future__ import annotations

from .. import domain
from ..exceptions import Upstream
from ..gateway import path
from ..web import Visit


def acting(visit: Visit) -> str:
    """followup's `by` (at most 100 characters): the person's name and staff id."""
    staff_id = visit.person["staff_id"]
    return f"{visit.person['name'][: 100 - len(staff_id) - 3]} [{staff_id}]"


def staff_names(visit: Visit) -> dict[str, str]:
    page = visit.gateway.intake.get("/staff", params={"limit": 200})
    return {m["id"]: m["name"] for m in page["items"]}


def board(visit: Visit, workshop_id: str):
    workshop = visit.gateway.intake.get(path("workshops", workshop_id))
    args = visit.request.args
    owner = args.get("owner") or None
    overdue = args.get("overdue") if args.get("overdue") in ("true", "false") else None
    activities = visit.gateway.followup.get(
        "/activities",
        params={"workshop_id": workshop_id, "owner_staff_id": owner, "overdue": overdue},
    )["activities"]
    columns = {state: [] for state in domain.ACTIVITY_STATES}
    for activity in activities:
        columns.setdefault(activity["state"], []).append(activity)
    return visit.render(
        "activities/board.html",
        workshop=workshop,
        columns=columns,
        owners=staff_names(visit),
        owner=owner or "",
        overdue=overdue or "",
        total=len(activities),
        late=sum(1 for a in activities if a.get("lateness") in ("overdue", "escalation")),
        nav="activities",
    )


def show(visit: Visit, workshop_id: str, activity_id: str):
    workshop = visit.gateway.intake.get(path("workshops", workshop_id))
    activity = visit.gateway.followup.get(path("activities", activity_id))
    return visit.render(
        "activities/show.html",
        workshop=workshop,
        activity=activity,
        moves=domain.allowed_moves(activity["state"]),
        owners=staff_names(visit),
        zone=workshop["form"]["time_zone"],
        nav="activities",
    )


def move(visit: Visit, workshop_id: str, activity_id: str):
    visit.require("move_activity")
    back = f"/workshops/{workshop_id}/activities/{activity_id}"
    current = visit.gateway.followup.get(path("activities", activity_id))
    to = visit.form("to")
    if to not in domain.allowed_moves(current["state"]):
        return visit.redirect(
            back, text=visit.gettext("That move is not allowed from this state."), kind="error"
        )
    body = {"to": to, "reason": visit.form("reason"), "by": acting(visit)}
    for name in ("funding_source", "planned_start", "planned_end", "terms_of_reference"):
        if visit.form(name):
            body[name] = visit.form(name)
    try:
        visit.gateway.followup.post(path("activities", activity_id, "transitions"), body)
    except Upstream as refused:
        return visit.redirect(back, text=refused.message, kind="error", fields=refused.fields)
    return visit.redirect(
        back, text=visit.gettext("The activity is now %(state)s.", state=visit.gettext(_label(to)))
    )


def assign(visit: Visit, workshop_id: str, activity_id: str):
    visit.require("assign_activity")
    back = f"/workshops/{workshop_id}/activities/{activity_id}"
    body = {"owner_staff_id": visit.form("owner_staff_id"), "by": acting(visit)}
    if visit.form("reason"):
        body["reason"] = visit.form("reason")
    try:
        visit.gateway.followup.post(path("activities", activity_id, "owner"), body)
    except Upstream as refused:
        return visit.redirect(back, text=refused.message, kind="error", fields=refused.fields)
    return visit.redirect(back, text=visit.gettext("Owner changed."))


def _label(state: str) -> str:
    from ..rendering import LABELS

    return LABELS.get(state, state)
