"""Every HTTP operation of every service, against the real processes: a key
without the operation's scope gets 403 naming it, a key with exactly that
scope gets past authorisation, and the contract pages answer without a key."""

from __future__ import annotations

import re

import pytest
import requests

from rueda_devkit.stack import SERVICES

pytestmark = [pytest.mark.e2e, pytest.mark.broker]

PARAM = re.compile(r"\{[^}]+\}")


def operations(document: dict):
    for path, methods in document["paths"].items():
        for method, op in methods.items():
            scopes = [
                s for requirement in op.get("security", []) for s in requirement.get("apiKey", [])
            ]
            if scopes:
                yield method.upper(), PARAM.sub("no-such-id", path), scopes[0]


def call(url: str, method: str, key: str):
    return requests.request(
        method,
        url,
        json={} if method in ("POST", "PUT") else None,
        headers={"X-API-Key": key},
        timeout=30,
    )


def test_every_operation_needs_its_scope_and_the_contract_pages_need_no_key(make_stack):
    stack = make_stack("sqlite")
    keys: dict[tuple[str, str], str] = {}
    documents = {}
    for service in SERVICES:
        keys[(service, "none")] = stack.ops(
            service, "api-key", "create", "outsider", "--scope", f"{service}:nothing-at-all"
        )
    stack.start_all()
    checked = 0
    for service in SERVICES:
        base = stack.url(service)
        for page in ("/docs", "/docs/events", "/asyncapi.json", "/openapi.json"):
            assert requests.get(f"{base}{page}", timeout=10).status_code == 200, (service, page)
        documents[service] = requests.get(f"{base}/openapi.json", timeout=10).json()
        for method, path, scope in operations(documents[service]):
            if (service, scope) not in keys:
                keys[(service, scope)] = stack.ops(
                    service, "api-key", "create", f"k-{len(keys)}", "--scope", scope
                )
            refused = call(f"{base}{path}", method, keys[(service, "none")])
            assert refused.status_code == 403, (service, method, path, refused.text)
            assert scope in refused.json()["message"], (service, method, path)
            allowed = call(f"{base}{path}", method, keys[(service, scope)])
            assert allowed.status_code not in (401, 403), (service, method, path, allowed.text)
            checked += 1
    assert checked > 60
