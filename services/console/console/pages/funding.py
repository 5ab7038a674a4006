"""Funding: the criteria and their weights, each activity's scores and
estimated cost, propose the exact selection of activities a budget funds best
(followup's knapsack), see what it leaves out, and confirm it
(coordinators only)."""

from __future__ import annotations

import re
from decimal import Decimal

from ..exceptions import Upstream
from ..gateway import path
from ..rendering import N_
from ..web import Visit
from .activities import acting

FUNDING_SOURCES = (
    "network_fund",
    "subregional_mechanism",
    "bilateral_cooperation",
    "own_resources",
)


SCORED_STATES = ("proposed", "under_review")
CRITERION_KEY = re.compile(r"^[a-z][a-z0-9_]{0,49}$")
EMPTY_ROWS = 2


def show(visit: Visit, workshop_id: str):
    workshop = visit.gateway.intake.get(path("workshops", workshop_id))
    criteria = visit.gateway.followup.get(
        path("workshops", workshop_id, "criteria"), missing_is_none=True
    )
    activities = [
        a
        for state in SCORED_STATES
        for a in visit.gateway.followup.get(
            "/activities", params={"workshop_id": workshop_id, "state": state}
        )["activities"]
    ]
    rows = list((criteria or {}).get("criteria") or ())
    return visit.render(
        "funding/show.html",
        workshop=workshop,
        criteria=criteria,
        rows=rows + [{"key": "", "label": "", "weight": ""}] * EMPTY_ROWS,
        activities=activities,
        sources=FUNDING_SOURCES,
        nav="funding",
    )


def criteria_of(form) -> tuple[list[dict], dict[str, str]]:
    """The criteria rows of the page's form (`key-N`, `label-N`, `weight-N`;
    a row left empty is dropped) and what is wrong with them, by field."""
    criteria, errors, n = [], {}, 0
    while f"key-{n}" in form:
        key, label = form.get(f"key-{n}", "").strip(), form.get(f"label-{n}", "").strip()
        weight = form.get(f"weight-{n}", "").strip()
        if key or label or weight:
            if not CRITERION_KEY.match(key):
                errors[f"key-{n}"] = N_("lower-case letters, digits and _; starting with a letter")
            if not label:
                errors[f"label-{n}"] = N_("give the criterion a name")
            if not (weight.isdigit() and 1 <= int(weight) <= 100):
                errors[f"weight-{n}"] = N_("a whole number from 1 to 100")
            else:
                criteria.append({"key": key, "label": label, "weight": int(weight)})
        n += 1
    keys = [c["key"] for c in criteria]
    if len(keys) != len(set(keys)):
        errors["criteria"] = N_("each criterion needs its own key")
    if not criteria and not errors:
        errors["criteria"] = N_("give at least one criterion")
    return criteria, errors


def scores_of(form, keys: list[str]) -> tuple[dict, dict[str, str]]:
    """followup's scores body from an activity's row: a score 0..5 per
    criterion, the estimated cost (typed in units, sent in cents) and its currency."""
    body, errors, scores = {}, {}, {}
    for key in keys:
        value = form.get(f"score-{key}", "").strip()
        if value == "":
            continue
        if value.isdigit() and 0 <= int(value) <= 5:
            scores[key] = int(value)
        else:
            errors[f"score-{key}"] = N_("a score from 0 to 5")
    body["scores"] = scores
    cost = form.get("estimated_cost", "").replace(",", "").replace(" ", "").strip()
    if cost:
        # followup keeps money in cents; people type units (15000 or 15000.50)
        if re.fullmatch(r"\d{1,10}(\.\d{1,2})?", cost):
            body["estimated_cost"] = int(Decimal(cost) * 100)
        else:
            errors["estimated_cost"] = N_("an amount such as 15000 or 15000.50")
    currency = form.get("currency", "").strip().upper()
    if currency:
        if re.fullmatch(r"[A-Z]{3}", currency):
            body["currency"] = currency
        else:
            errors["currency"] = N_("three letters, e.g. USD")
    return body, errors


def save_criteria(visit: Visit, workshop_id: str):
    visit.require("score_activities")
    back = f"/workshops/{workshop_id}/funding"
    criteria, errors = criteria_of(visit.request.form)
    if errors:
        return visit.redirect(
            back,
            text=visit.gettext("Some criteria are not right."),
            kind="error",
            fields=[{"path": k, "message": visit.gettext(v)} for k, v in errors.items()],
        )
    try:
        visit.gateway.followup.put(
            path("workshops", workshop_id, "criteria"), {"criteria": criteria, "by": acting(visit)}
        )
    except Upstream as refused:
        return visit.redirect(back, text=refused.message, kind="error", fields=refused.fields)
    return visit.redirect(back, text=visit.gettext("Criteria and weights saved."))


def save_scores(visit: Visit, workshop_id: str, activity_id: str):
    visit.require("score_activities")
    back = f"/workshops/{workshop_id}/funding"
    criteria = (
        visit.gateway.followup.get(path("workshops", workshop_id, "criteria"), missing_is_none=True)
        or {}
    )
    body, errors = scores_of(visit.request.form, [c["key"] for c in criteria.get("criteria") or ()])
    if errors:
        return visit.redirect(
            back,
            text=visit.gettext("Some scores are not right."),
            kind="error",
            fields=[{"path": k, "message": visit.gettext(v)} for k, v in errors.items()],
        )
    try:
        visit.gateway.followup.put(
            path("activities", activity_id, "scores"), {**body, "by": acting(visit)}
        )
    except Upstream as refused:
        return visit.redirect(back, text=refused.message, kind="error", fields=refused.fields)
    return visit.redirect(back, text=visit.gettext("Scores saved."))


def propose(visit: Visit, workshop_id: str):
    visit.require("propose_selection")
    back = f"/workshops/{workshop_id}/funding"
    try:
        budget = int(visit.form("budget").replace(",", "").replace(".", ""))
    except ValueError:
        return visit.redirect(
            back, text=visit.gettext("Give the budget as a whole amount."), kind="error"
        )
    body = {
        "budget": budget,
        "currency": visit.form("currency", "USD").upper(),
        "funding_source": visit.form("funding_source", "network_fund"),
        "by": acting(visit),
    }
    try:
        selection = visit.gateway.followup.post(path("workshops", workshop_id, "selections"), body)
    except Upstream as refused:
        return visit.redirect(back, text=refused.message, kind="error", fields=refused.fields)
    return visit.redirect(f"/workshops/{workshop_id}/funding/selections/{selection['id']}")


def selection(visit: Visit, workshop_id: str, selection_id: str):
    workshop = visit.gateway.intake.get(path("workshops", workshop_id))
    found = visit.gateway.followup.get(path("selections", selection_id))
    chosen = {item["activity_id"] for item in found["selected"]}
    candidates = visit.gateway.followup.get(
        "/activities", params={"workshop_id": workshop_id, "state": "under_review"}
    )["activities"]
    left_out = [a for a in candidates if a["id"] not in chosen]
    return visit.render(
        "funding/selection.html",
        workshop=workshop,
        selection=found,
        left_out=left_out,
        zone=workshop["form"]["time_zone"],
        nav="funding",
    )


def confirm(visit: Visit, workshop_id: str, selection_id: str):
    visit.require("confirm_selection")
    back = f"/workshops/{workshop_id}/funding/selections/{selection_id}"
    try:
        visit.gateway.followup.post(
            path("selections", selection_id, "confirm"), {"by": acting(visit)}
        )
    except Upstream as refused:
        return visit.redirect(back, text=refused.message, kind="error", fields=refused.fields)
    return visit.redirect(back, text=visit.gettext("Selection confirmed."))
