"""The one way a service reads the time.

Use cases never call `datetime.now()`: they take `now` from their caller, and
the caller reads it from the service's `Clock` (`self.clock()` in a worker,
`self.clock()` in a background job). Setting `CLOCK_FIXED_AT` (ISO 8601 with
an offset) freezes it, so tests and demos can say what day it is without
sleeping; unit tests pass a fixed `now` to the use case directly.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from nameko.extensions import DependencyProvider

Now = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def clock_from_config(config: dict) -> Now:
    """Real time, or the fixed instant `CLOCK_FIXED_AT`."""
    fixed = config.get("CLOCK_FIXED_AT")
    if fixed:
        instant = datetime.fromisoformat(str(fixed))
        if instant.tzinfo is None:
            raise ValueError("CLOCK_FIXED_AT needs an offset, e.g. 2026-05-04T09:00:00+00:00")
        return lambda: instant
    return utc_now


def fixed_clock(instant: datetime) -> Now:
    """A clock that always reads `instant`, for tests."""
    if instant.tzinfo is None:
        raise ValueError("a fixed clock needs an aware datetime")
    return lambda: instant


class Clock(DependencyProvider):
    """`self.clock()` in a worker: the service's time."""

    def setup(self):
        self.now = clock_from_config(self.container.config)

    def get_dependency(self, worker_ctx):
        return self.now
