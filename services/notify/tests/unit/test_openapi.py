"""The committed OpenAPI document is what notify's schemas generate, and it
documents every route the service serves."""

import json

from notify import api
from notify.service import NotifyService
from rueda_backbone import openapi as oas


def test_committed_openapi_document_is_generated_from_the_schemas():
    committed = json.loads(api.DOCUMENT.read_text(encoding="utf-8"))
    assert committed == api.openapi(), "run `python -m notify.api` in services/notify"


def test_every_http_route_is_in_the_openapi_document_and_nothing_else():
    documented = {
        (method.upper(), path)
        for path, operations in api.openapi()["paths"].items()
        for method in operations
    }
    assert oas.routes(NotifyService) == documented


def test_the_document_is_valid_openapi():
    assert oas.problems(api.openapi()) == []


def test_errors_are_documented_with_the_json_error_body():
    document = api.openapi()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for code, response in operation["responses"].items():
                if code.startswith("4"):
                    assert response["content"]["application/json"]["schema"] == oas.ERROR_REF, (
                        method,
                        path,
                        code,
                    )
    assert document["components"]["securitySchemes"]["apiKey"] == oas.SECURITY_SCHEME
