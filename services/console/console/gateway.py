"""The four services as the console reaches them: their public HTTP APIs,
with the console's own API key for each, never their databases or code.

Like the nameko-examples gateway, the console redefines only what it reads
(answers are plain dicts, read tolerantly: a field a service adds is
ignored). Every call carries the correlation id of the page and the
signed-in person (`X-Rueda-Staff-Id`, `X-Rueda-Staff-Name`) so a service
that records who acted can; followup takes the person in its bodies' `by`.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

import requests
import structlog

from .exceptions import PageNotFound, Upstream, UpstreamUnavailable

log = structlog.get_logger(__name__)

SERVICES = ("intake", "matching", "followup", "notify")

# The scopes of the console's key for each service: exactly what its pages
# call, nothing of the services' operations (erasure, archive imports,
# forms as the portal sends them). `act-for-staff`: every call names the
# signed-in person, and the service records them as who did it. The person's
# role narrows this further (domain.PERMISSIONS): only a coordinator's page
# publishes or confirms.
SCOPES: dict[str, tuple[str, ...]] = {
    "intake": (
        "intake:read",
        "intake:workshops:write",
        "intake:forms:review",
        "intake:act-for-staff",
    ),
    "matching": (
        "matching:read",
        "matching:write",
        "matching:schedules:publish",
        "matching:act-for-staff",
    ),
    "followup": (
        "followup:read",
        "followup:write",
        "followup:funding:confirm",
        "followup:act-for-staff",
    ),
    "notify": ("notify:read", "notify:deliveries:resend", "notify:act-for-staff"),
}


def key_command(service: str) -> list[str]:
    """The rueda-ops arguments that create the console's key for `service`."""
    scopes = [arg for scope in SCOPES[service] for arg in ("--scope", scope)]
    return ["api-key", "create", "console", *scopes]


STAFF_ID_HEADER = "X-Rueda-Staff-Id"
STAFF_NAME_HEADER = "X-Rueda-Staff-Name"


@dataclass(frozen=True)
class Endpoint:
    name: str
    url: str
    key: str


def endpoints_from_config(config: dict) -> dict[str, Endpoint]:
    return {
        name: Endpoint(
            name,
            str(config.get(f"{name.upper()}_URL") or "").rstrip("/"),
            str(config.get(f"{name.upper()}_API_KEY") or ""),
        )
        for name in SERVICES
    }


def path(*parts: str) -> str:
    """`/a/{b}` with every part quoted: an id from a form never changes the path."""
    return "/" + "/".join(quote(str(part), safe="") for part in parts)


class Service:
    """One upstream service, for one page's worker."""

    def __init__(
        self, endpoint: Endpoint, http: requests.Session, *, timeout: float, headers: dict
    ):
        self.endpoint = endpoint
        self.http = http
        self.timeout = timeout
        self.headers = headers

    def call(
        self,
        method: str,
        url: str,
        *,
        body=None,
        params=None,
        raw: bool = False,
        missing_is_none: bool = False,
    ):
        headers = {"X-API-Key": self.endpoint.key, **self.headers}
        try:
            response = self.http.request(
                method,
                self.endpoint.url + url,
                json=body if method != "GET" else None,
                params={k: v for k, v in (params or {}).items() if v not in (None, "")},
                headers=headers,
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            log.warning(
                "upstream.unreachable",
                service=self.endpoint.name,
                path=url,
                error=type(exc).__name__,
            )
            raise UpstreamUnavailable(self.endpoint.name, type(exc).__name__) from None
        if response.status_code >= 500:
            log.warning(
                "upstream.failed", service=self.endpoint.name, path=url, status=response.status_code
            )
            raise UpstreamUnavailable(self.endpoint.name, f"HTTP {response.status_code}")
        if response.status_code == 404 and missing_is_none:
            return None
        if response.status_code >= 400:
            try:
                error = response.json()
            except ValueError:
                error = None
            if response.status_code == 404:
                raise PageNotFound((error or {}).get("message", "not found"))
            raise Upstream(self.endpoint.name, response.status_code, error)
        if raw:
            return response
        return response.json() if response.content else None

    def get(self, url: str, **kwargs):
        return self.call("GET", url, **kwargs)

    def post(self, url: str, body: dict | None = None, **kwargs):
        return self.call("POST", url, body=body if body is not None else {}, **kwargs)

    def put(self, url: str, body: dict, **kwargs):
        return self.call("PUT", url, body=body, **kwargs)

    def delete(self, url: str, **kwargs):
        return self.call("DELETE", url, **kwargs)


class Gateway:
    """`gateway.intake.get(...)`, `gateway.followup.post(...)`: the services
    as one page sees them, acting for `person` (or for nobody, at sign-in)."""

    def __init__(
        self,
        endpoints: dict[str, Endpoint],
        *,
        timeout: float = 15.0,
        correlation_id: str | None = None,
        person: dict | None = None,
    ):
        self._http = requests.Session()
        headers = {}
        if correlation_id:
            headers["X-Correlation-ID"] = correlation_id
        if person:
            headers[STAFF_ID_HEADER] = person["staff_id"]
            # header values are ASCII: the name goes percent-encoded
            headers[STAFF_NAME_HEADER] = quote(person["name"], safe=" ")
        for name, endpoint in endpoints.items():
            setattr(self, name, Service(endpoint, self._http, timeout=timeout, headers=headers))

    def close(self) -> None:
        self._http.close()
