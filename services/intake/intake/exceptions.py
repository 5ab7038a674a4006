"""intake's own refusals, and its one mapping of domain errors to answers.

Use cases raise these (and the backbone's `Invalid`, `NotFound`, `Conflict`);
the same refusal is an HTTP 4xx for a form posted over HTTP and a parked
message with its reason for a form published as an event. Messages are
written in English and translated at the edge (`messages`), for the HTTP
answer's fields too.
"""

from __future__ import annotations

from datetime import datetime

from marshmallow import ValidationError

from rueda_backbone import Conflict, ErrorMapping, Invalid
from rueda_backbone.envelope import flatten_errors

from . import messages


class DeadlinePassed(Conflict):
    """A form arrived after its deadline and no late window covers it."""

    code = "deadline_passed"

    def __init__(self, form: str, deadline: datetime):
        self.form = form
        self.deadline = deadline
        super().__init__(
            f"the deadline for {form.replace('_', ' ')} of this workshop passed at "
            f"{deadline.isoformat()}; ask the secretariat for a late window"
        )


def invalid_fields(errors: dict | ValidationError) -> Invalid:
    """Field errors found inside a use case (a saved draft that fails its form,
    a form checked against the rest of the workshop), in marshmallow's nested
    shape, as the domain error they are."""
    if isinstance(errors, ValidationError):
        errors = errors.messages
    return Invalid(
        "some fields are invalid",
        [{"path": path, "message": message} for path, message in flatten_errors(errors)],
    )


ERRORS = ErrorMapping(
    # Invalid 422, NotFound 404, Conflict 409 (deadline_passed included) are the defaults
    status={DeadlinePassed: 409},
    translate=messages.translate,
    negotiate=messages.negotiate,
)
