"""Every revision of a form or a registration is kept as it was submitted
(and every withdrawal), so `GET .../versions` can show what changed when."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from ..models import FormVersion
from . import lookup


def record_version(
    session,
    subject_id: str,
    kind: str,
    version: int,
    action: str,
    data: dict,
    *,
    now: datetime,
    import_id: str | None = None,
    by: str | None = None,
) -> None:
    """`by` is `uow.who`: the staff member the console acted for, else the origin."""
    session.add(
        FormVersion(
            subject_id=subject_id,
            kind=kind,
            version=version,
            action=action,
            data=data,
            recorded_at=now,
            import_id=import_id,
            changed_by=by,
        )
    )


def _versions(session, subject_id: str) -> list[FormVersion]:
    return list(
        session.scalars(
            sa.select(FormVersion)
            .where(FormVersion.subject_id == subject_id)
            .order_by(FormVersion.id)
        )
    )


def delegation_versions(query: dict, *, uow, now: datetime) -> list[FormVersion]:
    """Every revision of a registration: {"delegation_id"}."""
    lookup.delegation(uow.session, query["delegation_id"])
    return _versions(uow.session, query["delegation_id"])


def form_versions(query: dict, *, uow, now: datetime) -> list[FormVersion]:
    """Every revision of a form: {"kind", "form_id"}."""
    lookup.form(uow.session, query["kind"], query["form_id"])
    return _versions(uow.session, query["form_id"])
