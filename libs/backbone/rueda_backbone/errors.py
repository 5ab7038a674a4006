"""Domain errors, and the one mapping per service that turns them into answers.

Use cases and domain rules raise `DomainError`s and never name an HTTP status:
the same rule refuses a form posted over HTTP (a 4xx JSON answer) and a form
published as an event (a parked message with the reason). Each service keeps
one `ErrorMapping` at its edge (`<service>/exceptions.py`) that says, for its
own error classes, which status an HTTP client gets and whether an event that
raised it is parked at once or retried (a reference that may still arrive).

This module imports nothing of nameko or SQLAlchemy, so `domain.py` may use it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


class DomainError(Exception):
    """A rule of the domain refused what was asked. `code` is stable for
    clients; `fields` points at the input at fault as [{"path", "message"}]."""

    code = "refused"

    def __init__(self, message: str, fields: list[dict] | None = None, *, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.fields = list(fields or [])
        if code is not None:
            self.code = code

    def describe(self) -> str:
        """One line for a parked message or a log: code, message, fields."""
        details = "; ".join(f"{f['path']}: {f['message']}" for f in self.fields)
        return f"{self.code}: {self.message}" + (f" ({details})" if details else "")


class Invalid(DomainError):
    """Input that breaks a rule about its own fields (a date order, a
    duplicate, an unknown reference named in the body)."""

    code = "invalid"

    @classmethod
    def field(
        cls,
        path: str,
        message: str,
        *,
        code: str | None = None,
        summary: str = "some fields are invalid",
    ) -> Invalid:
        return cls(summary, fields=[{"path": path, "message": message}], code=code)


class NotFound(DomainError):
    """What the request is about does not exist (here, or yet)."""

    code = "not_found"


class Conflict(DomainError):
    """The request is valid but the state forbids it now (a form already
    withdrawn, a state move that is not allowed, a deadline passed)."""

    code = "conflict"


class Forbidden(DomainError):
    """The caller may not do this, whatever the state."""

    code = "forbidden"


class BadRequest(DomainError):
    """A query parameter or header that cannot be understood."""

    code = "invalid"


DEFAULT_STATUS = {
    Invalid: 422,
    NotFound: 404,
    Conflict: 409,
    Forbidden: 403,
    BadRequest: 400,
    DomainError: 422,
}


@dataclass(frozen=True)
class ErrorMapping:
    """A service's edge for its domain errors.

    - `status`: HTTP status per error class, most specific class first found
      along the exception's MRO; the backbone's defaults fill the rest.
    - `retried`: error classes an event handler retries instead of parking,
      because what was missing may still arrive (an update about an activity
      whose expression of interest is still on its way).
    - `translate`: (message, language) -> message, for answers in the caller's
      language, chosen by `negotiate` from `Accept-Language`; identity when a
      service has no catalogue.
    """

    status: dict[type, int] = field(default_factory=dict)
    retried: tuple[type, ...] = ()
    translate: Callable[[str, str], str] | None = None
    negotiate: Callable[[str | None], str] | None = None

    def status_of(self, exc: DomainError) -> int:
        table = {**DEFAULT_STATUS, **self.status}
        for cls in type(exc).__mro__:
            if cls in table:
                return table[cls]
        return 422

    def is_retried(self, exc: BaseException) -> bool:
        return isinstance(exc, self.retried) if self.retried else False

    def language_of(self, accept_language: str | None) -> str:
        return self.negotiate(accept_language) if self.negotiate else "en"

    def text(self, message: str, language: str) -> str:
        return self.translate(message, language) if self.translate else message


DEFAULT_MAPPING = ErrorMapping()
