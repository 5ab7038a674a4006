"""`json_http`: nameko's HTTP entrypoint speaking JSON, with API keys and
errors a client can act on.

Every error is a JSON body `{"error": code, "message": ..., "fields": [{"path",
"message"}], "correlation_id": ...}` with a 4xx status; an unexpected failure
is a 500 with the correlation id and never a stack trace.
"""
from __future__ import annotations

import json
from functools import partial

import structlog
from eventlet.event import Event
from marshmallow import ValidationError
from nameko.web.handlers import HttpRequestHandler
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from . import apikeys
from .database import Store
from .envelope import flatten_errors, new_correlation_id, valid_correlation_id
from .logs import CORRELATION_HEADER

log = structlog.get_logger(__name__)

DEFAULT_MAX_BODY_BYTES = 1_000_000


class ApiError(Exception):
    """An error the client caused, with an HTTP status and a stable code."""

    def __init__(self, status: int, code: str, message: str, fields=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields or []


class NotFound(ApiError):
    def __init__(self, message: str):
        super().__init__(404, "not_found", message)


class Conflict(ApiError):
    def __init__(self, message: str, fields=None):
        super().__init__(409, "conflict", message, fields)


def json_response(status: int, body, correlation_id: str | None = None) -> Response:
    headers = {CORRELATION_HEADER: correlation_id} if correlation_id else {}
    return Response(json.dumps(body, ensure_ascii=False, default=str), status=status,
                    headers=headers, mimetype="application/json")


def read_json(request) -> dict:
    """The request's JSON object body, or a 400/415 the client understands."""
    if request.mimetype != "application/json":
        raise ApiError(415, "unsupported_media_type", "send the body as application/json")
    try:
        body = json.loads(request.get_data(cache=True) or b"null")
    except ValueError as exc:
        raise ApiError(400, "malformed_json", f"the body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise ApiError(400, "malformed_json", "the body must be a JSON object")
    return body


def error_body(exc: BaseException) -> tuple[int, dict]:
    if isinstance(exc, ApiError):
        return exc.status, {"error": exc.code, "message": exc.message, "fields": exc.fields}
    if isinstance(exc, ValidationError):
        fields = [{"path": path, "message": message}
                  for path, message in flatten_errors(exc.messages)]
        return 422, {"error": "invalid", "message": "some fields are invalid", "fields": fields}
    if isinstance(exc, HTTPException) and exc.code and exc.code < 500:
        return exc.code, {"error": exc.name.lower().replace(" ", "_"),
                          "message": exc.description, "fields": []}
    return 500, {"error": "internal", "message": "something went wrong on our side; "
                 "quote the correlation id when you report it", "fields": []}


class JsonHttp(HttpRequestHandler):
    def __init__(self, method, url, *, public: bool = False,
                 max_body_bytes: int = DEFAULT_MAX_BODY_BYTES, **kwargs):
        self.public = public
        self.max_body_bytes = max_body_bytes
        # client errors are logged as warnings, not as worker crashes
        kwargs.setdefault("expected_exceptions", (ApiError, ValidationError))
        super().__init__(method, url, **kwargs)

    def setup(self):
        super().setup()
        self.store = Store.for_url(self.container.config["DATABASE_URL"])

    def handle_request(self, request):
        request.shallow = False  # nameko's server hands over a shallow request
        request.max_content_length = self.max_body_bytes
        header = request.headers.get(CORRELATION_HEADER)
        correlation_id = header if valid_correlation_id(header) else new_correlation_id()
        try:
            if request.content_length and request.content_length > self.max_body_bytes:
                raise ApiError(413, "too_large",
                               f"the body is larger than {self.max_body_bytes} bytes")
            if not self.public:
                request.environ["rueda.client"] = self._authenticate(request)
            args, kwargs = self.get_entrypoint_parameters(request)
            self.check_signature(args, kwargs)
            done = Event()
            self.container.spawn_worker(
                self, args, kwargs, context_data={"correlation_id": correlation_id},
                handle_result=partial(self.handle_result, done))
            result, exc_info = done.wait()
            if exc_info is not None:
                raise exc_info[1]
            return self.response_from_result(result, correlation_id)
        except Exception as exc:
            return self.response_from_exception(exc, correlation_id)

    def _authenticate(self, request) -> str:
        key = request.headers.get("X-API-Key")
        auth = request.headers.get("Authorization", "")
        if not key and auth.lower().startswith("bearer "):
            key = auth[7:].strip()
        client = apikeys.authenticate(self.store, key)
        if client is None:
            raise ApiError(401, "unauthorized",
                           "send a valid API key in the X-API-Key header")
        return client

    def handle_result(self, event, worker_ctx, result, exc_info):
        event.send((result, exc_info))
        return result, exc_info

    def response_from_result(self, result, correlation_id=None):
        if isinstance(result, Response):
            result.headers[CORRELATION_HEADER] = correlation_id
            return result
        status, body = result if isinstance(result, tuple) else (200, result)
        return json_response(status, body, correlation_id)

    def response_from_exception(self, exc, correlation_id=None):
        status, body = error_body(exc)
        body["correlation_id"] = correlation_id
        if status >= 500:
            log.error("http.failed", path=self.url, correlation_id=correlation_id,
                      error=f"{type(exc).__name__}: {exc}", exc_info=exc)
        return json_response(status, body, correlation_id)


json_http = JsonHttp.decorator
