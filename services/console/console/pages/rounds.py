"""Rounds: compute a schedule as a background job in matching (with its
progress: objective, bound and gap), see the grid (sessions x tables:
program, presenter, attending delegations and their delegates), each
delegation's rounds and why it missed the rest, pin or unpin a program,
compare two revisions, and publish after a preview of who is emailed and
what changes for them (coordinators only); whether a re-plan publishes on
its own."""

from __future__ import annotations

from .. import schedules
from ..exceptions import PageNotFound, Upstream
from ..gateway import path
from ..web import Visit
from .workshops import all_delegations

ACTIVE_JOBS = ("queued", "running")


def show(visit: Visit, workshop_id: str):
    workshop = visit.gateway.intake.get(path("workshops", workshop_id))
    matching = visit.gateway.matching
    schedule = matching.get(path("workshops", workshop_id, "schedule"), missing_is_none=True)
    jobs = (
        matching.get(path("workshops", workshop_id, "schedule", "jobs"), missing_is_none=True)
        or {"jobs": []}
    )["jobs"]
    running = next((job for job in jobs if job["state"] in ACTIVE_JOBS), None)
    pins = (
        matching.get(path("workshops", workshop_id, "pins"), missing_is_none=True) or {"pins": []}
    )["pins"]
    names = {d["id"]: d for d in all_delegations(visit, workshop_id)}
    programs = {
        p["id"]: p["title"]
        for p in visit.gateway.intake.get(
            path("workshops", workshop_id, "forms"), params={"kind": "program", "limit": 200}
        )["items"]
    }
    form = workshop["form"]
    replan = matching.get(path("workshops", workshop_id, "replanning"), missing_is_none=True)
    return visit.render(
        "rounds/show.html",
        workshop=workshop,
        schedule=schedule,
        jobs=jobs[:5],
        running=running,
        pins={p["program_id"]: p for p in pins},
        names=names,
        programs=programs,
        grid=schedules.grid(schedule, names),
        people=schedules.has_people(schedule),
        replan=replan,
        sessions=range(1, len(form["sessions"]) + 1),
        tables=range(1, form["tables_per_session"] + 1),
        zone=form["time_zone"],
        nav="rounds",
    )


def compute(visit: Visit, workshop_id: str):
    visit.require("compute_rounds")
    back = f"/workshops/{workshop_id}/rounds"
    try:
        limit = min(max(float(visit.form("time_limit", "10") or 10), 1.0), 600.0)
    except ValueError:
        limit = 10.0
    try:
        visit.gateway.matching.post(
            path("workshops", workshop_id, "schedule"), {"time_limit": limit}
        )
    except Upstream as refused:
        return visit.redirect(back, text=refused.message, kind="error", fields=refused.fields)
    return visit.redirect(back, text=visit.gettext("Computation queued: the progress shows below."))


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
        visit.gateway.matching.post(
            path("workshops", workshop_id, "schedule", "jobs", job_id, "cancel")
        )
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
        return visit.redirect(
            back, text=visit.gettext("Give the session (and table) as numbers."), kind="error"
        )
    except Upstream as refused:
        return visit.redirect(back, text=refused.message, kind="error", fields=refused.fields)
    return visit.redirect(
        back, text=visit.gettext("Program pinned; it takes effect at the next computation.")
    )


def publish(visit: Visit, workshop_id: str):
    visit.require("publish_schedule")
    back = f"/workshops/{workshop_id}/rounds"
    body = {"schedule_id": visit.form("schedule_id")} if visit.form("schedule_id") else {}
    try:
        published = visit.gateway.matching.post(
            path("workshops", workshop_id, "schedule", "publish"), body
        )
    except Upstream as refused:
        return visit.redirect(back, text=refused.message, kind="error", fields=refused.fields)
    return visit.redirect(
        back,
        text=visit.gettext(
            "Revision %(revision)s published: notify emails each delegate their agenda.",
            revision=published.get("revision"),
        ),
    )


# -- the person-level grid, each delegation, two revisions, the publish preview --


def _schedule(visit: Visit, workshop_id: str, which: str | int | None) -> dict | None:
    """The latest computed schedule, the latest published one, or revision N."""
    params = {"revision": which} if isinstance(which, int) else {"state": which} if which else {}
    found = visit.gateway.matching.get(
        path("workshops", workshop_id, "schedule"), params=params, missing_is_none=True
    )
    if isinstance(which, int) and found is not None and found.get("revision") != which:
        return None  # a matching that cannot show revisions by number yet
    return found


def _revision(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and 0 < int(value) < 10**6 else None


def delegation(visit: Visit, workshop_id: str, delegation_id: str):
    workshop = visit.gateway.intake.get(path("workshops", workshop_id))
    revision = _revision(visit.request.args.get("revision"))
    schedule = _schedule(visit, workshop_id, revision)
    names = {d["id"]: d for d in all_delegations(visit, workshop_id)}
    if delegation_id not in names:
        raise PageNotFound("this delegation is not registered for this workshop")
    mine = schedules.delegation_rounds(schedule, delegation_id, names)
    programs = {
        p["id"]: p["title"]
        for p in visit.gateway.intake.get(
            path("workshops", workshop_id, "forms"), params={"kind": "program", "limit": 200}
        )["items"]
    }
    mine["unmet"] = [{**u, "program_title": programs.get(u["program_id"])} for u in mine["unmet"]]
    return visit.render(
        "rounds/delegation.html",
        workshop=workshop,
        schedule=schedule,
        delegation=names[delegation_id],
        mine=mine,
        names=names,
        people=schedules.has_people(schedule),
        zone=workshop["form"]["time_zone"],
        nav="rounds",
    )


def compare(visit: Visit, workshop_id: str):
    """Two revisions side by side (`from`, `to`: numbers; `to` empty: the latest computed)."""
    workshop = visit.gateway.intake.get(path("workshops", workshop_id))
    latest = _schedule(visit, workshop_id, None)
    newest = (latest or {}).get("latest_published_revision") or 0
    start = _revision(visit.request.args.get("from")) or (newest or None)
    end = _revision(visit.request.args.get("to"))
    before = _schedule(visit, workshop_id, start) if start else None
    after = _schedule(visit, workshop_id, end) if end else latest
    names = {d["id"]: d for d in all_delegations(visit, workshop_id)}
    changes = schedules.compare(before, after) if before and after else []
    return visit.render(
        "rounds/compare.html",
        workshop=workshop,
        before=before,
        after=after,
        start=start,
        end=end,
        revisions=range(1, newest + 1),
        changes=changes,
        names=names,
        zone=workshop["form"]["time_zone"],
        nav="rounds",
    )


def preview(visit: Visit, workshop_id: str):
    """Who publishing the latest computed schedule emails, and what changes for them."""
    visit.require("publish_schedule")
    workshop = visit.gateway.intake.get(path("workshops", workshop_id))
    schedule = _schedule(visit, workshop_id, None)
    if schedule is None or schedule.get("state") != "provisional":
        return visit.redirect(
            f"/workshops/{workshop_id}/rounds",
            text=visit.gettext("There is no computed schedule waiting to be published."),
            kind="error",
        )
    published = _schedule(visit, workshop_id, "published")
    names = {d["id"]: d for d in all_delegations(visit, workshop_id)}
    recipients = schedules.publish_preview(published, schedule, names)
    return visit.render(
        "rounds/publish.html",
        workshop=workshop,
        schedule=schedule,
        published=published,
        recipients=recipients,
        names=names,
        zone=workshop["form"]["time_zone"],
        nav="rounds",
    )


def replanning(visit: Visit, workshop_id: str):
    """Whether a re-plan after a withdrawal publishes on its own or waits for a coordinator."""
    visit.require("publish_schedule")
    back = f"/workshops/{workshop_id}/rounds"
    choice = {"own": True, "wait": False, "default": None}.get(visit.form("autopublish"), False)
    try:
        visit.gateway.matching.put(
            path("workshops", workshop_id, "replanning"), {"autopublish": choice}
        )
    except Upstream as refused:
        return visit.redirect(back, text=refused.message, kind="error")
    return visit.redirect(back, text=visit.gettext("Re-planning setting saved."))
