"""Driving the suite from outside, as the end-to-end tests and benchmarks do:
post the example forms, read the effects."""
import json
import uuid

import requests
import sqlalchemy as sa
from rueda_devkit import mailsink

REGISTRATION = {
    "country": "Ecuador", "institution": "Ministerio de Inclusión Económica y Social",
    "kind": "ministry",
    "delegates": [{"name": "Carmen", "email": "carmen@example.org", "language": "es"}],
}


def post(stack, api_key, path, body, correlation_id=None):
    response = requests.post(f"{stack.url('intake')}{path}", json=body, timeout=10, headers={
        "X-API-Key": api_key, "X-Correlation-ID": correlation_id or uuid.uuid4().hex})
    assert response.status_code == 201, response.text
    return response.json()


def register_and_submit(stack, api_key, title="Creciendo con Nuestra Familia", correlation_id=None):
    delegation = post(stack, api_key, "/delegations", REGISTRATION, correlation_id)
    program = post(stack, api_key, "/programs", {"delegation_id": delegation["id"], "title": title,
                                                 "topics": ["family_support"]}, correlation_id)
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
