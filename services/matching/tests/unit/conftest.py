"""A workshop in matching's read model, built from intake's events as they
arrive on the wire (loaded through matching's own readers)."""

from __future__ import annotations

import contextlib
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from matching import inbound, usecases
from matching.models import Base
from rueda_backbone import tables
from rueda_backbone.database import Store
from rueda_backbone.outbox import UnitOfWork

T0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
WORKSHOP = "0b0b0b0b-0000-4000-8000-000000000001"


def workshop_event(version=1, **changes):
    event = {
        "workshop_id": WORKSHOP,
        "version": version,
        "title": "Santa Marta",
        "place": "Santa Marta",
        "time_zone": "America/Bogota",
        "starts_on": "2026-05-04",
        "ends_on": "2026-05-05",
        "languages": ["es", "en"],
        "sessions": [
            {"number": n, "starts_at": (T0 + timedelta(hours=n - 1)).isoformat()} for n in (1, 2)
        ],
        "tables_per_session": 2,
        "table_capacity": 3,
        "round_minutes": 45,
        "max_runs_per_program": 1,
        "rank_weights": None,
        "deadlines": {
            "programs": "2026-04-01T00:00:00+00:00",
            "interests": "2026-04-20T00:00:00+00:00",
            "expressions_of_interest": "2026-05-05T18:00:00+00:00",
        },
        "late_windows": [],
    }
    event.update(changes)
    return inbound.WorkshopPublished().load(event)


def delegation_event(delegation_id, name, delegates, version=2):
    return inbound.DelegationRegistered().load(
        {
            "delegation_id": delegation_id,
            "workshop_id": WORKSHOP,
            "version": version,
            "country": name,
            "institution": f"Ministry of {name}",
            "acronym": None,
            "kind": "ministry",
            "working_languages": ["es"],
            "registered_at": T0.isoformat(),
            "delegates": [
                {
                    "delegate_id": str(uuid.uuid4()),
                    "name": "n",
                    "role": None,
                    "language": "es",
                    "is_focal_point": i == 0,
                }
                for i in range(delegates)
            ],
        }
    )


def people_event(delegation_id, name, people, version=1):
    """delegation_registered v3: `people` is [(delegate_id, sessions or None, languages)]."""
    return inbound.DelegationRegisteredV3().load(
        {
            "delegation_id": delegation_id,
            "workshop_id": WORKSHOP,
            "version": version,
            "country": name,
            "institution": f"Ministry of {name}",
            "acronym": None,
            "kind": "ministry",
            "working_languages": ["es"],
            "registered_at": T0.isoformat(),
            "region": None,
            "imported": False,
            "delegates": [
                {
                    "delegate_id": q,
                    "name": f"Delegate {q[-2:]}",
                    "role": None,
                    "language": languages[0],
                    "languages": languages,
                    "sessions": sessions,
                    "is_focal_point": i == 0,
                }
                for i, (q, sessions, languages) in enumerate(people)
            ],
        }
    )


def program_event(program_id, host, title, version=1, presenters=None):
    event = {
        "program_id": program_id,
        "workshop_id": WORKSHOP,
        "delegation_id": host,
        "version": version,
        "title": title,
        "topics": ["food_security"],
        "submitted_at": T0.isoformat(),
    }
    if presenters is not None:
        event["presenting_delegate_ids"] = presenters
    return inbound.ProgramSubmitted().load(event)


def interest_event(interest_id, delegation_id, programs, version=1, at=T0, attendees=()):
    return inbound.InterestSubmitted().load(
        {
            "interest_id": interest_id,
            "workshop_id": WORKSHOP,
            "delegation_id": delegation_id,
            "version": version,
            "programs": programs,
            "topics": [],
            "attending_delegate_ids": list(attendees),
            "submitted_at": at.isoformat(),
        }
    )


def withdrawal(kind, entity_id, version, delegation_id=None):
    key = {"program": "program_id", "delegation": "delegation_id", "interest": "interest_id"}[kind]
    payload = {
        key: entity_id,
        "workshop_id": WORKSHOP,
        "version": version,
        "withdrawn_at": T0.isoformat(),
    }
    if kind != "delegation":
        payload["delegation_id"] = delegation_id
    reader = {
        "program": inbound.ProgramWithdrawn,
        "delegation": inbound.DelegationWithdrawn,
        "interest": inbound.InterestWithdrawn,
    }[kind]
    return reader().load(payload)


# the small workshop every scheduling test uses: 2 sessions x 2 tables, capacity 3
A, B, C, D = (f"d0000000-0000-4000-8000-00000000000{n}" for n in range(1, 5))
PA, PB, PC = (f"a0000000-0000-4000-8000-00000000000{n}" for n in range(1, 4))


class Db:
    def __init__(self, path):
        self.store = Store(f"sqlite:///{path}")
        for metadata in (Base.metadata, tables.metadata):
            metadata.create_all(self.store.engine)

    @contextlib.contextmanager
    def transaction(self):
        with self.store.transaction() as session:
            yield UnitOfWork(session, producer="matching", correlation_id="test")

    def outbox(self):
        import sqlalchemy as sa

        from rueda_backbone.envelope import Envelope

        with self.store.transaction() as session:
            rows = session.execute(sa.select(tables.outbox).order_by(tables.outbox.c.id))
            return [Envelope.from_json(r.body) for r in rows]


@pytest.fixture
def db(tmp_path):
    database = Db(tmp_path / "matching.sqlite3")
    yield database
    database.store.engine.dispose()


@pytest.fixture
def workshop(db):
    return seed_workshop(db)


def seed_workshop(db):
    """The small workshop, its four delegations, three programs and four interest forms."""
    with db.transaction() as uow:
        usecases.record_workshop(workshop_event(), uow=uow, now=T0)
        for d, name, seats in (
            (A, "Bolivia", 1),
            (B, "Brazil", 2),
            (C, "Colombia", 2),
            (D, "Chile", 2),
        ):
            usecases.record_delegation(delegation_event(d, name, seats), uow=uow, now=T0)
        for p, host, title in (
            (PA, A, "Bono Juancito Pinto"),
            (PB, B, "Bolsa Familia"),
            (PC, C, "Red Unidos"),
        ):
            usecases.record_program(program_event(p, host, title), uow=uow, now=T0)
        for n, (d, wanted) in enumerate(
            ((B, [PA, PC]), (C, [PA, PB]), (D, [PA, PB, PC]), (A, [PB]))
        ):
            usecases.record_interest(
                interest_event(f"e000000{n}-0000-4000-8000-000000000000", d, wanted),
                uow=uow,
                now=T0,
            )
    return WORKSHOP
