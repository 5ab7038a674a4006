"""What webhooks consumes, declared once: one row per event type outside
systems may subscribe to (`domain.OFFERED`), each turned into one delivery per
matching subscription by `usecases.record_event`.

The readers check the payload the way every consumer does (no control
characters, one-line strings unless the producer declares free text) and
name only the ids; the delivery's body is the whole event as published,
as a CloudEvent, read from the envelope (`uses="event"`)."""

from __future__ import annotations

from marshmallow import fields

from rueda_backbone import Inbound, consumes
from rueda_backbone.fields import Reader, Text

from . import usecases


class WorkshopPublished(Reader):
    workshop_id = fields.String(required=True)


class ProgramSubmitted(Reader):
    program_id = fields.String(required=True)


class ProgramWithdrawn(Reader):
    program_id = fields.String(required=True)


class UnmetInterest(Reader):
    reason = Text(allow_none=True)


class SchedulePublished(Reader):
    workshop_id = fields.String(required=True)
    schedule_id = fields.String(required=True)
    # free text: the reason a delegation's interest could not be met
    unmet = fields.List(fields.Nested(UnmetInterest), load_default=list)


class ActivityProposed(Reader):
    activity_id = fields.String(required=True)


class ActivityStatusChanged(Reader):
    activity_id = fields.String(required=True)
    reason = Text(allow_none=True)


class ActivityFollowUpDue(Reader):
    activity_id = fields.String(required=True)


class FundingSelectionConfirmed(Reader):
    selection_id = fields.String(required=True)


def _row(producer: str, event_type: str, readers):
    # the sender is woken only for deliveries: most events have no subscriber
    return consumes(
        producer,
        event_type,
        readers,
        use_case=usecases.record_event,
        uses="event",
        wakes="sender",
        wake_when=bool,
    )


CONSUMES = Inbound(
    _row("intake", "workshop_published", WorkshopPublished),
    _row(
        "intake",
        "program_submitted",
        {1: ProgramSubmitted, 2: ProgramSubmitted, 3: ProgramSubmitted},
    ),
    _row("intake", "program_withdrawn", ProgramWithdrawn),
    _row("matching", "schedule_published", {1: SchedulePublished, 2: SchedulePublished}),
    _row("followup", "activity_proposed", ActivityProposed),
    _row("followup", "activity_status_changed", ActivityStatusChanged),
    _row("followup", "activity_follow_up_due", ActivityFollowUpDue),
    _row(
        "followup",
        "funding_selection_confirmed",
        {1: FundingSelectionConfirmed, 2: FundingSelectionConfirmed},
    ),
)
