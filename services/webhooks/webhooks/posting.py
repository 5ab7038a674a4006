"""One HTTP POST to a receiver, and what came of it.

The session refuses, at connect time, a peer address that is not public
(unless private URLs are allowed): a host name checked when the subscription
was made may later resolve elsewhere (DNS rebinding), and the check sits
between the TCP connect and the first byte sent, TLS handshake included.
Redirects are not followed (a 3xx is a failure: the next hop could be
anywhere), proxies from the environment are ignored, certificates are
verified against certifi's roots.
"""

from __future__ import annotations

from dataclasses import dataclass

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NewConnectionError

from . import domain

USER_AGENT = "rueda-webhooks/0.1 (Standard Webhooks)"


class _PublicPeerOnly:
    def _new_conn(self):
        sock = super()._new_conn()
        peer = sock.getpeername()[0]
        if not domain.is_public_address(peer):
            sock.close()
            raise NewConnectionError(
                self,
                f"{self.host} is {peer}, not a public address; "
                "refused (WEBHOOKS_ALLOW_PRIVATE_URLS)",
            )
        return sock


class _HTTPConnection(_PublicPeerOnly, HTTPConnection):
    pass


class _HTTPSConnection(_PublicPeerOnly, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


class PublicOnlyAdapter(HTTPAdapter):
    """requests' adapter whose connections only reach public addresses."""

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}


def session(*, allow_private: bool, pool_size: int = 10) -> requests.Session:
    """The session the sender posts through (one per process, shared by its green threads)."""
    http = requests.Session()
    http.trust_env = False  # no proxy or .netrc from the environment
    http.verify = True
    adapter_class = HTTPAdapter if allow_private else PublicOnlyAdapter
    for prefix in ("http://", "https://"):
        http.mount(
            prefix, adapter_class(pool_connections=pool_size, pool_maxsize=pool_size, max_retries=0)
        )
    http.headers["User-Agent"] = USER_AGENT
    return http


@dataclass(frozen=True)
class Outcome:
    delivered: bool
    status_code: int | None = None
    error: str | None = None


def post(
    http: requests.Session,
    url: str,
    *,
    body: str,
    headers: dict,
    connect_timeout: float,
    timeout: float,
) -> Outcome:
    """POST `body` to `url`; a 2xx is delivered, anything else (another
    status, a timeout, a refused or failed connection, a bad certificate)
    is a failure with its reason."""
    try:
        with http.post(
            url,
            data=body.encode(),
            allow_redirects=False,
            stream=True,
            timeout=(connect_timeout, timeout),
            headers={**headers, "Content-Type": "application/json"},
        ) as response:
            if 200 <= response.status_code < 300:
                return Outcome(True, response.status_code)
            return Outcome(False, response.status_code, f"HTTP {response.status_code}")
    except requests.exceptions.SSLError as exc:
        return Outcome(False, None, _short(f"TLS: {exc}"))
    except requests.exceptions.Timeout:
        return Outcome(
            False, None, f"timed out (connect {connect_timeout:g} s, answer {timeout:g} s)"
        )
    except requests.exceptions.ConnectionError as exc:
        return Outcome(False, None, _short(f"connection failed: {exc}"))
    except requests.exceptions.RequestException as exc:
        return Outcome(False, None, _short(f"{type(exc).__name__}: {exc}"))


def _short(text: str) -> str:
    return (
        text if len(text) <= domain.MAX_ERROR_LENGTH else text[: domain.MAX_ERROR_LENGTH - 1] + "…"
    )
