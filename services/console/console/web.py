"""HTML pages on nameko's HTTP server: the `page` entrypoint, the signed-in
visit a page works with, and the answers (pages, redirects, downloads).

`page` shares the backbone's web server (so `/health` and the pages listen
on one port) and turns the console's errors into what a browser should see:
no session -> 303 to the sign-in page; a form without its CSRF token or a
role that does not allow it -> 403 page; a service that refused -> its
message on the page; a service that is down -> 502 page. Every answer has
security headers (CSP without inline scripts or styles, no framing, no
caching of pages with personal data).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from urllib.parse import quote

import structlog
from eventlet.event import Event
from nameko.extensions import DependencyProvider
from nameko.web.handlers import HttpRequestHandler
from werkzeug.wrappers import Response

from rueda_backbone.database import Store
from rueda_backbone.envelope import new_correlation_id, valid_correlation_id
from rueda_backbone.logs import CORRELATION_HEADER
from rueda_backbone.web import JsonWebServer

from . import domain, rendering, usecases
from .exceptions import (
    CsrfRefused,
    PageError,
    PageNotFound,
    Refused,
    SignInRefused,
    SignInRequired,
    Upstream,
    UpstreamUnavailable,
)
from .gateway import Gateway, endpoints_from_config

log = structlog.get_logger(__name__)

SESSION_COOKIE = "rueda_console_session"
SIGN_IN_CSRF_COOKIE = "rueda_console_signin"
MAX_FORM_BYTES = 256_000
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; "
        "script-src 'self'; frame-ancestors 'none'; form-action 'self'; "
        "base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def html(body: str, status: int = 200) -> Response:
    response = Response(body, status=status, mimetype="text/html")
    return response


def redirect(location: str, status: int = 303) -> Response:
    return Response("", status=status, headers={"Location": location})


def download(content: bytes, *, filename: str, content_type: str) -> Response:
    safe = "".join(c for c in filename if c.isalnum() or c in "._-") or "download"
    return Response(
        content,
        status=200,
        content_type=content_type,
        headers={"Content-Disposition": f'attachment; filename="{safe}"'},
    )


def preferred_language(request, default: str) -> str:
    accepted = request.accept_languages.best_match(domain.LANGUAGES) if request else None
    return accepted or default


class Page(HttpRequestHandler):
    """`@page("GET", "/workshops")`: an HTML page answered by a worker."""

    server = JsonWebServer()

    def __init__(self, method, url, **kwargs):
        kwargs.setdefault("expected_exceptions", (PageError,))
        super().__init__(method, url, **kwargs)

    def setup(self):
        super().setup()
        self.default_language = str(self.container.config.get("DEFAULT_LANGUAGE") or "es")

    def handle_request(self, request):
        request.shallow = False
        request.max_content_length = MAX_FORM_BYTES
        request.max_form_memory_size = MAX_FORM_BYTES
        header = request.headers.get(CORRELATION_HEADER)
        correlation_id = header if valid_correlation_id(header) else new_correlation_id()
        try:
            args, kwargs = self.get_entrypoint_parameters(request)
            self.check_signature(args, kwargs)
            done = Event()
            self.container.spawn_worker(
                self,
                args,
                kwargs,
                context_data={
                    "correlation_id": correlation_id,
                    "origin": f"http:console@{request.remote_addr or '-'}",
                },
                handle_result=partial(self.handle_result, done),
            )
            result = done.wait()
            response = result if isinstance(result, Response) else html(str(result))
        except Exception as exc:
            response = self.error_page(exc, request, correlation_id)
        response.headers[CORRELATION_HEADER] = correlation_id
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    def error_page(self, exc, request, correlation_id) -> Response:
        if isinstance(exc, SignInRequired):
            target = request.full_path.rstrip("?") if request.method == "GET" else "/workshops"
            return redirect(f"/sign-in?next={quote(target, safe='/')}")
        language = getattr(exc, "language", None) or preferred_language(
            request, self.default_language
        )
        if isinstance(exc, (Refused, CsrfRefused)):
            status, title = 403, "Not allowed"
        elif isinstance(exc, PageNotFound):
            status, title = 404, "Not found"
        elif isinstance(exc, UpstreamUnavailable):
            status, title = 502, "A service is not answering"
        elif isinstance(exc, Upstream):
            status, title = (exc.status if 400 <= exc.status < 500 else 502), "Refused"
        else:
            log.error(
                "page.failed",
                path=request.path,
                correlation_id=correlation_id,
                error=f"{type(exc).__name__}: {exc}",
                exc_info=exc,
            )
            status, title = 500, "Something went wrong"
        message = exc.message if isinstance(exc, PageError) else ""
        if isinstance(exc, CsrfRefused):
            message = "This form expired or did not come from this console: go back, reload the page and send it again."
        body = rendering.render(
            "error.html",
            language,
            {
                "status": status,
                "title": title,
                "message": message,
                "correlation_id": correlation_id,
                "person": None,
                "csrf": "",
                "flash": None,
                "nav": None,
            },
        )
        return html(body, status)


page = Page.decorator


@dataclass
class Visit:
    """One request of a signed-in person (or of nobody, on the sign-in page)."""

    request: object
    language: str
    csrf: str
    gateway: Gateway
    person: dict | None = None
    flash: dict | None = None
    token_hash: str | None = None
    set_cookies: list = field(default_factory=list)
    visits: Visits | None = None

    def may(self, action: str) -> bool:
        return bool(self.person) and domain.may(self.person["roles"], action)

    def require(self, action: str) -> None:
        if not self.may(action):
            raise Refused(f"your roles do not allow this ({action})")

    def render(self, template: str, status: int = 200, **context) -> Response:
        context.setdefault("nav", None)
        body = rendering.render(
            template,
            self.language,
            {
                "person": self.person,
                "csrf": self.csrf,
                "flash": self.flash,
                "csrf_field": rendering.csrf_field(self.csrf),
                "path": self.request.path,
                "visit": self,
                **context,
            },
        )
        return self._finish(html(body, status))

    def redirect(
        self,
        location: str,
        *,
        text: str | None = None,
        kind: str = "success",
        fields: list | None = None,
    ) -> Response:
        if text is not None and self.visits is not None and self.token_hash:
            self.visits.flash(self.token_hash, {"kind": kind, "text": text, "fields": fields or []})
        return self._finish(redirect(location))

    def _finish(self, response: Response) -> Response:
        for args, kwargs in self.set_cookies:
            response.set_cookie(*args, **kwargs)
        return response

    def gettext(self, message: str, **values) -> str:
        """A sentence for a flash message, in the person's language."""
        text = rendering.translations(self.language).gettext(message)
        return text % values if values else text

    def form(self, name: str, default: str = "") -> str:
        return (self.request.form.get(name) or default).strip()


class Visits:
    """What `self.visits` is inside a worker: opens the visit of a request."""

    def __init__(self, provider: VisitProvider, worker_ctx):
        self.provider = provider
        self.worker_ctx = worker_ctx

    @property
    def config(self) -> dict:
        return self.provider.container.config

    def now(self):
        return self.provider.clock()

    def transaction(self):
        return self.provider.storage.transaction()

    def gateway(self, person: dict | None = None) -> Gateway:
        return Gateway(
            self.provider.endpoints,
            timeout=self.provider.timeout,
            correlation_id=self.worker_ctx.data.get("correlation_id"),
            person=person,
        )

    def cookie_kwargs(self, max_age: int | None) -> dict:
        return {
            "max_age": max_age,
            "httponly": True,
            "samesite": "Lax",
            "path": "/",
            "secure": self.provider.secure,
        }

    def anonymous(self, request) -> Visit:
        """The sign-in page: no session, a CSRF token in a cookie of its own
        (double submit) so the sign-in form is protected too."""
        token = request.cookies.get(SIGN_IN_CSRF_COOKIE)
        visit = Visit(
            request=request,
            language=preferred_language(request, self.provider.default_language),
            csrf="",
            gateway=self.gateway(),
            visits=self,
        )
        if not token or len(token) > 100:
            token = secrets.token_urlsafe(32)
            visit.set_cookies.append(((SIGN_IN_CSRF_COOKIE, token), self.cookie_kwargs(3600)))
        visit.csrf = token
        return visit

    def check_anonymous_csrf(self, request) -> None:
        if not domain.same_token(
            request.cookies.get(SIGN_IN_CSRF_COOKIE), request.form.get("csrf_token")
        ):
            raise CsrfRefused()

    def open(self, request, action: str = "read") -> Visit:
        """The signed-in visit, or SignInRequired; a POST must carry the
        session's CSRF token; `action` must be allowed by the person's roles."""
        token = request.cookies.get(SESSION_COOKIE)
        now = self.now()
        with self.transaction() as uow:
            record = usecases.open_session(
                {"token": token}, uow=uow, now=now, policy=self.provider.policy
            )
            found = (
                None
                if record is None
                else {
                    "token_hash": record.token_hash,
                    "staff_id": record.staff_id,
                    "name": record.name,
                    "roles": list(record.roles),
                    "language": record.language,
                    "csrf": record.csrf_token,
                    "roles_checked_at": record.roles_checked_at,
                }
            )
        if found is None:
            raise SignInRequired()
        if request.method == "POST" and not domain.same_token(
            found["csrf"], request.form.get("csrf_token")
        ):
            raise CsrfRefused()
        if self.provider.policy.roles_stale(found["roles_checked_at"], now):
            staff = self.gateway().intake.get(
                f"/staff/{quote(found['staff_id'], safe='')}", missing_is_none=True
            )
            with self.transaction() as uow:
                record = usecases.refresh_person(
                    {"token_hash": found["token_hash"], "staff": staff}, uow=uow, now=now
                )
                if record is None:
                    raise SignInRequired()
                found["roles"], found["name"] = list(record.roles), record.name
        person = {"staff_id": found["staff_id"], "name": found["name"], "roles": found["roles"]}
        visit = Visit(
            request=request,
            language=found["language"],
            csrf=found["csrf"],
            gateway=self.gateway(person),
            person=person,
            token_hash=found["token_hash"],
            visits=self,
        )
        if not domain.may(person["roles"], action):
            error = Refused(f"your roles do not allow this ({action})")
            error.language = visit.language
            raise error
        if request.method == "GET":
            with self.transaction() as uow:
                visit.flash = usecases.pop_flash(
                    {"token_hash": found["token_hash"]}, uow=uow, now=now
                )
        return visit

    def flash(self, token_hash: str, flash: dict) -> None:
        with self.transaction() as uow:
            usecases.set_flash({"token_hash": token_hash, "flash": flash}, uow=uow, now=self.now())

    # -- signing in and out ---------------------------------------------------------

    def sign_in(self, visit: Visit, login: str, password: str) -> Response:
        request = visit.request
        self.check_anonymous_csrf(request)
        now = self.now()
        address = self.client_address(request)
        with self.transaction() as uow:
            usecases.prune({}, uow=uow, now=now, limit=self.provider.limit)
        with self.transaction() as uow:
            staff_id, reason = usecases.check_password(
                {"login": login, "password": password, "address": address},
                uow=uow,
                now=now,
                limit=self.provider.limit,
            )
        if staff_id is None:
            log.info("sign_in.refused", reason=reason, address=address)
            raise SignInRefused(reason)
        staff = (
            visit.gateway.intake.get(f"/staff/{quote(staff_id, safe='')}", missing_is_none=True)
            or {}
        )
        with self.transaction() as uow:
            token, _record = usecases.start_session(
                {
                    "staff": {"id": staff_id, **staff},
                    "address": address,
                    "fallback": visit.language,
                },
                uow=uow,
                now=now,
                policy=self.provider.policy,
            )
        log.info("sign_in.succeeded", staff_id=staff_id)
        response = redirect(domain.safe_next(request.args.get("next")))
        lifetime = int(self.provider.policy.lifetime.total_seconds())
        response.set_cookie(SESSION_COOKIE, token, **self.cookie_kwargs(lifetime))
        response.delete_cookie(SIGN_IN_CSRF_COOKIE, path="/")
        return response

    def client_address(self, request) -> str:
        """The browser's address for the per-address limit: behind a proxy,
        the last hop it appended to the header named CLIENT_ADDRESS_HEADER."""
        header = self.provider.address_header
        if header and request.headers.get(header):
            return request.headers[header].split(",")[-1].strip()[:64] or "-"
        return request.remote_addr or "-"

    def sign_out(self, request) -> Response:
        visit = self.open(request)
        with self.transaction() as uow:
            usecases.end_session(
                {"token": request.cookies.get(SESSION_COOKIE)}, uow=uow, now=self.now()
            )
        response = redirect("/sign-in")
        response.delete_cookie(
            SESSION_COOKIE, path="/", httponly=True, samesite="Lax", secure=self.provider.secure
        )
        del visit
        return response

    def set_language(self, visit: Visit, language: str) -> None:
        with self.transaction() as uow:
            usecases.set_language(
                {"staff_id": visit.person["staff_id"], "language": language},
                uow=uow,
                now=self.now(),
            )


class VisitProvider(DependencyProvider):
    """`visits = VisitProvider()`: sessions, CSRF, roles and the gateway."""

    def setup(self):
        from rueda_backbone.clock import clock_from_config

        config = self.container.config
        self.storage = Storage(Store.for_url(config["DATABASE_URL"]))
        self.clock = clock_from_config(config)
        self.endpoints = endpoints_from_config(config)
        self.timeout = _setting(config, "UPSTREAM_TIMEOUT_SECONDS", 15)
        self.secure = str(config.get("COOKIE_SECURE", "false")).lower() in ("1", "true", "yes")
        self.default_language = str(config.get("DEFAULT_LANGUAGE") or "es")
        self.address_header = str(config.get("CLIENT_ADDRESS_HEADER") or "").strip()
        self.policy = domain.SessionPolicy(
            idle=timedelta(minutes=_setting(config, "SESSION_IDLE_MINUTES", 60)),
            lifetime=timedelta(hours=_setting(config, "SESSION_MAX_HOURS", 12)),
            roles_refresh=timedelta(seconds=_setting(config, "ROLES_REFRESH_SECONDS", 300)),
        )
        self.limit = domain.SignInLimit(
            window=timedelta(minutes=_setting(config, "SIGN_IN_WINDOW_MINUTES", 15)),
            per_account=int(_setting(config, "SIGN_IN_MAX_FAILURES_PER_ACCOUNT", 5)),
            per_address=int(_setting(config, "SIGN_IN_MAX_FAILURES_PER_ADDRESS", 20)),
        )

    def get_dependency(self, worker_ctx):
        return Visits(self, worker_ctx)


def _setting(config: dict, name: str, default: float) -> float:
    """A number from config.yml; 0 is a value, only a missing one takes the default."""
    value = config.get(name)
    return default if value in (None, "") else float(value)


class UnitOfWork:
    def __init__(self, session):
        self.session = session


class Storage:
    """The console's own database: `with storage.transaction() as uow: uow.session`."""

    def __init__(self, store: Store):
        self.store = store

    def transaction(self):
        import contextlib

        @contextlib.contextmanager
        def unit():
            with self.store.transaction() as session:
                yield UnitOfWork(session)

        return unit()
