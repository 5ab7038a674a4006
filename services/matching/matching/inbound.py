"""What matching consumes, declared once (`CONSUMES`): intake's events, each
read by a tolerant reader (only the fields it uses, unknown ones ignored, so
producers can add fields without breaking it) and applied by a read-model
use case. The backbone derives the handlers, queues and bindings from it.

One reader serves every schema version of a type: fields a later version
added (`workshop_id`, `version`) are optional here, so messages of the older
version still queued or parked keep loading. Readers derive from the
backbone's `Reader` (control characters refused everywhere, line breaks in
every one-line field, instants outside 1900..2199), so a bad event is parked
with the field at fault rather than copied into a schedule.
"""

from __future__ import annotations

from marshmallow import fields, validate

from rueda_backbone import Inbound, consumes
from rueda_backbone.fields import AwareDateTime, Reader

from . import usecases

Revision = lambda **kw: fields.Integer(validate=validate.Range(min=1), **kw)  # noqa: E731


class DelegateRef(Reader):
    delegate_id = fields.String(required=True)


class Delegate(DelegateRef):
    """v3: a delegate with the sessions they are present at (null: every one)
    and the languages they speak at a table. Not their name: matching places
    people by id, so it keeps nothing `delegate_erased` would have to reach."""

    languages = fields.List(
        fields.String(validate=validate.Length(min=1, max=16)), load_default=list
    )
    sessions = fields.List(
        fields.Integer(validate=validate.Range(min=1)), load_default=None, allow_none=True
    )


class DelegationRegistered(Reader):
    """v1 and v2: the delegates are only counted (seats); a v1 message (no
    version) counts as revision 1."""

    delegation_id = fields.String(required=True)
    workshop_id = fields.String(load_default=None)
    version = Revision(load_default=1)
    institution = fields.String(required=True)
    country = fields.String(required=True)
    delegates = fields.List(
        fields.Nested(DelegateRef), required=True, validate=validate.Length(min=1)
    )
    registered_at = AwareDateTime(required=True)


class DelegationRegisteredV3(DelegationRegistered):
    """v3: each delegate's presence and languages, so the solver places people."""

    delegates = fields.List(fields.Nested(Delegate), required=True, validate=validate.Length(min=1))


class DelegationWithdrawn(Reader):
    workshop_id = fields.String(required=True)
    delegation_id = fields.String(required=True)
    version = Revision(required=True)
    withdrawn_at = AwareDateTime(required=True)


class ProgramSubmitted(Reader):
    """v1 to v3 (v3 adds the presenting delegates: empty, or absent before v3,
    means any of the host's); v1 carries no workshop, so such a program is
    never scheduled."""

    program_id = fields.String(required=True)
    workshop_id = fields.String(load_default=None)
    delegation_id = fields.String(required=True)
    title = fields.String(required=True)
    topics = fields.List(fields.String(), load_default=list)
    presenting_delegate_ids = fields.List(fields.String(), load_default=list)
    version = Revision(required=True)
    submitted_at = AwareDateTime(required=True)


class ProgramWithdrawn(Reader):
    program_id = fields.String(required=True)
    workshop_id = fields.String(required=True)
    delegation_id = fields.String(required=True)
    version = Revision(required=True)
    withdrawn_at = AwareDateTime(required=True)


class ProgramReviewed(Reader):
    program_id = fields.String(required=True)
    workshop_id = fields.String(required=True)
    version = Revision(required=True)
    decision = fields.String(required=True)
    reviewed_at = AwareDateTime(required=True)


class InterestSubmitted(Reader):
    """v1 and v2; `attending_delegate_ids`: the delegation's delegates who sit at
    these tables (empty: any of them)."""

    interest_id = fields.String(required=True)
    workshop_id = fields.String(required=True)
    delegation_id = fields.String(required=True)
    version = Revision(required=True)
    programs = fields.List(fields.String(), required=True)
    attending_delegate_ids = fields.List(fields.String(), load_default=list)
    submitted_at = AwareDateTime(required=True)


class InterestWithdrawn(Reader):
    interest_id = fields.String(required=True)
    workshop_id = fields.String(required=True)
    delegation_id = fields.String(required=True)
    version = Revision(required=True)
    withdrawn_at = AwareDateTime(required=True)


class SessionTime(Reader):
    number = fields.Integer(required=True, validate=validate.Range(min=1))
    starts_at = AwareDateTime(required=True)


class Deadlines(Reader):
    interests = AwareDateTime(load_default=None, allow_none=True)


class LateWindow(Reader):
    form = fields.String(required=True)
    until = AwareDateTime(required=True)


class WorkshopPublished(Reader):
    workshop_id = fields.String(required=True)
    version = Revision(required=True)
    title = fields.String(required=True)
    time_zone = fields.String(load_default="UTC")
    sessions = fields.List(
        fields.Nested(SessionTime), required=True, validate=validate.Length(min=1)
    )
    tables_per_session = fields.Integer(required=True, validate=validate.Range(min=1))
    table_capacity = fields.Integer(required=True, validate=validate.Range(min=1))
    round_minutes = fields.Integer(required=True, validate=validate.Range(min=1))
    max_runs_per_program = fields.Integer(
        load_default=1, allow_none=True, validate=validate.Range(min=1)
    )
    rank_weights = fields.List(
        fields.Float(validate=validate.Range(min=0, min_inclusive=False)),
        load_default=None,
        allow_none=True,
    )
    deadlines = fields.Nested(Deadlines, load_default=None, allow_none=True)
    late_windows = fields.List(fields.Nested(LateWindow), load_default=list)


# withdrawals wake the planner, so without a debounce delay their re-plan
# starts at once; other changes that ask for one wait for its next poll
CONSUMES = Inbound(
    consumes(
        "intake", "workshop_published", {1: WorkshopPublished}, use_case=usecases.record_workshop
    ),
    consumes(
        "intake",
        "delegation_registered",
        {1: DelegationRegistered, 2: DelegationRegistered, 3: DelegationRegisteredV3},
        use_case=usecases.record_delegation,
    ),
    consumes(
        "intake",
        "delegation_withdrawn",
        {1: DelegationWithdrawn},
        use_case=usecases.withdraw_delegation,
        wakes="planning",
    ),
    consumes(
        "intake",
        "program_submitted",
        {1: ProgramSubmitted, 2: ProgramSubmitted, 3: ProgramSubmitted},
        use_case=usecases.record_program,
    ),
    consumes(
        "intake",
        "program_withdrawn",
        {1: ProgramWithdrawn},
        use_case=usecases.withdraw_program,
        wakes="planning",
    ),
    consumes("intake", "program_reviewed", {1: ProgramReviewed}, use_case=usecases.review_program),
    consumes(
        "intake",
        "interest_submitted",
        {1: InterestSubmitted, 2: InterestSubmitted},
        use_case=usecases.record_interest,
    ),
    consumes(
        "intake",
        "interest_withdrawn",
        {1: InterestWithdrawn},
        use_case=usecases.withdraw_interest,
        wakes="planning",
    ),
)
