"""rueda_backbone.openapi, the part of the OpenAPI documents matching,
followup and notify share, and the check that stands in for a full OpenAPI
validator."""

import copy
import json

import pytest

# the services that build documents depend on apispec; the backbone does not
apispec = pytest.importorskip("apispec")
from apispec.ext.marshmallow import MarshmallowPlugin  # noqa: E402
from marshmallow import Schema, fields  # noqa: E402

from rueda_backbone import json_http  # noqa: E402
from rueda_backbone import openapi as oas  # noqa: E402
from rueda_backbone.health import health_endpoint  # noqa: E402


class ThingForm(Schema):
    name = fields.String(required=True)


class ThingQuery(Schema):
    limit = fields.Integer()


class Service:
    name = "things"

    @json_http("GET", "/things")
    def list_things(self, request): ...

    @json_http("PUT", "/things/<string:thing_id>/parts/<part>")
    def put_part(self, request, thing_id, part): ...

    @json_http("GET", "/openapi.json", public=True)
    def openapi(self, request): ...

    health = health_endpoint()


def build():
    spec = apispec.APISpec(
        title="things", version="1", openapi_version="3.1.0", plugins=[MarshmallowPlugin()]
    )
    return oas.document(
        spec,
        {
            ("GET", "/things"): oas.operation(
                "list_things", "Things", path="/things", query=ThingQuery
            ),
            ("PUT", "/things/{thing_id}/parts/{part}"): oas.operation(
                "put_part",
                "A part",
                path="/things/{thing_id}/parts/{part}",
                request=ThingForm,
                response=ThingForm,
                errors=[409],
            ),
        },
    )


def test_routes_are_the_json_http_entrypoints_in_openapi_form_without_the_probes():
    assert oas.routes(Service) == {
        ("GET", "/things"),
        ("GET", "/openapi.json"),
        ("PUT", "/things/{thing_id}/parts/{part}"),
    }


def test_a_built_document_is_valid_and_documents_every_route():
    document = build()
    assert oas.problems(document) == []
    assert {(m.upper(), p) for p, ops in document["paths"].items() for m in ops} == oas.routes(
        Service
    )


def test_errors_use_the_json_error_body_and_only_the_document_itself_is_public():
    document = build()
    put = document["paths"]["/things/{thing_id}/parts/{part}"]["put"]
    assert set(put["responses"]) == {"200", "400", "401", "404", "409", "413", "415", "422"}
    assert put["responses"]["409"]["content"]["application/json"]["schema"] == oas.ERROR_REF
    assert document["components"]["schemas"]["Error"] == oas.ERROR_SCHEMA
    assert put["security"] == [{"apiKey": []}]
    assert document["paths"]["/openapi.json"]["get"]["security"] == []
    assert [p["name"] for p in document["paths"]["/things"]["get"]["parameters"]] == ["limit"]


@pytest.mark.parametrize(
    "damage, expected",
    [
        (lambda d: d.update(openapi="3.0.3"), "not 3.1.x"),
        (
            lambda d: d["paths"]["/things/{thing_id}/parts/{part}"]["put"]["parameters"].pop(),
            "do not match the path",
        ),
        (
            lambda d: d["paths"]["/things"]["get"]["responses"].update(
                {"2OO": {"description": "x"}}
            ),
            "not a status code",
        ),
        (lambda d: d["components"]["schemas"].pop("ThingForm"), "does not resolve"),
        (lambda d: d["components"]["schemas"]["Error"].update(type="thing"), "not a JSON Schema"),
        (lambda d: d["paths"]["/things"]["get"].update(security=[{"bearer": []}]), "not defined"),
        (
            lambda d: d["paths"]["/openapi.json"]["get"].update(operationId="list_things"),
            "used twice",
        ),
    ],
)
def test_problems_finds_what_breaks_a_document(damage, expected):
    document = copy.deepcopy(build())
    damage(document)
    assert any(expected in problem for problem in oas.problems(document)), oas.problems(document)


def test_body_problems_checks_an_answer_against_its_documented_schema():
    document = build()
    path = "/things/{thing_id}/parts/{part}"
    assert oas.body_problems(document, "PUT", path, 200, {"name": "wheel"}) == []
    assert oas.body_problems(document, "PUT", path, 200, {"name": 3}) != []
    error = {
        "error": "invalid",
        "message": "m",
        "fields": [{"path": "name", "message": "x"}],
        "correlation_id": "c",
    }
    assert oas.body_problems(document, "PUT", path, 422, error) == []
    assert oas.body_problems(document, "PUT", path, 418, {}) == [
        f"PUT {path}: 418 is not documented"
    ]


class Answer:
    def __init__(self, status_code, body=None, content_type="application/json"):
        self.status_code = status_code
        self.content = b"" if body is None else json.dumps(body).encode()
        self.headers = {"Content-Type": content_type} if body is not None else {}
        self._body = body

    def json(self):
        return self._body


def test_response_problems_finds_the_template_and_checks_status_media_type_and_body():
    document = build()
    assert oas.template_of(document, "/things/7/parts/wheel") == "/things/{thing_id}/parts/{part}"
    assert oas.template_of(document, "/openapi.json") == "/openapi.json"
    assert oas.template_of(document, "/things/7") is None
    put = ("PUT", "/things/7/parts/wheel")
    assert oas.response_problems(document, *put, Answer(200, {"name": "w"})) == []
    assert oas.response_problems(document, *put, Answer(201, {"name": "w"})) != []
    assert oas.response_problems(document, *put, Answer(200, {"name": 1})) != []
    assert oas.response_problems(document, *put, Answer(200, "x", "text/csv")) != []
    assert oas.response_problems(document, "DELETE", "/things/7/parts/w", Answer(204)) != []
