"""What intake consumes, declared once: forms other systems (the network's
portal and its peers) publish as events.

They publish to the topic exchange `portal.events`, routing key = event type,
in a rueda envelope or as a CloudEvent (docs/events/README.md). Each payload
is the same form the HTTP API takes, read by the same schema (and so the same
input policy), plus an optional id chosen by the sender so a later message
can revise the same form. Unknown fields are ignored (tolerant reader, as for
every event in the suite); an invalid or refused form is parked with its
reasons and can be replayed after a fix.

`PORTAL` names the exchange, not an allowed sender: nothing here checks the
producer an envelope claims or a CloudEvent's `source` (a peer publishing as
`portal-a` is taken like the portal). What admits a system is its broker
user's write permission on `portal.events` (deploy/rabbitmq/systems.json).
"""

from __future__ import annotations

from marshmallow import EXCLUDE, fields, validate

from rueda_backbone import Inbound, consumes

from . import schemas, usecases

PORTAL = "portal"  # the exchange other systems write to: portal.events


def _sender_id(description: str):
    return fields.String(
        validate=validate.Length(min=1, max=36),
        metadata={"format": "uuid", "description": description},
    )


class DelegationFormSubmitted(schemas.DelegationRegistrationForm):
    class Meta:
        unknown = EXCLUDE

    delegation_id = _sender_id(
        "the sender's id for the delegation: registers it the first time, revises it afterwards"
    )


class ProgramFormSubmitted(schemas.ProgramProfileForm):
    class Meta:
        unknown = EXCLUDE

    program_id = _sender_id(
        "the sender's id for the program: submits it the first time, revises it afterwards"
    )


class InterestFormSubmitted(schemas.InterestForm):
    class Meta:
        unknown = EXCLUDE

    interest_id = _sender_id("the sender's id for the interest form")


class ExpressionOfInterestFormSubmitted(schemas.ExpressionOfInterestForm):
    class Meta:
        unknown = EXCLUDE

    expression_id = _sender_id("the sender's id for the expression of interest")


CONSUMES = Inbound(
    consumes(
        PORTAL,
        "delegation_form_submitted",
        {1: DelegationFormSubmitted},
        use_case=usecases.accept_delegation_form,
    ),
    consumes(
        PORTAL,
        "program_form_submitted",
        {1: ProgramFormSubmitted},
        use_case=usecases.accept_program_form,
    ),
    consumes(
        PORTAL,
        "interest_form_submitted",
        {1: InterestFormSubmitted},
        use_case=usecases.accept_interest_form,
    ),
    consumes(
        PORTAL,
        "expression_of_interest_form_submitted",
        {1: ExpressionOfInterestFormSubmitted},
        use_case=usecases.accept_expression_of_interest_form,
    ),
)
