"""What the background planner has to do: workshops whose interest deadline
passed without a schedule, and published schedules a change touched once
the changes stopped (the debounce delay, a setting read at the edge)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from ..models import Workshop


@dataclass(frozen=True)
class Due:
    workshop_id: str
    trigger: str  # "deadline" or "replan"
    requested_at: datetime | None = None


def due_work(query: dict, *, uow, now: datetime, debounce_seconds: float) -> list[Due]:
    """Workshops whose interest deadline passed without a schedule, and
    published schedules a change touched at least `debounce_seconds` ago."""
    due = []
    deadlines = uow.session.scalars(
        sa.select(Workshop).where(
            Workshop.interests_deadline.is_not(None),
            Workshop.interests_deadline <= now,
            Workshop.deadline_planned_at.is_(None),
        )
    )
    due += [Due(w.id, "deadline") for w in deadlines]
    replans = uow.session.scalars(
        sa.select(Workshop).where(Workshop.replan_requested_at.is_not(None))
    )
    due += [
        Due(w.id, "replan", w.replan_requested_at)
        for w in replans
        if (now - w.replan_requested_at).total_seconds() >= debounce_seconds
    ]
    return due


def give_up(command: dict, *, uow, now: datetime) -> None:
    """Stop retrying a due plan (`workshop_id`, `trigger`, `requested_at`) the
    solver refused; staff see it in the logs and re-plan by hand."""
    workshop = uow.session.get(Workshop, command["workshop_id"])
    if workshop is None:
        return
    if command["trigger"] == "deadline":
        workshop.deadline_planned_at = now
    elif workshop.replan_requested_at == command.get("requested_at"):
        workshop.replan_requested_at = None
