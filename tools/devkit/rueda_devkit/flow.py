"""Driving the suite from outside, as the end-to-end tests and benchmarks do:
post the example forms, read the effects."""

import json
import uuid
from datetime import UTC, date, datetime, timedelta

import requests
import sqlalchemy as sa

from rueda_devkit import mailsink

REGISTRATION = {
    "country": "Ecuador",
    "institution": "Ministerio de Inclusión Económica y Social",
    "kind": "ministry",
    "delegates": [{"name": "Carmen", "email": "carmen@example.org", "language": "es"}],
}


def workshop_form(days_ahead: int = 60) -> dict:
    """A Santa Marta-like workshop (4 sessions x 4 tables) whose form deadlines
    are still open: every delegation registers for a workshop."""
    start = date.today() + timedelta(days=days_ahead)
    deadline = (datetime.now(UTC) + timedelta(days=days_ahead - 1)).isoformat()
    return {
        "title": "Third Workshop on Social Policy and International Cooperation",
        "place": "Santa Marta, Colombia",
        "time_zone": "America/Bogota",
        "starts_on": start.isoformat(),
        "ends_on": (start + timedelta(days=1)).isoformat(),
        "languages": ["es", "en"],
        "sessions": [
            {"starts_at": f"{start.isoformat()}T{hour:02d}:00:00-05:00"} for hour in (9, 11, 14, 16)
        ],
        "tables_per_session": 4,
        "table_capacity": 8,
        "round_minutes": 45,
        "deadlines": {
            "programs": deadline,
            "interests": deadline,
            "expressions_of_interest": deadline,
        },
    }


def post(stack, api_key, path, body, correlation_id=None):
    response = requests.post(
        f"{stack.url('intake')}{path}",
        json=body,
        timeout=10,
        headers={
            "X-API-Key": api_key,
            "X-Correlation-ID": correlation_id or uuid.uuid4().hex,
            # every client the project ships sends one (docs/intake.md)
            "Idempotency-Key": uuid.uuid4().hex,
        },
    )
    assert response.status_code == 201, response.text
    return response.json()


def register_and_submit(stack, api_key, title="Creciendo con Nuestra Familia", correlation_id=None):
    workshop = post(stack, api_key, "/workshops", workshop_form(), correlation_id)
    delegation = post(
        stack,
        api_key,
        "/delegations",
        {**REGISTRATION, "workshop_id": workshop["id"]},
        correlation_id,
    )
    program = post(
        stack,
        api_key,
        "/programs",
        {"delegation_id": delegation["id"], "title": title, "topics": ["family_support"]},
        correlation_id,
    )
    return delegation, program


def rows(url, query, **params):
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return [dict(r._mapping) for r in connection.execute(sa.text(query), params)]
    finally:
        engine.dispose()


def emails(stack):
    return mailsink.read_messages(stack.mail_dir)


def parked(stack, service):
    return json.loads(stack.ops(service, "parked", "list", "--json"))
