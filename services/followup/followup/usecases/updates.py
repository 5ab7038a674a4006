"""Counterparts' status updates on an activity, over HTTP or published by the
portal as `activity_update_submitted`: the same rules for both."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from ..exceptions import FieldRefused, NotACounterpart, ProducerNotAllowed
from ..models import CounterpartUpdate
from ..settings import DEFAULT, Settings
from ..views import counterparts, describe, find_activity
from .follow_ups import reset_follow_up
from .trail import Actor, audit


def post_update(command: dict, *, uow, now: datetime) -> dict:
    """A counterpart reports progress; that is a follow-up, so the next one moves on.

    The command is the HTTP body or the portal's event, with `activity_id`;
    an event also names the update (`update_id`) and when it was written
    (`submitted_at`). Its author is the posting delegation, whoever sent it."""
    session = uow.session
    activity = find_activity(session, command["activity_id"], for_update=True)
    update_id = command.get("update_id")
    if update_id is not None:
        # the inbox only drops a re-delivered event; a sender re-sending the
        # same update under a new event id is caught here
        earlier = session.scalar(
            sa.select(CounterpartUpdate).where(CounterpartUpdate.update_id == update_id)
        )
        if earlier is not None:
            if earlier.activity_id != activity.id:
                raise FieldRefused(
                    "update_id",
                    f"{update_id} already names an update of activity {earlier.activity_id}",
                )
            return describe(session, activity, now, with_trail=True)
    if command["delegation_id"] not in counterparts(activity):
        raise NotACounterpart(command["delegation_id"])
    # a sender's clock running ahead must not date an update in the future
    at = min(command["submitted_at"], now) if command.get("submitted_at") else now
    session.add(
        CounterpartUpdate(
            activity_id=activity.id,
            update_id=update_id,
            delegation_id=command["delegation_id"],
            delegate_id=command.get("delegate_id"),
            text=command["text"],
            at=at,
        )
    )
    reset_follow_up(session, activity, now)
    activity.updated_at = now
    audit(
        session,
        activity,
        kind="update_posted",
        actor=Actor(command["delegation_id"], uow.origin),
        now=now,
        reason=command["text"][:200],
        details={"update_id": update_id} if update_id else None,
    )
    return describe(session, activity, now, with_trail=True)


def _producer(origin: str) -> str:
    """The sending system, from an event's origin `event:<producer>/<type>`."""
    return origin.removeprefix("event:").rpartition("/")[0]


def receive_update(message: dict, *, uow, now: datetime, settings: Settings = DEFAULT) -> dict:
    """A counterpart's update published as `activity_update_submitted`: from
    a system the configuration allows (`COUNTERPART_PRODUCERS`), then the
    same rules as over HTTP. A sender not allowed is refused before anything
    is looked up, so its reason never reads as an unknown activity's."""
    producer = _producer(uow.origin)
    if producer not in settings.counterpart_producers:
        raise ProducerNotAllowed(producer, settings.counterpart_producers)
    return post_update(message, uow=uow, now=now)
