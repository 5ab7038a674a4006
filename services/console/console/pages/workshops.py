"""Workshops: the list, creating one, editing its grid, time zone, languages,
session times and deadlines; a workshop's delegations with the state of
their forms (who has not submitted), the program review queue and late
windows. Everything is read from and written to intake."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..exceptions import Upstream
from ..gateway import path
from ..web import Visit

PAGE_SIZE = 50
DEADLINES = ("programs", "interests", "expressions_of_interest")


def offset_of(visit: Visit) -> int:
    try:
        return max(0, int(visit.request.args.get("offset", 0)))
    except ValueError:
        return 0


def index(visit: Visit):
    page = visit.gateway.intake.get(
        "/workshops", params={"limit": PAGE_SIZE, "offset": offset_of(visit)}
    )
    return visit.render("workshops/list.html", page=page, query="")


# -- the workshop form ---------------------------------------------------------------


def _local(instant: str, zone: ZoneInfo) -> str:
    return datetime.fromisoformat(instant).astimezone(zone).strftime("%Y-%m-%dT%H:%M")


def values_of(workshop: dict | None) -> dict:
    """The form's fields as the page shows them (times local to the workshop)."""
    if workshop is None:
        return {
            "title": "",
            "place": "",
            "time_zone": "America/Bogota",
            "starts_on": "",
            "ends_on": "",
            "languages": ["es", "en"],
            "sessions": "",
            "tables_per_session": 4,
            "table_capacity": 8,
            "round_minutes": 45,
            **{f"deadline_{name}": "" for name in DEADLINES},
        }
    form = workshop["form"]
    zone = ZoneInfo(form["time_zone"])
    return {
        **{
            name: form[name]
            for name in (
                "title",
                "place",
                "time_zone",
                "starts_on",
                "ends_on",
                "languages",
                "tables_per_session",
                "table_capacity",
                "round_minutes",
            )
        },
        "sessions": "\n".join(
            _local(s["starts_at"], zone).replace("T", " ") for s in form["sessions"]
        ),
        **{f"deadline_{name}": _local(form["deadlines"][name], zone) for name in DEADLINES},
    }


def _posted(visit: Visit) -> dict:
    form = visit.request.form
    return {
        "title": visit.form("title"),
        "place": visit.form("place"),
        "time_zone": visit.form("time_zone"),
        "starts_on": visit.form("starts_on"),
        "ends_on": visit.form("ends_on"),
        "languages": form.getlist("languages"),
        "sessions": visit.form("sessions"),
        **{
            name: visit.form(name)
            for name in ("tables_per_session", "table_capacity", "round_minutes")
        },
        **{f"deadline_{name}": visit.form(f"deadline_{name}") for name in DEADLINES},
    }


def body_of(values: dict, previous: dict | None) -> tuple[dict, dict]:
    """(intake's WorkshopForm body, errors by page field): local times become
    instants with the workshop's offset; intake checks everything else."""
    errors: dict[str, list[str]] = {}
    zone = None
    try:
        zone = ZoneInfo(values["time_zone"])
    except (ZoneInfoNotFoundError, ValueError):
        errors["time_zone"] = ["not an IANA time zone (e.g. America/Bogota)"]

    def instant(text: str, field: str):
        try:
            local = datetime.fromisoformat(text.strip().replace(" ", "T"))
        except ValueError:
            errors.setdefault(field, []).append(f"not a date and time: {text!r}")
            return None
        return local.replace(tzinfo=zone).isoformat() if zone else None

    def integer(field: str):
        try:
            return int(values[field])
        except ValueError:
            errors[field] = ["a whole number"]
            return None

    sessions = [
        instant(line, "sessions") for line in values["sessions"].splitlines() if line.strip()
    ]
    body = {
        "title": values["title"],
        "place": values["place"],
        "time_zone": values["time_zone"],
        "starts_on": values["starts_on"],
        "ends_on": values["ends_on"],
        "languages": values["languages"],
        "sessions": [{"starts_at": s} for s in sessions],
        "tables_per_session": integer("tables_per_session"),
        "table_capacity": integer("table_capacity"),
        "round_minutes": integer("round_minutes"),
        "deadlines": {
            name: instant(values[f"deadline_{name}"], f"deadline_{name}") for name in DEADLINES
        },
    }
    if previous:
        # what the page does not edit stays as it was
        for name in ("max_runs_per_program", "rank_weights"):
            if name in previous["form"]:
                body[name] = previous["form"][name]
    return body, errors


def field_of(upstream_path: str) -> str:
    """intake's field path (`sessions[1].starts_at`, `deadlines.programs`) as the page's field."""
    head = upstream_path.split("[")[0].split(".")[0]
    if head == "deadlines" and "." in upstream_path:
        return "deadline_" + upstream_path.split(".")[1]
    return head if head and head != "$" else "_"


def new(visit: Visit):
    visit.require("edit_workshop")
    return visit.render("workshops/form.html", workshop=None, values=values_of(None), errors={})


def edit(visit: Visit, workshop_id: str):
    visit.require("edit_workshop")
    workshop = visit.gateway.intake.get(path("workshops", workshop_id))
    return visit.render(
        "workshops/form.html", workshop=workshop, values=values_of(workshop), errors={}, nav="edit"
    )


def save(visit: Visit, workshop_id: str | None = None):
    """Create (no id) or revise a workshop; a refusal shows the form again
    with each field's message."""
    visit.require("edit_workshop")
    previous = visit.gateway.intake.get(path("workshops", workshop_id)) if workshop_id else None
    values = _posted(visit)
    body, errors = body_of(values, previous)
    if not errors:
        try:
            if previous:
                saved = visit.gateway.intake.put(path("workshops", workshop_id), body)
                return visit.redirect(
                    f"/workshops/{saved['id']}",
                    text=visit.gettext(
                        "Workshop saved (version %(version)s).", version=saved["version"]
                    ),
                )
            saved = visit.gateway.intake.post("/workshops", body)
            return visit.redirect(
                f"/workshops/{saved['id']}", text=visit.gettext("Workshop created.")
            )
        except Upstream as refused:
            for f in refused.fields or [{"path": "$", "message": refused.message}]:
                errors.setdefault(field_of(f["path"]), []).append(f["message"])
    return visit.render(
        "workshops/form.html",
        status=422,
        workshop=previous,
        values=values,
        errors=errors,
        nav="edit",
    )


# -- a workshop's delegations, forms and review queue ------------------------------------


def show(visit: Visit, workshop_id: str):
    intake = visit.gateway.intake
    workshop = intake.get(path("workshops", workshop_id))
    missing = visit.request.args.get("missing") or None
    if missing not in (None, "interest", "program"):
        missing = None
    delegations = intake.get(
        path("workshops", workshop_id, "delegations"),
        params={"limit": PAGE_SIZE, "offset": offset_of(visit), "missing": missing},
    )
    chased = intake.get(
        path("workshops", workshop_id, "delegations"),
        params={"limit": 1, "missing": "interest", "status": "registered"},
    )
    queue = intake.get(
        path("workshops", workshop_id, "forms"),
        params={"kind": "program", "review": "pending", "limit": 200},
    )
    names = {d["id"]: d for d in all_delegations(visit, workshop_id)}
    return visit.render(
        "workshops/show.html",
        workshop=workshop,
        delegations=delegations,
        queue=queue,
        names=names,
        missing=missing or "",
        not_submitted=chased["total"],
        zone=workshop["form"]["time_zone"],
        nav="forms",
    )


def all_delegations(visit: Visit, workshop_id: str) -> list[dict]:
    """Every delegation of the workshop (to name them in grids and lists)."""
    found, offset = [], 0
    while True:
        page = visit.gateway.intake.get(
            path("workshops", workshop_id, "delegations"), params={"limit": 200, "offset": offset}
        )
        found.extend(page["items"])
        offset += page["limit"]
        if offset >= page["total"] or not page["items"]:
            return found


def review(visit: Visit, workshop_id: str, program_id: str):
    visit.require("review_program")
    decision = visit.form("decision")
    body = {"decision": decision}
    if visit.form("version").isdigit():
        body["version"] = int(visit.form("version"))
    if decision == "returned":
        body["reason"] = visit.form("reason")
    back = f"/workshops/{workshop_id}#review"
    try:
        visit.gateway.intake.post(path("programs", program_id, "review"), body)
    except Upstream as refused:
        return visit.redirect(back, text=refused.message, kind="error", fields=refused.fields)
    text = "Program accepted." if decision == "accepted" else "Program returned to its delegation."
    return visit.redirect(back, text=visit.gettext(text))


def grant_late_window(visit: Visit, workshop_id: str):
    visit.require("grant_late_window")
    workshop = visit.gateway.intake.get(path("workshops", workshop_id))
    back = f"/workshops/{workshop_id}#late"
    try:
        until = (
            datetime.fromisoformat(visit.form("until"))
            .replace(tzinfo=ZoneInfo(workshop["form"]["time_zone"]))
            .isoformat()
        )
    except ValueError:
        return visit.redirect(
            back, text=visit.gettext("Give the date and time the window ends."), kind="error"
        )
    try:
        visit.gateway.intake.post(
            path("workshops", workshop_id, "late-windows"),
            {
                "delegation_id": visit.form("delegation_id"),
                "form": visit.form("form"),
                "until": until,
            },
        )
    except Upstream as refused:
        return visit.redirect(back, text=refused.message, kind="error", fields=refused.fields)
    return visit.redirect(back, text=visit.gettext("Late window granted."))


def _name(delegation: dict | None, fallback: str) -> str:
    """Acronym with country (or region), as the pages and the emails write it."""
    if not delegation:
        return fallback
    place = delegation.get("country") or delegation.get("region") or ""
    name = delegation.get("acronym") or delegation.get("institution") or fallback
    return f"{name} ({place})" if place else name


def remind(visit: Visit, workshop_id: str):
    """Ask intake to remind the chosen delegations (or every one that has
    not submitted) of the form chosen (or both); intake says who it will
    remind, notify emails every delegate of each in their language."""
    visit.require("remind_delegations")
    back = f"/workshops/{workshop_id}#remind"
    body: dict = {}
    if visit.form("form") in ("program", "interest"):
        body["form"] = visit.form("form")
    if visit.form("scope") != "all":
        chosen = list(
            dict.fromkeys(
                i.strip() for i in visit.request.form.getlist("delegation_id") if i.strip()
            )
        )
        if not chosen:
            return visit.redirect(
                back,
                kind="error",
                text=visit.gettext(
                    "Choose the delegations to remind, or remind all who have not submitted."
                ),
            )
        body["delegation_ids"] = chosen[:500]
    try:
        answer = visit.gateway.intake.post(path("workshops", workshop_id, "reminders"), body)
    except Upstream as refused:
        return visit.redirect(back, text=refused.message, kind="error", fields=refused.fields)
    names = {d["id"]: d for d in all_delegations(visit, workshop_id)}
    reminded = [
        _name(names.get(r["delegation_id"]), r["delegation_id"]) for r in answer.get("reminded", [])
    ]
    skipped = [
        _name(names.get(r["delegation_id"]), r["delegation_id"])
        for r in answer.get("not_reminded", [])
    ]
    if reminded:
        text = visit.gettext(
            "Reminder sent to %(count)s delegation(s): %(names)s.",
            count=len(reminded),
            names=", ".join(reminded),
        )
    else:
        text = visit.gettext(
            "Nobody was reminded: no delegation chosen is missing a form it can still submit."
        )
    if skipped:
        text += " " + visit.gettext(
            "Not reminded (already submitted, or past the deadline): %(names)s.",
            names=", ".join(skipped),
        )
    return visit.redirect(back, text=text, kind="success" if reminded else "error")
