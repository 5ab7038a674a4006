"""Funding: propose the exact selection of activities a budget funds best
(followup's knapsack), see what it leaves out, and confirm it
(coordinators only)."""
from __future__ import annotations

from ..exceptions import Upstream
from ..gateway import path
from ..web import Visit
from .activities import acting

FUNDING_SOURCES = ("network_fund", "subregional_mechanism", "bilateral_cooperation",
                   "own_resources")


def show(visit: Visit, workshop_id: str):
    workshop = visit.gateway.intake.get(path("workshops", workshop_id))
    criteria = visit.gateway.followup.get(path("workshops", workshop_id, "criteria"),
                                          missing_is_none=True)
    return visit.render("funding/show.html", workshop=workshop, criteria=criteria,
                        sources=FUNDING_SOURCES, nav="funding")


def propose(visit: Visit, workshop_id: str):
    visit.require("propose_selection")
    back = f"/workshops/{workshop_id}/funding"
    try:
        budget = int(visit.form("budget").replace(",", "").replace(".", ""))
    except ValueError:
        return visit.redirect(back, text=visit.gettext("Give the budget as a whole amount."),
                              kind="error")
    body = {"budget": budget, "currency": visit.form("currency", "USD").upper(),
            "funding_source": visit.form("funding_source", "network_fund"), "by": acting(visit)}
    try:
        selection = visit.gateway.followup.post(path("workshops", workshop_id, "selections"), body)
    except Upstream as refused:
        return visit.redirect(back, text=refused.message, kind="error", fields=refused.fields)
    return visit.redirect(f"/workshops/{workshop_id}/funding/selections/{selection['id']}")


def selection(visit: Visit, workshop_id: str, selection_id: str):
    workshop = visit.gateway.intake.get(path("workshops", workshop_id))
    found = visit.gateway.followup.get(path("selections", selection_id))
    chosen = {item["activity_id"] for item in found["selected"]}
    candidates = visit.gateway.followup.get("/activities", params={
        "workshop_id": workshop_id, "state": "under_review"})["activities"]
    left_out = [a for a in candidates if a["id"] not in chosen]
    return visit.render("funding/selection.html", workshop=workshop, selection=found,
                        left_out=left_out, zone=workshop["form"]["time_zone"], nav="funding")


def confirm(visit: Visit, workshop_id: str, selection_id: str):
    visit.require("confirm_selection")
    back = f"/workshops/{workshop_id}/funding/selections/{selection_id}"
    try:
        visit.gateway.followup.post(path("selections", selection_id, "confirm"),
                                    {"by": acting(visit)})
    except Upstream as refused:
        return visit.redirect(back, text=refused.message, kind="error", fields=refused.fields)
    return visit.redirect(back, text=visit.gettext("Selection confirmed."))
