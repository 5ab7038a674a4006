"""followup's domain errors and its one mapping of them to HTTP answers and
parked reasons (`FollowupService.errors`).

Use cases raise these (or the backbone's `Invalid`, `NotFound`, `Conflict`,
...) and never name a status: the same refusal answers a staff member over
HTTP and parks a counterpart's update sent by the portal as an event.
"""

from __future__ import annotations

from rueda_backbone.errors import (
    BadRequest,
    Conflict,
    DomainError,
    ErrorMapping,
    Forbidden,
    Invalid,
    NotFound,
)

__all__ = [
    "ActivityNotFound",
    "BadParameter",
    "Conflict",
    "DelegationNotKnownYet",
    "ERRORS",
    "FieldRefused",
    "NotACounterpart",
    "NotFound",
    "ProducerNotAllowed",
    "UnknownTimeZone",
    "WorkshopNotFound",
]


class OneField:
    """A refusal about one field of the input. Its message is the field's, as
    followup's answers have always said it; parked, it names the payload
    field at fault, so ops can tell the sender what to fix before a replay."""

    path: str

    def __init__(self, path: str, message: str):
        super().__init__(message, [{"path": path, "message": message}])
        self.path = path

    def describe(self) -> str:
        return f"{self.code}: payload.{self.path}: {self.message}"


class FieldRefused(OneField, Invalid):
    """A value that breaks a rule of the domain (422)."""


class BadParameter(OneField, BadRequest):
    """A query parameter that cannot be understood (400)."""


class UnknownTimeZone(FieldRefused):
    """A workshop's time zone that is not in the IANA database: lateness is
    counted in that zone, so it must not reach the timer."""

    def __init__(self, time_zone: str):
        super().__init__("time_zone", f"unknown IANA time zone {time_zone!r}")


class NotACounterpart(OneField, Forbidden):
    """A delegation posting on an activity it takes no part in (403; the code
    stays "invalid", as clients have always read it)."""

    code = "invalid"

    def __init__(self, delegation_id: str):
        super().__init__(
            "delegation_id",
            f"{delegation_id} is neither the demanding nor a "
            "supplying delegation of the activity; only they can post updates on it",
        )


class ActivityNotFound(NotFound):
    """No activity with the id the request or the event names."""

    def __init__(self, activity_id: str):
        super().__init__(f"no activity {activity_id}")

    def describe(self) -> str:
        return f"{self.code}: payload.activity_id: {self.message}"


class WorkshopNotFound(OneField, NotFound):
    """A workshop followup was never told of (intake's workshop_published)."""

    def __init__(self, workshop_id: str, path: str = "workshop_id"):
        super().__init__(path, f"no workshop {workshop_id} is known to followup")


class ProducerNotAllowed(Forbidden):
    """A counterpart's update sent by a system that is not among those allowed
    to post them (`COUNTERPART_PRODUCERS`); parked with that reason, which is
    not an unknown activity's."""

    code = "producer_not_allowed"

    def __init__(self, producer: str, allowed: tuple[str, ...]):
        super().__init__(
            f"{producer!r} may not post counterpart updates; the systems that may "
            f"are {', '.join(allowed) or 'none'} (COUNTERPART_PRODUCERS)"
        )


class DelegationNotKnownYet(NotFound):
    """A withdrawal that overtook its registration; retried, since the
    registration (which carries the names) is on its way."""


ERRORS = ErrorMapping(
    status={
        FieldRefused: 422,
        BadParameter: 400,
        NotACounterpart: 403,
        NotFound: 404,
        Conflict: 409,
        Invalid: 422,
        BadRequest: 400,
        Forbidden: 403,
        DomainError: 422,
    },
    retried=(DelegationNotKnownYet,),
)
