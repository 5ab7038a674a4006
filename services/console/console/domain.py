"""The console's own rules: who may do what, when a session ends, when
sign-in is refused for too many failures, and which redirects are safe.
No I/O, no nameko, no session."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

LANGUAGES = ("es", "en", "pt", "fr")

# intake's staff roles (its registry decides who has which)
SECRETARIAT, COORDINATOR = "secretariat", "coordinator"
FOCAL_POINT_LIAISON, FUNDER_LIAISON = "focal_point_liaison", "funder_liaison"
STAFF = (SECRETARIAT, COORDINATOR, FOCAL_POINT_LIAISON, FUNDER_LIAISON)
RUNS_WORKSHOPS = frozenset({SECRETARIAT, COORDINATOR})

# what a page may change, and who may: every active staff member reads
PERMISSIONS: dict[str, frozenset[str]] = {
    "read": frozenset(STAFF),
    "edit_workshop": RUNS_WORKSHOPS,
    "review_program": RUNS_WORKSHOPS,
    "grant_late_window": RUNS_WORKSHOPS,
    "remind_delegations": RUNS_WORKSHOPS,
    "compute_rounds": RUNS_WORKSHOPS,
    "publish_schedule": frozenset({COORDINATOR}),
    "move_activity": RUNS_WORKSHOPS,
    "assign_activity": RUNS_WORKSHOPS,
    "propose_selection": RUNS_WORKSHOPS | {FUNDER_LIAISON},
    "score_activities": RUNS_WORKSHOPS | {FUNDER_LIAISON},
    "confirm_selection": frozenset({COORDINATOR}),
    "resend_delivery": RUNS_WORKSHOPS,
}

# followup's activity lifecycle as its guide documents it (docs/followup.md);
# the console offers only these moves, followup decides (and refuses the rest)
ACTIVITY_MOVES: dict[str, tuple[str, ...]] = {
    "proposed": ("under_review", "withdrawn"),
    "under_review": ("selected", "declined", "withdrawn"),
    "selected": ("planned", "withdrawn"),
    "planned": ("in_progress", "withdrawn"),
    "in_progress": ("completed", "withdrawn"),
    "completed": ("evaluated",),
    "declined": (),
    "evaluated": (),
    "withdrawn": (),
}
ACTIVITY_STATES = tuple(ACTIVITY_MOVES)


def may(roles, action: str) -> bool:
    """Whether someone with `roles` may do `action` (unknown actions: nobody)."""
    return bool(set(roles or ()) & PERMISSIONS.get(action, frozenset()))


def allowed_moves(state: str) -> tuple[str, ...]:
    return ACTIVITY_MOVES.get(state, ())


@dataclass(frozen=True)
class SessionPolicy:
    idle: timedelta
    lifetime: timedelta
    roles_refresh: timedelta

    def expires_at(self, created_at: datetime, seen_at: datetime) -> datetime:
        """Idle time runs from the last request, never past the lifetime."""
        return min(seen_at + self.idle, created_at + self.lifetime)

    def roles_stale(self, checked_at: datetime, now: datetime) -> bool:
        return now - checked_at >= self.roles_refresh


@dataclass(frozen=True)
class SignInLimit:
    window: timedelta
    per_account: int
    per_address: int

    def refused(self, *, account_failures: int, address_failures: int) -> bool:
        """Too many recent failures for this login or from this address: a
        right password is refused too, until the window passes."""
        return account_failures >= self.per_account or address_failures >= self.per_address


def same_token(expected: str | None, given: str | None) -> bool:
    """A CSRF token check that takes the same time whatever matches."""
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


def safe_next(target: str | None, default: str = "/workshops") -> str:
    """Where to go after signing in: only a path of this site, never
    another host (`//evil.example`, `https://...`) or a scheme."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


def normal_login(login: str) -> str:
    return (login or "").strip().lower()
