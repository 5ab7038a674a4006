"""notify's domain errors and its one mapping of them to answers.

Most of notify's errors come from events: something an email needs that has
not arrived yet is retried (intake publishes contacts, staff and workshops
before the forms that need them, but queues do not keep that order); an event
that can never become an email is parked with the reason; one email that
cannot be rendered or sent fails alone, in the delivery log. Over HTTP only
the backbone's own errors appear (an unknown person or email is a 404, a
resend of an email that has not failed a 409).
"""

from __future__ import annotations

from rueda_backbone.errors import ErrorMapping, NotFound


class NotKnownYet(NotFound):
    """Something an email needs (contacts, a staff member, the workshop) has
    not reached notify yet; the backbone retries the event until it has."""

    code = "not_known_yet"


ERRORS = ErrorMapping(
    status={NotKnownYet: 404},
    retried=(NotKnownYet,),
)
