"""The console's errors: what a page raises, and what the entrypoint turns
each into (a redirect to sign in, a 403 page, a message on the page)."""

from __future__ import annotations


class PageError(Exception):
    status = 500
    code = "internal"

    def __init__(self, message: str = ""):
        super().__init__(message)
        self.message = message


class SignInRequired(PageError):
    """No session, or an expired one: the browser goes to the sign-in page."""

    status = 303
    code = "sign_in_required"


class Refused(PageError):
    """Signed in, but the person's roles do not allow this."""

    status = 403
    code = "forbidden"


class CsrfRefused(PageError):
    """A form posted without its session's token (or with another's)."""

    status = 403
    code = "csrf"


class PageNotFound(PageError):
    status = 404
    code = "not_found"


class SignInRefused(PageError):
    """Wrong login or password, too many tries, or no active staff member."""

    status = 401
    code = "sign_in_refused"

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class Upstream(PageError):
    """A service answered with an error (4xx): its message is shown on the page."""

    code = "upstream"

    def __init__(self, service: str, status: int, body: dict | None):
        body = body if isinstance(body, dict) else {}
        super().__init__(body.get("message") or f"{service} answered {status}")
        self.service = service
        self.status = status
        self.error = body.get("error")
        self.fields = body.get("fields") or []
        self.correlation_id = body.get("correlation_id")


class UpstreamUnavailable(PageError):
    """A service did not answer (down, timed out, 5xx)."""

    status = 502
    code = "unavailable"

    def __init__(self, service: str, detail: str):
        super().__init__(f"{service} is not answering: {detail}")
        self.service = service
