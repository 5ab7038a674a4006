"""Reminding delegations that have not submitted: the secretariat names
some (or none: every registered delegation of the workshop), intake works
out what each has not submitted and whether it still can, and publishes one
submission_reminder_requested per delegation to remind; notify writes the
emails."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from rueda_backbone import Invalid

from .. import schemas
from ..models import Delegation, FormRecord
from ..schemas.reminders import REMINDED_FORMS
from . import lookup

# a reminded form as named in the workshop's deadlines and late windows
DEADLINE_OF = {"program": "programs", "interest": "interests"}


def _deadline(form: str, delegation_id: str, deadlines: dict, windows: list[dict]):
    """The workshop's deadline for the form, or a later open late window of the delegation's."""
    latest = deadlines.get(DEADLINE_OF[form])
    for window in windows:
        if (
            window["delegation_id"] == delegation_id
            and window["form"] == DEADLINE_OF[form]
            and (latest is None or window["until"] > latest)
        ):
            latest = window["until"]
    return latest.astimezone(UTC) if latest is not None else None


def _named(session, workshop_id: str, ids: list[str]) -> list[Delegation]:
    found = []
    for index, delegation_id in enumerate(ids):
        delegation = session.get(Delegation, delegation_id)
        if delegation is None or delegation.workshop_id != workshop_id:
            raise Invalid.field(
                f"delegation_ids[{index}]",
                "no delegation of this workshop is registered with this id",
            )
        if delegation.status != "registered":
            raise Invalid.field(
                f"delegation_ids[{index}]", "this delegation withdrew from the workshop"
            )
        found.append(delegation)
    return found


def request_reminders(command: dict, *, uow, now: datetime) -> dict:
    """{"workshop_id", "form"?, "delegation_ids"?}: each delegation named
    (or every registered one) that has not submitted the form (or either
    form) and may still submit it is reminded; the others named are listed
    with the reason. Unknown and withdrawn delegations are refused."""
    workshop = lookup.workshop(uow.session, command["workshop_id"])
    asked = (command["form"],) if command.get("form") else REMINDED_FORMS
    named = command.get("delegation_ids")
    if named:
        delegations = _named(uow.session, workshop.id, named)
    else:
        delegations = uow.session.scalars(
            sa.select(Delegation)
            .where(Delegation.workshop_id == workshop.id, Delegation.status == "registered")
            .order_by(
                sa.func.coalesce(Delegation.country, Delegation.region),
                Delegation.institution,
                Delegation.id,
            )
        ).all()
    submitted = {
        (delegation_id, kind)
        for delegation_id, kind in uow.session.execute(
            sa.select(FormRecord.delegation_id, FormRecord.kind).where(
                FormRecord.workshop_id == workshop.id, FormRecord.status == "submitted"
            )
        )
    }
    deadlines = lookup.workshop_form(workshop)["deadlines"]
    windows = lookup.late_windows(workshop)
    reminded, not_reminded = [], []
    for delegation in delegations:
        unsent = [form for form in asked if (delegation.id, form) not in submitted]
        missing = [
            {"form": form, "deadline": _deadline(form, delegation.id, deadlines, windows)}
            for form in unsent
        ]
        missing = [m for m in missing if m["deadline"] is None or m["deadline"] >= now]
        if not missing:
            reason = "deadline_passed" if unsent else "submitted"
            if named:
                not_reminded.append({"delegation_id": delegation.id, "reason": reason})
            continue
        uow.publish(
            schemas.PUBLISHED.event(
                "submission_reminder_requested",
                {
                    "workshop_id": workshop.id,
                    "delegation_id": delegation.id,
                    "missing": missing,
                    "requested_by": uow.who,
                    "requested_at": now,
                },
            )
        )
        reminded.append({"delegation_id": delegation.id, "missing": missing})
    return {"workshop_id": workshop.id, "reminded": reminded, "not_reminded": not_reminded}
