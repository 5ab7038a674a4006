"""Rounds: compute a schedule as a background job in matching (with its
progress: objective, bound and gap), see the grid (sessions x tables:
program, presenter delegation, attending delegations), why interests were
missed, pin or unpin a program, and publish (coordinators only)."""
from __future__ import annotations

from ..exceptions import Upstream
from ..gateway import path
from ..web import Visit
from .workshops import all_delegations

ACTIVE_JOBS = ("queued", "running")


def show(visit: Visit, workshop_id: str):
    workshop = visit.gateway.intake.get(path("workshops", workshop_id))
    matching = visit.gateway.matching
    schedule = matching.get(path("workshops", workshop_id, "schedule"), missing_is_none=True)
    jobs = (matching.get(path("workshops", workshop_id, "schedule", "jobs"),
                         missing_is_none=True) or {"jobs": []})["jobs"]
    running = next((job for job in jobs if job["state"] in ACTIVE_JOBS), None)
    pins = (matching.get(path("workshops", workshop_id, "pins"), missing_is_none=True)
            or {"pins": []})["pins"]
    names = {d["id"]: d for d in all_delegations(visit, workshop_id)}
    programs = {p["id"]: p["title"] for p in visit.gateway.intake.get(
        path("workshops", workshop_id, "forms"), params={"kind": "program", "limit": 200})["items"]}
    form = workshop["form"]
    grid = {}
    for item in (schedule or {}).get("rounds", []):
        grid[(item["session"], item["table"])] = item
    return visit.render(
        "rounds/show.html", workshop=workshop, schedule=schedule, jobs=jobs[:5], running=running,
        pins={p["program_id"]: p for p in pins}, names=names, programs=programs, grid=grid,
        sessions=range(1, len(form["sessions"]) + 1),
        tables=range(1, form["tables_per_session"] + 1), zone=form["time_zone"], nav="rounds")


def compute(visit: Visit, workshop_id: str):
    visit.require("compute_rounds")
    back = f"/workshops/{workshop_id}/rounds"
    try:
        limit = min(max(float(visit.form("time_limit", "10") or 10), 1.0), 600.0)
    except ValueError:
        limit = 10.0
    try:
        visit.gateway.matching.post(path("workshops", workshop_id, "schedule"),
                                    {"time_limit": limit})
    except Upstream as refused:
        return visit.redirect(back, text=refused.message, kind="error", fields=refused.fields)
    return visit.redirect(back, text=visit.gettext(
        "Computation queued: the progress shows below."))


def job(visit: Visit, workshop_id: str, job_id: str):
    """The job as JSON, for the progress bar's script (same session, no key in the browser)."""
    import json

    from werkzeug.wrappers import Response

    found = visit.gateway.matching.get(path("workshops", workshop_id, "schedule", "jobs", job_id))
    keep = ("state", "stage", "objective", "bound", "gap", "solutions")
    return Response(json.dumps({k: found.get(k) for k in keep}), mimetype="application/json")


def cancel(visit: Visit, workshop_id: str, job_id: str):
    visit.require("compute_rounds")
    back = f"/workshops/{workshop_id}/rounds"
    try:
        visit.gateway.matching.post(path("workshops", workshop_id, "schedule", "jobs", job_id,
                                         "cancel"))
    except Upstream as refused:
        return visit.redirect(back, text=refused.message, kind="error")
    return visit.redirect(back, text=visit.gettext("Computation cancelled."))


def pin(visit: Visit, workshop_id: str, program_id: str):
    visit.require("compute_rounds")
    back = f"/workshops/{workshop_id}/rounds"
    try:
        if visit.form("action") == "unpin":
            visit.gateway.matching.delete(path("workshops", workshop_id, "pins", program_id))
            return visit.redirect(back, text=visit.gettext("Program unpinned."))
        body = {"session": int(visit.form("session"))}
        if visit.form("table"):
            body["table"] = int(visit.form("table"))
        visit.gateway.matching.put(path("workshops", workshop_id, "pins", program_id), body)
    except ValueError:
        return visit.redirect(back, text=visit.gettext("Give the session (and table) as numbers."),
                              kind="error")
    except Upstream as refused:
        return visit.redirect(back, text=refused.message, kind="error", fields=refused.fields)
    return visit.redirect(back, text=visit.gettext(
        "Program pinned; it takes effect at the next computation."))


def publish(visit: Visit, workshop_id: str):
    visit.require("publish_schedule")
    back = f"/workshops/{workshop_id}/rounds"
    body = {"schedule_id": visit.form("schedule_id")} if visit.form("schedule_id") else {}
    try:
        published = visit.gateway.matching.post(
            path("workshops", workshop_id, "schedule", "publish"), body)
    except Upstream as refused:
        return visit.redirect(back, text=refused.message, kind="error", fields=refused.fields)
    return visit.redirect(back, text=visit.gettext(
        "Revision %(revision)s published: notify emails each delegate their agenda.",
        revision=published.get("revision")))
