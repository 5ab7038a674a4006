"""What outside systems may be sent, how long a failing delivery is retried,
and which URLs may receive: rules only (no I/O, no nameko, no session)."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

# What an outside system may read, by producer: events with no personal data.
# Never `*_contacts_updated` (email addresses, notify's alone), nor the events
# that carry people's names (delegation_registered, staff_member_registered)
# or the secretariat's internal notes (program_reviewed's reasons).
OFFERED = {
    "intake": ("workshop_published", "program_submitted", "program_withdrawn"),
    "matching": ("schedule_published",),
    "followup": (
        "activity_proposed",
        "activity_status_changed",
        "activity_follow_up_due",
        "funding_selection_confirmed",
    ),
}
EVENT_TYPES = tuple(sorted(t for types in OFFERED.values() for t in types))
PRODUCER_OF = {t: producer for producer, types in OFFERED.items() for t in types}

PENDING = "pending"
DELIVERED = "delivered"
PARKED = "parked"
STATUSES = (PENDING, DELIVERED, PARKED)

MAX_URL_LENGTH = 2000
# what the receiver answers is kept this long in last_error
MAX_ERROR_LENGTH = 500


def retry_delays(*, max_attempts: int, first_seconds: float, factor: float) -> tuple[float, ...]:
    """The wait after each failed try but the last: exponential, so a receiver
    that is down is not hammered and one back within minutes is caught up soon.
    `max_attempts` tries in all; after the last failure the delivery is parked."""
    if max_attempts < 1:
        raise ValueError("at least one attempt")
    return tuple(float(first_seconds) * float(factor) ** n for n in range(max_attempts - 1))


def after_failure(attempt: int, delays: tuple[float, ...]) -> float | None:
    """Seconds to wait before the next try after try number `attempt` (1-based)
    failed, or None when it was the last: park it."""
    if attempt > len(delays):
        return None
    return delays[attempt - 1]


def is_public_address(address: str) -> bool:
    """An address on the public internet: not loopback, private, link-local
    (cloud metadata at 169.254.169.254), carrier-grade NAT, multicast,
    reserved or unspecified; an IPv4 address mapped into IPv6 is judged as IPv4."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def url_refusal(url: str, *, resolve, allow_private: bool, require_https: bool) -> str | None:
    """Why `url` may not receive webhooks, or None. `resolve(host, port)`
    gives the addresses the host name stands for (the caller's DNS); every
    one must be public unless `allow_private` (tests, local demos)."""
    if len(url) > MAX_URL_LENGTH:
        return f"must be at most {MAX_URL_LENGTH} characters"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        return f"is not a URL: {exc}"
    schemes = ("https",) if require_https else ("https", "http")
    if parts.scheme not in schemes:
        return "must be an https:// URL" if require_https else "must be an http(s):// URL"
    if not parts.hostname:
        return "needs a host"
    if parts.username is not None or parts.password is not None:
        return "must not carry credentials: the signature authenticates the sender"
    if parts.fragment:
        return "must not have a #fragment"
    if allow_private:
        return None
    try:
        addresses = (
            [parts.hostname]
            if _is_literal(parts.hostname)
            else resolve(parts.hostname, port or (443 if parts.scheme == "https" else 80))
        )
    except OSError as exc:
        return f"host {parts.hostname!r} does not resolve: {exc}"
    if not addresses:
        return f"host {parts.hostname!r} does not resolve"
    for address in addresses:
        if not is_public_address(address):
            return (
                f"host {parts.hostname!r} is {address}, not a public address "
                "(loopback, private and link-local networks are refused)"
            )
    return None


def _is_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    return True
