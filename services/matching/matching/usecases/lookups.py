"""The rows several use cases look up: a workshop matching knows, and its
latest computed and latest published schedules."""

from __future__ import annotations

import sqlalchemy as sa

from rueda_backbone import NotFound

from ..models import Schedule, Workshop


def known_workshop(uow, workshop_id: str) -> Workshop:
    workshop = uow.session.get(Workshop, workshop_id)
    if workshop is None:
        raise NotFound(f"no published workshop {workshop_id!r} is known to matching")
    return workshop


def latest_published(uow, workshop_id: str) -> Schedule | None:
    return uow.session.scalar(
        sa.select(Schedule)
        .where(Schedule.workshop_id == workshop_id, Schedule.revision.is_not(None))
        .order_by(Schedule.revision.desc())
        .limit(1)
    )


def latest_computed(uow, workshop_id: str) -> Schedule | None:
    return uow.session.scalar(
        sa.select(Schedule)
        .where(Schedule.workshop_id == workshop_id)
        .order_by(Schedule.computed_at.desc())
        .limit(1)
    )
