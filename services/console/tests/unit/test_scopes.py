"""The console's keys get exactly the scopes its pages need: each one is a
scope the service's OpenAPI document names (or act-for-staff, so services
record the signed-in person), and none of the services' operations scopes."""

import json
from pathlib import Path

import pytest
from console.gateway import SCOPES, key_command

DOCS = Path(__file__).resolve().parents[4] / "docs" / "api"
DOCUMENTS = {
    "intake": "openapi.json",
    "matching": "matching.openapi.json",
    "followup": "followup.openapi.json",
    "notify": "notify.openapi.json",
}


def scopes_in(document: str) -> set[str]:
    spec = json.loads((DOCS / document).read_text())
    return {
        scope
        for operations in spec["paths"].values()
        for operation in operations.values()
        if isinstance(operation, dict)
        for requirement in operation.get("security") or ()
        for scopes in requirement.values()
        for scope in scopes
    }


@pytest.mark.parametrize("service", sorted(SCOPES))
def test_each_scope_is_one_the_service_documents(service):
    documented = scopes_in(DOCUMENTS[service])
    assert set(SCOPES[service]) - {f"{service}:act-for-staff"} <= documented
    assert f"{service}:act-for-staff" in SCOPES[service]
    assert not any(scope.endswith(":*") or scope == "*" for scope in SCOPES[service])


def test_the_console_cannot_reach_the_services_operations():
    granted = {scope for scopes in SCOPES.values() for scope in scopes}
    assert not granted & {
        "intake:delegates:erase",
        "intake:archive:import",
        "intake:forms:write",
        "notify:write",
    }


def test_the_key_command_names_every_scope():
    assert key_command("matching") == [
        "api-key",
        "create",
        "console",
        "--scope",
        "matching:read",
        "--scope",
        "matching:write",
        "--scope",
        "matching:schedules:publish",
        "--scope",
        "matching:act-for-staff",
    ]
