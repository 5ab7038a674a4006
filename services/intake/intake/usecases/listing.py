"""Read-only lists for the staff console: workshops, staff, a workshop's
delegations with the state of their forms (who has not submitted), and a
workshop's forms (the program review queue). Queries only: nothing is
changed or published."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from rueda_backbone import NotFound

from ..models import Delegation, FormRecord, StaffMember, Workshop
from ..schemas.listing import CHASED_FORMS
from . import lookup


def _page(session, statement, query: dict) -> tuple[list, int]:
    total = session.execute(
        sa.select(sa.func.count()).select_from(statement.order_by(None).subquery())
    ).scalar_one()
    rows = session.scalars(statement.limit(query["limit"]).offset(query["offset"])).all()
    return list(rows), total


def list_workshops(query: dict, *, uow, now: datetime) -> dict:
    """{"limit", "offset"}: every workshop, newest first."""
    items, total = _page(
        uow.session, sa.select(Workshop).order_by(Workshop.created_at.desc(), Workshop.id), query
    )
    return {"items": items, "total": total, "limit": query["limit"], "offset": query["offset"]}


def list_staff(query: dict, *, uow, now: datetime) -> dict:
    """{"limit", "offset", "active"?, "role"?}: staff members by name."""
    statement = sa.select(StaffMember).order_by(StaffMember.name, StaffMember.id)
    if "active" in query:
        statement = statement.where(StaffMember.active.is_(query["active"]))
    members = uow.session.scalars(statement).all()
    if "role" in query:
        # roles is a JSON list: filtered here, the staff is a handful of people
        members = [m for m in members if query["role"] in (m.roles or [])]
    page = members[query["offset"] : query["offset"] + query["limit"]]
    return {
        "items": page,
        "total": len(members),
        "limit": query["limit"],
        "offset": query["offset"],
    }


def get_staff(query: dict, *, uow, now: datetime) -> StaffMember:
    """{"staff_id"}."""
    found = uow.session.get(StaffMember, query["staff_id"])
    if found is None:
        raise NotFound(f"no staff member {query['staff_id']}")
    return found


def _missing(forms: list[FormRecord]) -> list[str]:
    submitted = {f.kind for f in forms if f.status == "submitted"}
    return [kind for kind in CHASED_FORMS if kind not in submitted]


def workshop_delegations(query: dict, *, uow, now: datetime) -> dict:
    """{"workshop_id", "limit", "offset", "status"?, "missing"?}: the
    workshop's delegations, each with its forms and what it has not submitted."""
    workshop = lookup.workshop(uow.session, query["workshop_id"])
    statement = (
        sa.select(Delegation)
        .where(Delegation.workshop_id == workshop.id)
        .order_by(
            sa.func.coalesce(Delegation.country, Delegation.region),
            Delegation.institution,
            Delegation.id,
        )
    )
    if "status" in query:
        statement = statement.where(Delegation.status == query["status"])
    delegations = uow.session.scalars(statement).all()
    forms: dict[str, list[FormRecord]] = {}
    for record in uow.session.scalars(
        sa.select(FormRecord)
        .where(FormRecord.workshop_id == workshop.id)
        .order_by(FormRecord.created_at, FormRecord.id)
    ):
        forms.setdefault(record.delegation_id, []).append(record)
    rows = [
        {"delegation": d, "forms": forms.get(d.id, []), "missing": _missing(forms.get(d.id, []))}
        for d in delegations
    ]
    if "missing" in query:
        rows = [row for row in rows if query["missing"] in row["missing"]]
    page = rows[query["offset"] : query["offset"] + query["limit"]]
    return {"items": page, "total": len(rows), "limit": query["limit"], "offset": query["offset"]}


def _review_state(record: FormRecord) -> str | None:
    if record.kind != "program" or record.status != "submitted":
        return None
    review = record.review or {}
    return review.get("decision") or "pending"


def workshop_forms(query: dict, *, uow, now: datetime) -> dict:
    """{"workshop_id", "limit", "offset", "kind"?, "status"?, "review"?,
    "delegation_id"?}: the workshop's forms, oldest submission first;
    review=pending is the program review queue."""
    workshop = lookup.workshop(uow.session, query["workshop_id"])
    statement = (
        sa.select(FormRecord)
        .where(FormRecord.workshop_id == workshop.id)
        .order_by(
            FormRecord.submitted_at.is_(None),
            FormRecord.submitted_at,
            FormRecord.created_at,
            FormRecord.id,
        )
    )
    for name in ("kind", "status", "delegation_id"):
        if name in query:
            statement = statement.where(getattr(FormRecord, name) == query[name])
    records = uow.session.scalars(statement).all()
    if "review" in query:
        records = [r for r in records if _review_state(r) == query["review"]]
    page = records[query["offset"] : query["offset"] + query["limit"]]
    return {
        "items": page,
        "total": len(records),
        "limit": query["limit"],
        "offset": query["offset"],
    }
