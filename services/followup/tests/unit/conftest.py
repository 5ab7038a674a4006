"""A throw-away SQLite unit of work per test, and builders of the events
followup reads, as the contract's tolerant readers would load them."""

from datetime import UTC, datetime

import pytest

from followup import inbound
from followup.models import Base
from rueda_backbone.testing import sqlite_unit_of_work

NOW = datetime(2026, 5, 20, 13, 0, tzinfo=UTC)


@pytest.fixture
def uow(tmp_path):
    with sqlite_unit_of_work(tmp_path / "db.sqlite3", Base.metadata, producer="followup") as uow:
        yield uow


def expression(
    expression_id="x1",
    *,
    version=1,
    workshop_id="w1",
    demanding="d-pe",
    supplying=("d-br",),
    program_id=None,
    topic="food_security",
    **extra,
):
    return inbound.ExpressionOfInterestSubmitted().load(
        {
            "expression_id": expression_id,
            "workshop_id": workshop_id,
            "version": version,
            "demanding_delegation_id": demanding,
            "supplying_delegation_ids": list(supplying),
            "program_id": program_id,
            "topic": topic,
            "activity_types": ["expert_visit"],
            "mechanism": "bilateral_agreement",
            "focus": "general",
            "description": "visit",
            "contact_delegate_ids": [],
            "round": None,
            "submitted_at": "2026-05-14T16:20:00+00:00",
            **extra,
        }
    )


def withdrawal(expression_id="x1", *, version=1, workshop_id="w1"):
    return inbound.ExpressionOfInterestWithdrawn().load(
        {
            "expression_id": expression_id,
            "workshop_id": workshop_id,
            "version": version,
            "withdrawn_at": "2026-05-15T10:00:00+00:00",
        }
    )


def delegation(
    delegation_id, institution, country, *, acronym=None, version=None, region=None, kind="ministry"
):
    event = {
        "delegation_id": delegation_id,
        "institution": institution,
        "acronym": acronym,
        "country": country,
        "kind": kind,
        "registered_at": "2026-03-01T10:00:00+00:00",
        "delegates": [{"delegate_id": f"{delegation_id}-1", "is_focal_point": True}],
    }
    if region is not None:
        event["region"] = region
    if version is None:
        return inbound.DelegationRegistered().load(event)
    return inbound.DelegationRegisteredV2().load({**event, "workshop_id": "w1", "version": version})


def workshop(workshop_id="w1", time_zone="UTC", version=1):
    return inbound.WorkshopPublished().load(
        {
            "workshop_id": workshop_id,
            "version": version,
            "title": "Santa Marta",
            "time_zone": time_zone,
        }
    )


def staff(staff_id, *roles, version=1, active=True):
    return inbound.StaffMemberRegistered().load(
        {
            "staff_id": staff_id,
            "name": staff_id.title(),
            "roles": list(roles),
            "active": active,
            "version": version,
            "language": "es",
        }
    )


def published(uow, event_type=None):
    return [e for e in uow.envelopes if event_type is None or e.event_type == event_type]
