"""The secretariat's review of a program profile: accepted, or returned with
a reason; a new revision clears it."""

from __future__ import annotations

from datetime import datetime

from rueda_backbone import Conflict

from .. import schemas
from ..models import FormRecord
from . import lookup


def review_program(command: dict, *, uow, now: datetime) -> FormRecord:
    """{"program_id", **ReviewForm}; a `version` that is no longer the latest
    is refused, so a decision never lands on a revision nobody read."""
    record = lookup.form(uow.session, "program", command["program_id"])
    if record.status != "submitted":
        raise Conflict(f"only a submitted program can be reviewed; this one is {record.status}")
    if command.get("version", record.version) != record.version:
        raise Conflict(
            f"version {command['version']} is not the latest ({record.version})",
            [{"path": "version", "message": "a newer revision was submitted"}],
        )
    decision = command["decision"]
    reason = command.get("reason") if decision == "returned" else None
    record.review = {
        "decision": decision,
        "reason": reason,
        "version": record.version,
        "reviewed_at": now.isoformat(),
        "reviewed_by": uow.who,
    }
    record.updated_at = now
    uow.publish(
        schemas.PUBLISHED.event(
            "program_reviewed",
            {
                "program_id": record.id,
                "workshop_id": record.workshop_id,
                "delegation_id": record.delegation_id,
                "version": record.version,
                "decision": decision,
                "reason": reason,
                "reviewed_at": now,
            },
        )
    )
    return record
