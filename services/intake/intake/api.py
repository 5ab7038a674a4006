"""intake's HTTP API as an OpenAPI 3.1 document, generated from the same
marshmallow schemas the entrypoints load and dump (`GET /openapi.json`,
committed as docs/api/openapi.json; a test keeps the two equal)."""

from __future__ import annotations

import json
from pathlib import Path

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from . import domain, schemas
from .schemas import listing
from .usecases import KINDS

# the query string each list accepts
QUERIES = {
    "list_workshops": listing.WorkshopQuery,
    "list_staff": listing.StaffQuery,
    "workshop_delegations": listing.DelegationQuery,
    "workshop_forms": listing.WorkshopFormQuery,
}

VERSION = "2.0.0"
DOCUMENT = Path(__file__).resolve().parents[3] / "docs" / "api" / "openapi.json"

FORM_NAMES = {
    "program": "program profile",
    "interest": "programmatic interest form",
    "expression_of_interest": "expression of interest",
}

ERRORS = {
    "400": "malformed JSON or a bad Idempotency-Key",
    "401": "no valid API key",
    "404": "no such thing",
    "409": "refused in this state (deadline passed, already withdrawn, stale revision...)",
    "413": "body too large (256 kB; 4 MB for an archive import)",
    "415": "body not sent as application/json",
    "422": "invalid fields (each with its path and message) or an Idempotency-Key reused for another request",
}


def _routes():
    """(method, path, operation id, summary, request schema, status, response schema)."""
    yield (
        "POST",
        "/workshops",
        "create_workshop",
        "Create a workshop (published as workshop_published)",
        schemas.WorkshopForm,
        201,
        schemas.WorkshopView,
    )
    yield (
        "GET",
        "/workshops/{workshop_id}",
        "get_workshop",
        "A workshop",
        None,
        200,
        schemas.WorkshopView,
    )
    yield (
        "PUT",
        "/workshops/{workshop_id}",
        "revise_workshop",
        "Revise a workshop (version + 1)",
        schemas.WorkshopForm,
        200,
        schemas.WorkshopView,
    )
    yield (
        "POST",
        "/workshops/{workshop_id}/late-windows",
        "grant_late_window",
        "Let a delegation submit one form after its deadline",
        schemas.LateWindowForm,
        201,
        schemas.WorkshopView,
    )
    yield (
        "POST",
        "/workshops/{workshop_id}/reminders",
        "request_reminders",
        "Remind delegations that have not submitted (one submission_reminder_requested each)",
        schemas.ReminderForm,
        202,
        schemas.ReminderView,
    )
    yield (
        "POST",
        "/workshops/{workshop_id}/archive-imports",
        "import_archive",
        "Load a past workshop's records (no deadlines; every revision kept as imported)",
        schemas.ArchiveImportForm,
        201,
        schemas.ArchiveImportView,
    )
    yield (
        "GET",
        "/workshops/{workshop_id}/programs",
        "workshop_programs",
        "The submitted program profiles of a workshop, to choose from in an interest form",
        None,
        200,
        schemas.FormListView,
    )
    yield (
        "POST",
        "/staff",
        "register_staff",
        "Register a member of the secretariat's staff",
        schemas.StaffForm,
        201,
        schemas.StaffView,
    )
    yield (
        "PUT",
        "/staff/{staff_id}",
        "revise_staff",
        "Revise a staff member",
        schemas.StaffForm,
        200,
        schemas.StaffView,
    )
    yield (
        "POST",
        "/delegations",
        "register_delegation",
        "Register a delegation for a workshop",
        schemas.DelegationRegistrationForm,
        201,
        schemas.DelegationView,
    )
    yield (
        "GET",
        "/delegations/{delegation_id}",
        "get_delegation",
        "A delegation (no email addresses)",
        None,
        200,
        schemas.DelegationView,
    )
    yield (
        "PUT",
        "/delegations/{delegation_id}",
        "revise_delegation",
        "Revise a registration (the whole delegation; version + 1)",
        schemas.DelegationRegistrationForm,
        200,
        schemas.DelegationView,
    )
    yield (
        "GET",
        "/delegations/{delegation_id}/versions",
        "delegation_versions",
        "Every revision of a registration",
        None,
        200,
        schemas.VersionsView,
    )
    yield (
        "POST",
        "/delegations/{delegation_id}/withdraw",
        "withdraw_delegation",
        "Withdraw a delegation from its workshop",
        None,
        200,
        schemas.DelegationView,
    )
    yield (
        "POST",
        "/delegates/{delegate_id}/erasure",
        "erase_delegate",
        "Erase a delegate's personal data on request",
        None,
        200,
        schemas.ErasureView,
    )
    for kind, spec in KINDS.items():
        path, name, form = f"/{spec['path']}", FORM_NAMES[kind], schemas.FORMS[kind]
        op = kind
        yield (
            "POST",
            path,
            f"submit_{op}",
            f"Submit a {name} (version 1)",
            form,
            201,
            schemas.FormView,
        )
        yield (
            "POST",
            f"{path}/drafts",
            f"create_{op}_draft",
            f"Save a draft {name}: partial, checked in full only when submitted",
            _partial(form),
            201,
            schemas.FormView,
        )
        yield (
            "GET",
            f"{path}/{{form_id}}",
            f"get_{op}",
            f"A {name}: latest revision, draft, state",
            None,
            200,
            schemas.FormView,
        )
        yield (
            "PUT",
            f"{path}/{{form_id}}",
            f"revise_{op}",
            f"Revise a {name} (version + 1; the latest wins)",
            form,
            200,
            schemas.FormView,
        )
        yield (
            "PUT",
            f"{path}/{{form_id}}/draft",
            f"save_{op}_draft",
            f"Replace the draft of a {name}",
            _partial(form),
            200,
            schemas.FormView,
        )
        yield (
            "POST",
            f"{path}/{{form_id}}/submit",
            f"submit_{op}_draft",
            f"Submit the saved draft of a {name}",
            None,
            200,
            schemas.FormView,
        )
        yield (
            "POST",
            f"{path}/{{form_id}}/withdraw",
            f"withdraw_{op}",
            f"Withdraw a {name}",
            None,
            200,
            schemas.FormView,
        )
        yield (
            "GET",
            f"{path}/{{form_id}}/versions",
            f"{op}_versions",
            f"Every revision of a {name}",
            None,
            200,
            schemas.VersionsView,
        )
    yield (
        "POST",
        "/programs/{form_id}/review",
        "review_program",
        "The secretariat accepts or returns a program profile",
        schemas.ReviewForm,
        200,
        schemas.FormView,
    )
    # read-only lists (the staff console), paginated with limit/offset
    yield (
        "GET",
        "/workshops",
        "list_workshops",
        "Every workshop, newest first",
        None,
        200,
        listing.WorkshopListView,
    )
    yield (
        "GET",
        "/staff",
        "list_staff",
        "The secretariat's staff members, by name",
        None,
        200,
        listing.StaffListView,
    )
    yield (
        "GET",
        "/staff/{staff_id}",
        "get_staff",
        "A staff member (no email address)",
        None,
        200,
        schemas.StaffView,
    )
    yield (
        "GET",
        "/workshops/{workshop_id}/delegations",
        "workshop_delegations",
        "A workshop's delegations, each with its forms' states and what it has not submitted",
        None,
        200,
        listing.DelegationListView,
    )
    yield (
        "GET",
        "/workshops/{workshop_id}/forms",
        "workshop_forms",
        "A workshop's forms by kind, state and review (review=pending: the review queue)",
        None,
        200,
        listing.WorkshopFormListView,
    )


_PARTIALS: dict = {}


def _partial(form_cls):
    """The same form with nothing required, for drafts."""
    if form_cls not in _PARTIALS:
        fields = {}
        for name, field in form_cls._declared_fields.items():
            copy = field.__class__.__new__(field.__class__)
            copy.__dict__.update(field.__dict__)
            copy.required = False
            fields[name] = copy
        _PARTIALS[form_cls] = type(f"{form_cls.__name__}Draft", (schemas.Form,), fields)
    return _PARTIALS[form_cls]


def openapi() -> dict:
    spec = APISpec(
        title="rueda intake",
        version=VERSION,
        openapi_version="3.1.0",
        plugins=[MarshmallowPlugin()],
        info={
            "description": (
                "The front door for a workshop's forms: workshops, staff, delegation registrations, "
                "program profiles (supply), programmatic interest forms (demand) and expressions of "
                "interest, with drafts, revisions, deadlines and late windows. Every change is "
                "published as an event (see asyncapi.json). Errors are JSON with a stable code and "
                "the path of every invalid field, in the language of Accept-Language (es, en, pt, fr)."
            )
        },
        servers=[{"url": "http://127.0.0.1:8001"}],
    )
    from rueda_backbone.openapi import state_input_policy

    state_input_policy(spec)  # the document says what the input policy refuses
    spec.components.security_scheme(
        "apiKey", {"type": "apiKey", "in": "header", "name": "X-API-Key"}
    )
    spec.components.schema("Error", schema=schemas.ErrorView)
    paths: dict = {}
    for method, path, operation_id, summary, request, status, response in _routes():
        parameters = [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            for name in _path_names(path)
        ]
        parameters.append(
            {
                "name": "Accept-Language",
                "in": "header",
                "required": False,
                "schema": {"type": "string"},
                "description": "es, en, pt or fr: the language of error messages",
            }
        )
        if operation_id in QUERIES:
            parameters.append({"in": "query", "schema": QUERIES[operation_id]})
        if method != "GET":
            parameters.append(
                {
                    "name": "Idempotency-Key",
                    "in": "header",
                    "required": False,
                    "schema": {
                        "type": "string",
                        "minLength": 1,
                        "maxLength": 200,
                        "pattern": "^[!-~]+$",
                    },
                    "description": "the same key and body get the same answer, once",
                }
            )
        operation = {
            "operationId": operation_id,
            "summary": summary,
            "parameters": parameters,
            "security": [{"apiKey": []}],
            "responses": {
                str(status): {
                    "description": "done",
                    "content": {"application/json": {"schema": response}},
                }
            },
        }
        for code, description in ERRORS.items():
            if (
                code == "422"
                and request is None
                and method == "GET"
                and operation_id not in QUERIES
            ):
                continue
            operation["responses"][code] = {
                "description": description,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            }
        if request is not None:
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": request}},
            }
        paths.setdefault(path, {})[method.lower()] = operation
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    spec.path(
        path="/openapi.json",
        operations={
            "get": {
                "operationId": "openapi",
                "summary": "This document",
                "security": [],
                "responses": {
                    "200": {
                        "description": "the OpenAPI document",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    }
                },
            }
        },
    )
    from rueda_backbone.openapi import apply_scopes

    from .service import IntakeService  # the entrypoints declare each operation's scope

    document = spec.to_dict()
    # a country is required unless the delegation is regional: said as the
    # conditional JSON Schema can state, beside the fields marshmallow gives
    for name in ("DelegationRegistrationForm", "ArchivedDelegation"):
        component = document["components"]["schemas"].get(name)
        if component is not None:
            component["allOf"] = [
                {
                    "if": {
                        "required": ["kind"],
                        "properties": {"kind": {"not": {"enum": sorted(domain.REGIONAL_KINDS)}}},
                    },
                    "then": {"required": ["country"]},
                }
            ]
    return apply_scopes(document, IntakeService)


def _path_names(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{")]


def write(path: Path = DOCUMENT) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(openapi(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    write()
