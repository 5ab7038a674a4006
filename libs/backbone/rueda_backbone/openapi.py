"""What every service's OpenAPI 3.1 document shares: the API key scheme, the
JSON error body `json_http` answers with, the public `GET /openapi.json`, the
routes a service class serves, and a structural check of a document.

Services build their operations with apispec and its MarshmallowPlugin (a
service dependency, not a backbone one): `document` only calls methods on the
`APISpec` it is given, so the backbone does not need apispec installed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from .health import Probe
from .logs import CORRELATION_HEADER
from .web import JsonHttp

SECURITY_SCHEME = {
    "type": "apiKey",
    "in": "header",
    "name": "X-API-Key",
    "description": "a client's API key (`Authorization: Bearer <key>` works too)",
}

ERROR_SCHEMA = {
    "type": "object",
    "description": "every 4xx (and 500) answer: a stable code, a message, the fields at fault",
    "required": ["error", "message", "fields", "correlation_id"],
    "properties": {
        "error": {
            "type": "string",
            "description": "stable code, e.g. invalid, not_found, conflict",
        },
        "message": {"type": "string"},
        "fields": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["path", "message"],
                "properties": {
                    "path": {"type": "string", "description": "e.g. pins.0.session"},
                    "message": {"type": "string"},
                },
            },
        },
        "correlation_id": {
            "type": "string",
            "description": f"also in the {CORRELATION_HEADER} header; quote it",
        },
    },
}

ERRORS = {
    "400": "malformed JSON, or a query parameter out of its range",
    "401": "no valid API key",
    "404": "no such thing",
    "409": "refused in this state",
    "413": "body too large",
    "415": "body not sent as application/json",
    "422": "invalid fields, each with its path and message",
}

ERROR_REF = {"$ref": "#/components/schemas/Error"}

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_WERKZEUG_PARAM = re.compile(r"<(?:[^<>:]+:)?([^<>:]+)>")


def openapi_path(url: str) -> str:
    """`/a/<string:b>` (werkzeug) as `/a/{b}` (OpenAPI)."""
    return _WERKZEUG_PARAM.sub(r"{\1}", url)


def path_names(path: str) -> list[str]:
    return re.findall(r"{([^{}]+)}", path)


_ANY = re.compile(r"<any\((?P<choices>[^)]*)\):(?P<name>[^<>]+)>")


def _expanded(url: str) -> list[str]:
    """A werkzeug URL with `<any(a, b):x>` as the paths it stands for."""
    match = _ANY.search(url)
    if match is None:
        return [url]
    choices = [c.strip().strip("'\"") for c in match["choices"].split(",")]
    return [
        path
        for choice in choices
        for path in _expanded(url[: match.start()] + choice + url[match.end() :])
    ]


def routes(service_cls) -> set[tuple[str, str]]:
    """(METHOD, OpenAPI path) of every `json_http` entrypoint of a service class.
    The health and metrics probes are left out: they are the same on every
    service and documented in docs/operations.md."""
    found = set()
    for name in dir(service_cls):
        for entrypoint in getattr(getattr(service_cls, name), "nameko_entrypoints", ()):
            if isinstance(entrypoint, JsonHttp) and not isinstance(entrypoint, Probe):
                found.update(
                    (entrypoint.method.upper(), openapi_path(url))
                    for url in _expanded(entrypoint.url)
                )
    return found


def operation(
    operation_id: str,
    summary: str,
    *,
    path: str,
    status: int = 200,
    response=None,
    request=None,
    query=None,
    errors=(),
    content=None,
    params: dict | None = None,
    parameters=(),
    body_required: bool = True,
    description: str | None = None,
) -> dict:
    """One operation: path parameters from the path (`params` overrides their
    schema or description), `query` a marshmallow schema (apispec turns it
    into one parameter per field), `parameters` more as OpenAPI dicts,
    `response` the schema of the success body (or `content`, media type ->
    schema, when it is not only JSON). 401 always; 404 with path parameters;
    400, 413, 415 and 422 with a body; 422 with a query schema; `errors` adds
    more."""
    declared = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "string"},
            **(params or {}).get(name, {}),
        }
        for name in path_names(path)
    ]
    declared += list(parameters)
    if query is not None:
        declared.append({"in": "query", "schema": query})
    codes = {"401", *map(str, errors)}
    if path_names(path):
        codes.add("404")
    if request is not None:
        codes |= {"400", "413", "415", "422"}
    if query is not None or any(p.get("in") == "query" for p in declared):
        # 400: a query value with a control character or line break
        codes |= {"400", "422"} if query is not None else {"400"}
    if content is None:
        content = {
            "application/json": {"schema": response if response is not None else {"type": "object"}}
        }
    else:
        content = {media: {"schema": schema} for media, schema in content.items()}
    success = (
        {"description": "done", "content": content}
        if status != 204
        else {"description": "done, nothing to say"}
    )
    op = {
        "operationId": operation_id,
        "summary": summary,
        "security": [{"apiKey": []}],
        "responses": {str(status): success},
    }
    if description:
        op["description"] = description
    if declared:
        op["parameters"] = declared
    if request is not None:
        op["requestBody"] = {
            "required": body_required,
            "content": {"application/json": {"schema": request}},
        }
    for code in sorted(codes):
        op["responses"][code] = {
            "description": ERRORS[code],
            "content": {"application/json": {"schema": ERROR_REF}},
        }
    return op


# JSON Schema (ECMA-262) patterns that say what rueda_backbone.fields refuses
TEXT_PATTERN = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$"
LINE_PATTERN = "^[^\\u0000-\\u0008\\u000a-\\u001f\\u007f-\\u009f\\u2028\\u2029]*$"
YEAR_PATTERN = "^(19|20|21)[0-9]{2}-"


def _owner(field):
    node = field
    while node is not None and not hasattr(node, "fields"):
        node = getattr(node, "parent", None)
    return node


def stated_policy(self, field, ret, **_kwargs):
    """apispec attribute function: the input policy of a field of an
    InputSchema or Reader, as the document states it (a pattern), so a
    client can know before sending what will be refused."""
    from marshmallow import fields as mf

    from . import fields as policy

    if not isinstance(_owner(field), policy.InputPolicy):
        return {}
    if isinstance(field, (policy.AwareDateTime, policy.Date)):
        return {"pattern": YEAR_PATTERN}
    if (
        isinstance(field, mf.String)
        and not isinstance(field, (mf.Email, mf.UUID, mf.URL))
        and "pattern" not in ret
        and "enum" not in ret
    ):
        return {"pattern": TEXT_PATTERN if isinstance(field, policy.Text) else LINE_PATTERN}
    return {}


def state_input_policy(spec) -> None:
    """Make a spec's MarshmallowPlugin state the input policy (idempotent)."""
    for plugin in spec.plugins:
        converter = getattr(plugin, "converter", None)
        if converter is not None and stated_policy not in [
            getattr(f, "__func__", None) for f in converter.attribute_functions
        ]:
            converter.add_attribute_function(stated_policy)


def document(spec, operations: dict) -> dict:
    """The finished document: `operations` maps (METHOD, path) to `operation(...)`;
    the API key scheme, the Error schema and `GET /openapi.json` are added here."""
    state_input_policy(spec)
    spec.components.security_scheme("apiKey", SECURITY_SCHEME)
    spec.components.schema("Error", component=ERROR_SCHEMA)
    paths: dict = {}
    for (method, path), op in operations.items():
        paths.setdefault(path, {})[method.lower()] = op
    paths["/openapi.json"] = {
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
    }
    for path, ops in paths.items():
        spec.path(path=path, operations=ops)
    return spec.to_dict()


IDEMPOTENCY_PARAMETER = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "send one with every change a client may retry: the same key and body "
    "get the first answer again, another body under the key 422",
    "schema": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[!-~]+$"},
}


def _state_parameters(op: dict, entrypoint) -> None:
    """What the HTTP layer refuses in parameters, said in the document: query
    strings without controls or line breaks (400 otherwise), and the
    Idempotency-Key's shape on the operations that take one."""
    params = [p for p in op.get("parameters", []) if p.get("name") != "Idempotency-Key"]
    for param in params:
        schema = param.get("schema") or {}
        if (
            param.get("in") == "query"
            and schema.get("type") == "string"
            and not {"pattern", "enum", "format"} & schema.keys()
        ):
            param["schema"] = {**schema, "pattern": LINE_PATTERN}
    if getattr(entrypoint, "idempotent", False):
        params.append(dict(IDEMPOTENCY_PARAMETER))
        op.setdefault("responses", {}).setdefault(
            "400",
            {"description": ERRORS["400"], "content": {"application/json": {"schema": ERROR_REF}}},
        )
    if params:
        op["parameters"] = params


def _shape(path: str) -> str:
    """A path template without its parameters' names ({form_id} = {program_id})."""
    return re.sub(r"\{[^}]+\}", "{}", path)


def apply_scopes(doc: dict, service_cls) -> dict:
    """Write each operation's scope (from its entrypoint, the single source)
    into its security requirement, with the 403 a key without it gets; and
    state the HTTP layer's rules on its parameters."""
    service = service_cls.name
    by_route = {}
    for name in dir(service_cls):
        for entrypoint in getattr(getattr(service_cls, name), "nameko_entrypoints", ()):
            if isinstance(entrypoint, JsonHttp) and not isinstance(entrypoint, Probe):
                for url in _expanded(entrypoint.url):
                    by_route[(entrypoint.method.lower(), _shape(openapi_path(url)))] = entrypoint
    for path, operations in doc.get("paths", {}).items():
        for method, op in operations.items():
            entrypoint = by_route.get((method, _shape(path)))
            if entrypoint is None or entrypoint.public:
                continue
            _state_parameters(op, entrypoint)
            scope = entrypoint.scope_for(service)
            op["security"] = [{"apiKey": [scope]}]
            op.setdefault("responses", {})["403"] = {
                "description": f"the API key lacks the scope {scope}",
                "content": {"application/json": {"schema": ERROR_REF}},
            }
            op["x-rueda-scope"] = scope
    return doc


def dumps(doc: dict) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def write(doc: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dumps(doc), encoding="utf-8")


def problems(doc: dict) -> list[str]:
    """What makes `doc` not a valid OpenAPI 3.1 document, as far as the parts
    rueda uses go (openapi-spec-validator is not a dependency). Imports
    jsonschema, a dev dependency: only tests call this."""
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    found: list[str] = []
    if not re.fullmatch(r"3\.1\.\d+", str(doc.get("openapi", ""))):
        found.append(f"openapi: {doc.get('openapi')!r} is not 3.1.x")
    info = doc.get("info") or {}
    for key in ("title", "version"):
        if not isinstance(info.get(key), str):
            found.append(f"info.{key} missing")
    components = doc.get("components") or {}
    schemes = components.get("securitySchemes") or {}
    for name, scheme in schemes.items():
        if scheme.get("type") == "apiKey" and scheme.get("in") not in ("query", "header", "cookie"):
            found.append(f"securitySchemes.{name}: apiKey 'in' must be query, header or cookie")

    def check_schema(where, schema):
        if isinstance(schema, dict) and "$ref" not in schema:
            try:
                Draft202012Validator.check_schema(schema)
            except SchemaError as exc:
                found.append(f"{where}: not a JSON Schema: {exc.message}")

    for name, schema in (components.get("schemas") or {}).items():
        check_schema(f"components.schemas.{name}", schema)

    operation_ids: dict = {}
    paths = doc.get("paths")
    if not isinstance(paths, dict):
        return found + ["paths missing"]
    for path, item in paths.items():
        if not path.startswith("/"):
            found.append(f"{path}: a path starts with /")
        for method, op in item.items():
            where = f"{method.upper()} {path}"
            if method not in _METHODS:
                if method not in ("summary", "description", "servers", "parameters", "$ref"):
                    found.append(f"{where}: not an HTTP method")
                continue
            if op.get("operationId") in operation_ids:
                found.append(f"{where}: operationId {op['operationId']!r} used twice")
            operation_ids[op.get("operationId")] = where
            declared = set()
            for parameter in op.get("parameters", []):
                key = (parameter.get("name"), parameter.get("in"))
                if key[1] not in ("query", "header", "path", "cookie") or not key[0]:
                    found.append(f"{where}: parameter {key} needs a name and a valid 'in'")
                if key in declared:
                    found.append(f"{where}: parameter {key} declared twice")
                declared.add(key)
                if key[1] == "path" and parameter.get("required") is not True:
                    found.append(f"{where}: path parameter {key[0]} must be required")
                if ("schema" in parameter) == ("content" in parameter):
                    found.append(f"{where}: parameter {key[0]} needs a schema or a content")
                check_schema(f"{where} parameter {key[0]}", parameter.get("schema"))
            in_path = {name for name, where_ in declared if where_ == "path"}
            if in_path != set(path_names(path)):
                found.append(f"{where}: path parameters {sorted(in_path)} do not match the path")
            responses = op.get("responses")
            if not responses:
                found.append(f"{where}: no responses")
            for code, response in (responses or {}).items():
                if not re.fullmatch(r"[1-5](\d\d|XX)|default", code):
                    found.append(f"{where}: {code!r} is not a status code")
                if not isinstance(response.get("description"), str):
                    found.append(f"{where} {code}: a response needs a description")
                for media, body in (response.get("content") or {}).items():
                    check_schema(f"{where} {code} {media}", body.get("schema"))
            body = op.get("requestBody")
            if body is not None:
                if not body.get("content"):
                    found.append(f"{where}: requestBody without content")
                for media, content in (body.get("content") or {}).items():
                    check_schema(f"{where} body {media}", content.get("schema"))
            for requirement in op.get("security", doc.get("security", [])):
                for name in requirement:
                    if name not in schemes:
                        found.append(f"{where}: security scheme {name!r} not defined")

    def refs(node):
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                yield node["$ref"]
            for value in node.values():
                yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    for ref in set(refs(doc)):
        target = doc
        for part in ref.removeprefix("#/").split("/") if ref.startswith("#/") else [None]:
            part = part and part.replace("~1", "/").replace("~0", "~")
            if not isinstance(target, dict) or part not in target:
                found.append(f"$ref {ref!r} does not resolve in the document")
                break
            target = target[part]
    return found


def body_problems(doc: dict, method: str, path: str, status: int, body) -> list[str]:
    """Where a JSON answer differs from what `doc` documents for it (`path` as
    in the document, e.g. /things/{thing_id}). Tests only, like `problems`."""
    from jsonschema import Draft202012Validator

    responses = doc["paths"][path][method.lower()]["responses"]
    response = responses.get(str(status)) or responses.get("default")
    if response is None:
        return [f"{method} {path}: {status} is not documented"]
    schema = response.get("content", {}).get("application/json", {}).get("schema")
    if schema is None:
        return [f"{method} {path} {status}: no JSON body is documented"]
    # the document's components travel along so that its $refs resolve
    validator = Draft202012Validator(
        {**schema, "components": doc.get("components", {})},
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )
    return [
        f"{'/'.join(map(str, error.absolute_path)) or '$'}: {error.message}"
        for error in validator.iter_errors(body)
    ]


def template_of(doc: dict, url_path: str) -> str | None:
    """The document's path (`/things/{thing_id}`) a concrete path (`/things/7`) is
    an instance of; a literal path wins over a template."""
    if url_path in doc["paths"]:
        return url_path
    for template in doc["paths"]:
        pattern = re.sub(r"\\{[^{}]+\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, url_path):
            return template
    return None


def response_problems(doc: dict, method: str, url_path: str, response) -> list[str]:
    """Where a real answer (a `requests` response to `method url_path`) is not
    what `doc` says: an undocumented status or media type, or a JSON body that
    does not match its schema. Tests only, like `problems`."""
    template = template_of(doc, url_path.split("?")[0])
    operation = doc["paths"].get(template, {}).get(method.lower()) if template else None
    if operation is None:
        return [f"{method} {url_path}: not in the document"]
    documented = operation["responses"].get(str(response.status_code))
    if documented is None:
        return [f"{method} {template}: {response.status_code} is not documented"]
    media = response.headers.get("Content-Type", "").split(";")[0].strip()
    content = documented.get("content") or {}
    if not content:
        return (
            [f"{method} {template} {response.status_code}: documented without a body"]
            if response.content
            else []
        )
    if media not in content:
        return [f"{method} {template} {response.status_code}: {media!r} is not documented"]
    if media != "application/json":
        return []
    return [
        f"{method} {template} {response.status_code}: {problem}"
        for problem in body_problems(doc, method, template, response.status_code, response.json())
    ]
