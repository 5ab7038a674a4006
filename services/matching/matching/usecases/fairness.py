"""Each workshop's fairness policy, set by staff: "total" (the most weight,
fairness only as a tie-break) or {"price": p} (give up at most p of the best
total to raise the worst-served delegation's share; 0.05 by default). It
applies to every later computation and re-plan; a published schedule is not
re-planned because the policy changed (staff compute and publish)."""

from __future__ import annotations

from datetime import datetime

from .. import domain
from .lookups import known_workshop


def show_fairness(query: dict, *, uow, now: datetime) -> dict:
    """The fairness policy of `workshop_id`, and whether it is the default."""
    return fairness_view(known_workshop(uow, query["workshop_id"]))


def set_fairness(command: dict, *, uow, now: datetime) -> dict:
    """Set the `fairness` policy of `workshop_id` (a validated policy; None
    goes back to the default)."""
    workshop = known_workshop(uow, command["workshop_id"])
    workshop.fairness = command.get("fairness")
    return fairness_view(workshop)


def fairness_view(workshop) -> dict:
    return {
        "workshop_id": workshop.id,
        "fairness": domain.fairness_policy(workshop.fairness),
        "default": workshop.fairness is None,
    }
