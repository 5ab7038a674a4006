"""The audit trail of an activity: who changed what, when, why and from where.

Who is the staff member named with `by` in the body, else the API client
the request came with; from where is the unit of work's origin
("http:<client>@<address>", "event:<producer>/<type>", "job:<loop>")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..models import Activity, ActivityChange


@dataclass(frozen=True)
class Actor:
    """Who acts and through which channel."""

    name: str
    origin: str


def client_of(origin: str) -> str:
    """The API client of an "http:<client>@<address>" origin; other origins as they are."""
    kind, _, rest = origin.partition(":")
    if kind == "http" and rest:
        return rest.rpartition("@")[0] or rest
    return origin


def acting(command: dict, uow) -> Actor:
    """The actor of a staff request: `by`, else the person the console acts for
    (`uow.actor`, "staff:<id> (<name>)"), else the API client."""
    actor = getattr(uow, "actor", None)
    return Actor(command.get("by") or (str(actor) if actor else client_of(uow.origin)), uow.origin)


def audit(
    session,
    activity: Activity,
    *,
    kind: str,
    actor: Actor,
    now: datetime,
    reason: str | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
    details: dict | None = None,
) -> None:
    session.add(
        ActivityChange(
            activity_id=activity.id,
            at=now,
            kind=kind,
            actor=actor.name,
            origin=actor.origin,
            reason=reason,
            from_state=from_state,
            to_state=to_state,
            details=details or {},
        )
    )
