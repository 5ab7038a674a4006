"""webhooks' settings, read once from config.yml at the edge
(`dependencies.Settings`, the CLI) and passed to the use cases and the sender."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit

from . import domain


def resolve(host: str, port: int) -> list[str]:
    """Every address `host` stands for (A and AAAA records)."""
    return sorted({info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)})


def _flag(value, default: bool) -> bool:
    if value is None or value == "":
        return default
    return str(value).strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class Settings:
    allow_private_urls: bool = False
    require_https: bool = True
    max_attempts: int = 8
    first_retry_seconds: float = 10.0
    backoff_factor: float = 4.0
    concurrency: int = 8
    connect_timeout: float = 5.0
    timeout: float = 15.0
    resolve: object = field(default=resolve, compare=False, repr=False)

    @property
    def retry_delays(self) -> tuple[float, ...]:
        return domain.retry_delays(
            max_attempts=self.max_attempts,
            first_seconds=self.first_retry_seconds,
            factor=self.backoff_factor,
        )

    def resolved_for(self, url: str) -> Settings:
        """These settings with the URL's host resolved now, once: the use case
        then checks the addresses without doing network I/O inside its
        transaction (which holds SQLite's lock)."""
        try:
            host, port = urlsplit(url).hostname, urlsplit(url).port
        except ValueError:
            return self
        if not host or self.allow_private_urls:
            return self
        try:
            found, failure = self.resolve(host, port or 443), None
        except OSError as exc:
            found, failure = None, exc

        def cached(name, _port):
            if name != host:
                return self.resolve(name, _port)
            if failure is not None:
                raise failure
            return found

        return replace(self, resolve=cached)

    @classmethod
    def from_config(cls, config: dict) -> Settings:
        d = cls()

        def number(key, default, kind=float):
            value = config.get(key)
            return default if value is None or value == "" else kind(value)

        return cls(
            allow_private_urls=_flag(config.get("ALLOW_PRIVATE_URLS"), d.allow_private_urls),
            require_https=_flag(config.get("REQUIRE_HTTPS"), d.require_https),
            max_attempts=number("DELIVERY_MAX_ATTEMPTS", d.max_attempts, int),
            first_retry_seconds=number("DELIVERY_FIRST_RETRY_SECONDS", d.first_retry_seconds),
            backoff_factor=number("DELIVERY_BACKOFF_FACTOR", d.backoff_factor),
            concurrency=number("DELIVERY_CONCURRENCY", d.concurrency, int),
            connect_timeout=number("DELIVERY_CONNECT_TIMEOUT_SECONDS", d.connect_timeout),
            timeout=number("DELIVERY_TIMEOUT_SECONDS", d.timeout),
        )


DEFAULT = Settings()
