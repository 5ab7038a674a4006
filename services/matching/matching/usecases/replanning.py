"""Each workshop's re-planning setting, set by staff: whether a re-plan
after a withdrawal publishes on its own or waits for a coordinator to
publish it. Unset, the service's REPLAN_AUTOPUBLISH decides."""

from __future__ import annotations

from datetime import datetime

from .lookups import known_workshop


def show_replanning(query: dict, *, uow, now: datetime, default: bool) -> dict:
    """{"workshop_id"}: the setting, what it means now, whether it is the default."""
    return replanning_view(known_workshop(uow, query["workshop_id"]), default)


def set_replanning(command: dict, *, uow, now: datetime, default: bool) -> dict:
    """{"workshop_id", "autopublish": true | false | null (back to the default)}."""
    workshop = known_workshop(uow, command["workshop_id"])
    workshop.replan_autopublish = command.get("autopublish")
    return replanning_view(workshop, default)


def replanning_view(workshop, default: bool) -> dict:
    own = workshop.replan_autopublish
    return {
        "workshop_id": workshop.id,
        "autopublish": default if own is None else own,
        "default": own is None,
    }
