"""Each delegate's personal agenda page and live calendar feed, served by
notify at an unguessable address (`/agendas/<token>`, the token minted by
`agendas.link_for` when an email first links to it). They always show the
currently published revision. Erasing the delegate deletes the token: both
then answer 404, like any unknown address."""

from __future__ import annotations

import re
from datetime import datetime

import sqlalchemy as sa

from rueda_backbone.errors import NotFound

from .. import domain, rendering
from ..models import AgendaLink, Delegation, Recipient, ScheduleRevision, Workshop
from .agendas import agenda_view, named, person_calendar

# what secrets.token_urlsafe(32) gives (43 characters); anything else is not
# a token and is answered like an unknown one, without a query
TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")


def _agenda_at(session, token: str):
    """(person, workshop, latest revision, its rounds for the person's
    delegation) of a token, or NotFound: an unknown, revoked or malformed
    token and a person erased since all look the same from outside."""
    link = session.get(AgendaLink, token) if TOKEN.match(token or "") else None
    if link is None:
        raise NotFound("no agenda at this address")
    person = session.get(Recipient, link.recipient_id)
    workshop = session.get(Workshop, link.workshop_id)
    latest = session.scalars(
        sa.select(ScheduleRevision)
        .where(ScheduleRevision.workshop_id == link.workshop_id)
        .order_by(ScheduleRevision.revision.desc())
        .limit(1)
    ).first()
    if person is None or person.delegation_id is None or workshop is None or latest is None:
        raise NotFound("no agenda at this address")
    delegation = session.get(Delegation, person.delegation_id)
    withdrawn = delegation is not None and delegation.withdrawn
    return person, workshop, latest, [] if withdrawn else latest.rounds


def agenda_page(query: dict, *, uow, now: datetime, settings) -> str:
    """The HTML page of the person's agenda in the currently published
    revision, in their language."""
    session = uow.session
    person, workshop, latest, rounds = _agenda_at(session, query["token"])
    language = domain.choose_language(person.language, workshop.languages)
    view = agenda_view(
        session, language, person=person, workshop=workshop, revision=latest, rounds=rounds
    )
    return rendering.render_page(
        "agenda_page",
        language,
        {
            **view,
            "name": person.name,
            "revision": latest.revision,
            # relative: the page works behind any proxy path
            "calendar_url": f"{query['token']}/calendar.ics",
        },
    )


def agenda_feed(query: dict, *, uow, now: datetime, settings) -> bytes:
    """The person's rounds in the currently published revision as a calendar
    feed: the same UIDs as the emails' files and SEQUENCE the revision, so a
    subscribed calendar moves its entries after a re-plan."""
    person, workshop, latest, rounds = _agenda_at(uow.session, query["token"])
    return person_calendar(
        person,
        workshop=workshop,
        revision=latest,
        rounds=rounds,
        uid_domain=settings.uid_domain,
        names=named(uow.session, latest.delegations),
    )
