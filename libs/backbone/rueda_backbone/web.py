"""`json_http`: nameko's HTTP entrypoint speaking JSON, with API keys,
errors a client can act on and, for endpoints that opt in, Idempotency-Key.

Every error is a JSON body `{"error": code, "message": ..., "fields": [{"path",
"message"}], "correlation_id": ...}` with a 4xx status; an unexpected failure
is a 500 with the correlation id and never a stack trace. Use cases raise
`rueda_backbone.errors.DomainError`s; the service's `ErrorMapping` (the
class attribute `errors` of its nameko class) gives their status and the
language of their messages.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from datetime import UTC, datetime
from functools import partial
from urllib.parse import unquote

import eventlet
import sqlalchemy as sa
import structlog
from eventlet.event import Event
from marshmallow import ValidationError
from nameko.web.handlers import HttpRequestHandler
from nameko.web.server import WebServer, WsgiApp
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.wrappers import Request, Response

from . import apikeys, tables
from .database import Store
from .envelope import flatten_errors, new_correlation_id, valid_correlation_id
from .errors import DEFAULT_MAPPING, Conflict, DomainError, ErrorMapping, NotFound  # noqa: F401
from .logs import CORRELATION_HEADER
from .outbox import StaffActor

log = structlog.get_logger(__name__)

DEFAULT_MAX_BODY_BYTES = 1_000_000
# what no path or query value may hold: controls (NUL included) and line breaks
_UNSAFE_IN_URL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")  # a tab may stay
CONTROL_MESSAGE = "must not contain control characters or line breaks"
IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")
# how long a duplicate waits for the first request's answer before a 409
IDEMPOTENCY_WAIT_SECONDS = 10.0


class ApiError(Exception):
    """An error of the HTTP exchange itself (no key, a body that is not JSON,
    too large), with its status and a stable code. Rules of the domain raise
    `DomainError`s instead."""

    def __init__(self, status: int, code: str, message: str, fields=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields or []


def json_response(status: int, body, correlation_id: str | None = None) -> Response:
    headers = {CORRELATION_HEADER: correlation_id} if correlation_id else {}
    return Response(
        json.dumps(body, ensure_ascii=False, default=str),
        status=status,
        headers=headers,
        mimetype="application/json",
    )


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


def error_body(
    exc: BaseException, mapping: ErrorMapping = DEFAULT_MAPPING, language: str = "en"
) -> tuple[int, dict]:
    text = partial(mapping.text, language=language)
    if isinstance(exc, (ApiError, DomainError)):
        status = exc.status if isinstance(exc, ApiError) else mapping.status_of(exc)
        return status, {
            "error": exc.code,
            "message": text(exc.message),
            "fields": [{**f, "message": text(f["message"])} for f in exc.fields],
        }
    if isinstance(exc, ValidationError):
        fields = [
            {"path": path, "message": text(message)}
            for path, message in flatten_errors(exc.messages)
        ]
        return 422, {
            "error": "invalid",
            "message": text("some fields are invalid"),
            "fields": fields,
        }
    if isinstance(exc, HTTPException) and exc.code and exc.code < 500:
        return exc.code, {
            "error": exc.name.lower().replace(" ", "_"),
            "message": exc.description,
            "fields": [],
        }
    return 500, {
        "error": "internal",
        "message": "something went wrong on our side; quote the correlation id when you report it",
        "fields": [],
    }


def fingerprint(method: str, path: str, body: bytes) -> str:
    """What makes two requests the same: method, path and the JSON they carry."""
    try:
        canonical = json.dumps(json.loads(body or b"null"), sort_keys=True, separators=(",", ":"))
    except ValueError:
        canonical = body.decode("utf-8", "replace")
    return hashlib.sha256(f"{method} {path}\n{canonical}".encode()).hexdigest()


def _as_json(body):
    """The answer as the JSON column keeps it (dates and ids as strings)."""
    return json.loads(json.dumps(body, default=str))


class KeyInUse(Exception):
    """The request's Idempotency-Key was claimed before (or is being used
    right now): the first request's answer is the answer."""


# one statement that claims a key or finds it taken, on SQLite and PostgreSQL
# alike (written out: SQLAlchemy compiles its dialects' on-conflict inserts
# anew on every execution)
_CLAIM = sa.text(
    f"INSERT INTO {tables.idempotent_request.name} "
    '(client, "key", fingerprint, status, response, created_at) '
    "VALUES (:client, :key, :fingerprint, :status, :response, :created_at) "
    "ON CONFLICT DO NOTHING"
).bindparams(
    sa.bindparam("created_at", type_=tables.idempotent_request.c.created_at.type),
    sa.bindparam("response", type_=tables.idempotent_request.c.response.type),
)


class Idempotency:
    """The Idempotency-Key protocol for one request (`json_http(...,
    idempotent=True)`).

    The key is claimed by a row written at the end of the request's first
    transaction (`Transactions.transaction` calls `claim`), so the effect and
    the claim commit or vanish together; an endpoint that hands its answer
    to `self.db.answer(...)` inside that transaction has it written in the
    claim itself (one statement), any other has it added right after. A copy
    of a request that finds the key taken rolls its own effect back and gets
    the first one's answer, and so does a copy whose effect failed because
    the first one's came before it (a draft already submitted, an id already
    taken: `earlier_answer`). A different request under the same key gets
    422; a copy that runs while the first is still running waits for its
    answer (on PostgreSQL the claim itself waits for the first one's
    commit), and gets 409 if the first one's answer was lost (its process
    died between two commits: the effect happened, so it is never done twice).
    """

    def __init__(self, store: Store, client: str, key: str, print_: str):
        self.store = store
        self.client = client
        self.key = key
        self.fingerprint = print_
        self.claimed = False
        self.answer: tuple[int, object] | None = None
        self.stored = False

    def remembered(self, session) -> tuple[bool, tuple[int, dict] | None]:
        """(known, answer): whether the key was used, and its answer if stored."""
        t = tables.idempotent_request
        row = session.execute(
            sa.select(t.c.fingerprint, t.c.status, t.c.response).where(
                t.c.client == self.client, t.c.key == self.key
            )
        ).first()
        if row is None:
            return False, None
        if row.fingerprint != self.fingerprint:
            raise ApiError(
                422,
                "idempotency_key_reused",
                "this Idempotency-Key was used for a different request; use a new key",
            )
        return True, (row.status, row.response) if row.status is not None else None

    def claim(self, session) -> None:
        """Take the key at the end of the effect's transaction, with the
        answer given to `self.db.answer` if any; KeyInUse if it was taken
        (the caller's transaction, effect and all, is then rolled back)."""
        if self.claimed:
            return
        status, response = self.answer if self.answer is not None else (None, None)
        inserted = session.execute(
            _CLAIM,
            {
                "client": self.client,
                "key": self.key,
                "fingerprint": self.fingerprint,
                "status": status,
                "response": None if response is None else _as_json(response),
                "created_at": datetime.now(UTC),
            },
        ).rowcount
        if inserted != 1:
            raise KeyInUse(self.key)
        self.claimed = True
        self.stored = self.answer is not None

    def earlier_answer(self) -> tuple[int, dict] | None:
        """After this request failed: the answer of a first request under
        the same key, whose effect may be why this one failed; None when the
        key is free (the failure is this request's own)."""
        with self.store.transaction() as session:
            known, answer = self.remembered(session)
        if not known:
            return None
        return answer or self.wait_for_answer()

    def _write_answer(self, session, status: int, body) -> None:
        t = tables.idempotent_request
        session.execute(
            sa.update(t)
            .where(t.c.client == self.client, t.c.key == self.key)
            .values(status=status, response=_as_json(body))
        )

    def remember(self, status: int, body) -> tuple[int, dict] | None:
        """Keep the answer after the effect's commit, unless it was stored
        with it. For an endpoint that changed nothing, the answer of an
        earlier request under the key wins: it is returned."""
        if self.stored:
            return None
        t = tables.idempotent_request
        with self.store.transaction() as session:
            if self.claimed:
                self._write_answer(session, status, body)
                return None
            known, answer = self.remembered(session)
            if known:
                return answer
            session.execute(
                sa.insert(t).values(
                    client=self.client,
                    key=self.key,
                    fingerprint=self.fingerprint,
                    status=status,
                    response=_as_json(body),
                    created_at=datetime.now(UTC),
                )
            )
            return None

    def first_answer(self) -> tuple[int, dict]:
        """The answer of the request that claimed the key first."""
        with self.store.transaction() as session:
            _known, answer = self.remembered(session)
        return answer or self.wait_for_answer()

    def wait_for_answer(self) -> tuple[int, dict]:
        deadline = eventlet.hubs.get_hub().clock() + IDEMPOTENCY_WAIT_SECONDS
        while True:
            with self.store.transaction() as session:
                known, answer = self.remembered(session)
            if answer is not None:
                return answer
            if eventlet.hubs.get_hub().clock() >= deadline:
                raise ApiError(
                    409,
                    "idempotent_request_in_progress",
                    "a request with this Idempotency-Key was accepted and has no "
                    "answer yet; read the resource instead of sending it again",
                )
            eventlet.sleep(0.1)


STAFF_ID_HEADER = "X-Rueda-Staff-Id"
STAFF_NAME_HEADER = "X-Rueda-Staff-Name"
STAFF_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")
STAFF_NAME_MAX = 100


def staff_acted_for(request, principal: apikeys.Principal, service: str) -> StaffActor | None:
    """The staff member a trusted client (the console) acts for: sent in
    `X-Rueda-Staff-Id` and `X-Rueda-Staff-Name` (percent-encoded UTF-8, one
    line, at most 100 characters) by a key with `<service>:act-for-staff`.
    A key without that scope may not send them (403): an audit never shows a
    person a client merely claimed."""
    staff_id = request.headers.get(STAFF_ID_HEADER)
    raw_name = request.headers.get(STAFF_NAME_HEADER)
    if staff_id is None and raw_name is None:
        return None
    scope = f"{service}:act-for-staff"
    if not principal.allows(scope):
        raise ApiError(
            403,
            "forbidden",
            f"this API key may not act for staff; ask for a key with the scope {scope!r}",
            [{"path": STAFF_ID_HEADER, "message": f"needs scope {scope}"}],
        )
    if staff_id is None or not STAFF_ID.match(staff_id):
        raise ApiError(
            400,
            "invalid_staff",
            f"{STAFF_ID_HEADER} must be a staff id (1-64 letters, digits, '.', '_', ':' or '-')",
            [{"path": STAFF_ID_HEADER, "message": "not a staff id"}],
        )
    try:
        name = unquote(raw_name or "", errors="strict")
    except UnicodeDecodeError:
        name = None
    if (
        not name
        or not name.strip()
        or len(name) > STAFF_NAME_MAX
        or any(unicodedata.category(ch)[0] in ("C", "Z") and ch != " " for ch in name)
    ):
        raise ApiError(
            400,
            "invalid_staff",
            f"{STAFF_NAME_HEADER} must be the person's name, "
            f"percent-encoded, on one line, at most {STAFF_NAME_MAX} characters",
            [{"path": STAFF_NAME_HEADER, "message": "not a name"}],
        )
    return StaffActor(staff_id, name.strip())


def staff_context(actor: StaffActor | None) -> dict:
    return {} if actor is None else {"staff_id": actor.staff_id, "staff_name": actor.name}


class JsonWsgiApp(WsgiApp):
    """nameko's WSGI app, answering unknown routes and methods with the same
    JSON error body as everything else instead of werkzeug's HTML pages."""

    def __call__(self, environ, start_response):
        request = Request(environ, shallow=True)
        adapter = self.url_map.bind_to_environ(environ)
        try:
            provider, values = adapter.match()
        except HTTPException as exc:
            header = request.headers.get(CORRELATION_HEADER)
            correlation_id = header if valid_correlation_id(header) else new_correlation_id()
            status, body = error_body(exc)
            body["correlation_id"] = correlation_id
            response = json_response(status, body, correlation_id)
            if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
                response.headers["Allow"] = ", ".join(sorted(exc.valid_methods))
            return response(environ, start_response)
        if any(
            isinstance(value, str) and _UNSAFE_IN_URL.search(value) for value in values.values()
        ):
            # nothing is ever stored under a name with a control character in it
            # (and PostgreSQL refuses NUL in a query): no such thing
            header = request.headers.get(CORRELATION_HEADER)
            correlation_id = header if valid_correlation_id(header) else new_correlation_id()
            return json_response(
                404,
                {
                    "error": "not_found",
                    "message": "no such thing",
                    "fields": [],
                    "correlation_id": correlation_id,
                },
                correlation_id,
            )(environ, start_response)
        request.path_values = values
        return provider.handle_request(request)(environ, start_response)


class JsonWebServer(WebServer):
    def get_wsgi_app(self):
        return JsonWsgiApp(self)


class JsonHttp(HttpRequestHandler):
    """`json_http(method, url, *, scope=None, public=False, idempotent=False)`.

    `scope` is what a key must be granted to call it; by default
    `<service>:read` for GET and `<service>:write` for the rest."""

    server = JsonWebServer()

    def __init__(
        self,
        method,
        url,
        *,
        public: bool = False,
        idempotent: bool = False,
        scope: str | None = None,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        **kwargs,
    ):
        self.public = public
        self.idempotent = idempotent
        self.declared_scope = scope
        self.max_body_bytes = max_body_bytes
        # client errors are logged as warnings, not as worker crashes
        kwargs.setdefault("expected_exceptions", (ApiError, DomainError, ValidationError, KeyInUse))
        super().__init__(method, url, **kwargs)

    def setup(self):
        super().setup()
        self.store = Store.for_url(self.container.config["DATABASE_URL"])
        self.errors = getattr(self.container.service_cls, "errors", None) or DEFAULT_MAPPING
        cache = self.container.config.get("API_KEY_CACHE_SECONDS")
        self.key_cache_seconds = apikeys.DEFAULT_CACHE_SECONDS if cache is None else float(cache)

    def scope_for(self, service: str) -> str:
        """The scope this operation needs (also written into the OpenAPI document)."""
        if self.declared_scope:
            return self.declared_scope
        return f"{service}:{'read' if self.method.upper() in ('GET', 'HEAD') else 'write'}"

    def _idempotency(self, request) -> Idempotency | None:
        key = request.headers.get(IDEMPOTENCY_HEADER)
        if key is None or not self.idempotent:
            return None
        if not IDEMPOTENCY_KEY.match(key):
            raise ApiError(
                400,
                "invalid_idempotency_key",
                "Idempotency-Key must be 1-200 visible ASCII characters",
            )
        return Idempotency(
            self.store,
            request.environ.get("rueda.client", ""),
            key,
            fingerprint(request.method, request.path, request.get_data()),
        )

    def handle_request(self, request):
        request.shallow = False  # nameko's server hands over a shallow request
        request.max_content_length = self.max_body_bytes
        header = request.headers.get(CORRELATION_HEADER)
        correlation_id = header if valid_correlation_id(header) else new_correlation_id()
        try:
            unsafe = [
                name
                for name, value in request.args.items(multi=True)
                if _UNSAFE_IN_URL.search(name) or _UNSAFE_IN_URL.search(value)
            ]
            if unsafe:
                raise ApiError(
                    400,
                    "invalid",
                    "query parameters must not contain control characters or line breaks",
                    [{"path": name, "message": CONTROL_MESSAGE} for name in unsafe],
                )
            if request.content_length and request.content_length > self.max_body_bytes:
                raise ApiError(
                    413, "too_large", f"the body is larger than {self.max_body_bytes} bytes"
                )
            if not self.public:
                principal = self._authenticate(request)
                scope = self.scope_for(self.container.service_name)
                if not principal.allows(scope):
                    raise ApiError(
                        403,
                        "forbidden",
                        f"this API key may not {scope}; ask for a key with the scope {scope!r}",
                        [{"path": "X-API-Key", "message": f"needs scope {scope}"}],
                    )
                request.environ["rueda.client"] = principal.client
                request.environ["rueda.scopes"] = principal.scopes
                request.environ["rueda.staff"] = staff_acted_for(
                    request, principal, self.container.service_name
                )
            args, kwargs = self.get_entrypoint_parameters(request)
            self.check_signature(args, kwargs)
            idempotency = self._idempotency(request)
            try:
                result = self._run_worker(request, args, kwargs, correlation_id, idempotency)
            except KeyInUse:
                return self.response_from_result(idempotency.first_answer(), correlation_id)
            except Exception:
                # a request that claimed the key itself failed on its own
                # account (its second transaction, or after its commit)
                if idempotency is None or idempotency.claimed:
                    raise
                earlier = idempotency.earlier_answer()
                if earlier is None:
                    raise
                return self.response_from_result(earlier, correlation_id)
            if idempotency is not None and not isinstance(result, Response):
                status, body = result if isinstance(result, tuple) else (200, result)
                first = idempotency.remember(status, body)
                if first is not None:
                    return self.response_from_result(first, correlation_id)
            return self.response_from_result(result, correlation_id)
        except Exception as exc:
            return self.response_from_exception(exc, correlation_id, request)

    def _run_worker(self, request, args, kwargs, correlation_id, idempotency):
        done = Event()
        worker_ctx = self.container.spawn_worker(
            self,
            args,
            kwargs,
            context_data={
                "correlation_id": correlation_id,
                "origin": f"http:{request.environ.get('rueda.client', 'public')}"
                f"@{request.remote_addr or '-'}",
                **staff_context(request.environ.get("rueda.staff")),
            },
            handle_result=partial(self.handle_result, done),
        )
        # read by the worker's first transaction (the worker has not run yet:
        # spawning does not switch green threads)
        worker_ctx.rueda_idempotency = idempotency
        result, exc_info = done.wait()
        if exc_info is not None:
            raise exc_info[1]
        return result

    def _authenticate(self, request) -> apikeys.Principal:
        key = request.headers.get("X-API-Key")
        auth = request.headers.get("Authorization", "")
        if not key and auth.lower().startswith("bearer "):
            key = auth[7:].strip()
        principal = apikeys.authenticate(self.store, key, cache_seconds=self.key_cache_seconds)
        if principal is None:
            raise ApiError(401, "unauthorized", "send a valid API key in the X-API-Key header")
        return principal

    def handle_result(self, event, worker_ctx, result, exc_info):
        event.send((result, exc_info))
        return result, exc_info

    def response_from_result(self, result, correlation_id=None):
        if isinstance(result, Response):
            result.headers[CORRELATION_HEADER] = correlation_id
            return result
        status, body = result if isinstance(result, tuple) else (200, result)
        return json_response(status, body, correlation_id)

    def response_from_exception(self, exc, correlation_id=None, request=None):
        language = self.errors.language_of(
            request.headers.get("Accept-Language") if request is not None else None
        )
        status, body = error_body(exc, self.errors, language)
        body["correlation_id"] = correlation_id
        if status >= 500:
            log.error(
                "http.failed",
                path=self.url,
                correlation_id=correlation_id,
                error=f"{type(exc).__name__}: {exc}",
                exc_info=exc,
            )
        return json_response(status, body, correlation_id)


json_http = JsonHttp.decorator
