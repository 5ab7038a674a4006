"""Agendas and change notices from matching's schedules: the first revision
sends each delegate their own agenda (the rounds they present or attend, the
rounds their colleagues attend, the delegation's unmet interests and why)
with a calendar file of their rounds and the address of their live page and
feed; later ones open a debounced window per delegation, and when it closes
each delegate whose own rounds changed gets one notice with the net change
since the plan they were last told about.

A schedule without people (schedule_published v1) gives every delegate the
whole delegation's rounds, as it always did."""

from __future__ import annotations

import secrets
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from .. import domain, ics, rendering
from ..exceptions import NotKnownYet
from ..models import (
    AgendaLink,
    Delegation,
    DelegationAgenda,
    Email,
    Program,
    Recipient,
    ScheduleRevision,
    Workshop,
)
from .directory import delegates_of, delegation_labels, delegation_row, required_workshop
from .emails import queue_email, queued


def record_schedule(message: dict, *, uow, now: datetime, event_id: str, settings) -> list[Email]:
    """Keep the revision; send the agendas on the first one, and open (or keep
    open) a change notice for each delegation a later one affects: those in
    its `changes`, and, when it names people, those whose seats went to
    another of their delegates.

    `settings` gives the notice window (`window`), the calendar UIDs' domain
    (`uid_domain`) and the public address of the agenda pages (`public_url`)."""
    session = uow.session
    workshop = required_workshop(session, message["workshop_id"])
    rounds = [
        {**r, "starts_at": r["starts_at"].isoformat(), "ends_at": r["ends_at"].isoformat()}
        for r in message["rounds"]
    ]
    names = {d["delegation_id"]: d["name"] for d in message["delegations"]}
    key = (message["workshop_id"], message["revision"])
    revision = session.get(ScheduleRevision, key)
    if revision is None:
        revision = ScheduleRevision(
            workshop_id=message["workshop_id"],
            revision=message["revision"],
            schedule_id=message["schedule_id"],
            delegations=names,
            rounds=rounds,
            unmet=[dict(u) for u in message.get("unmet") or ()],
            correlation_id=uow.correlation_id,
            received_at=now,
        )
        session.add(revision)
    # a delegation notify has never heard of is waited for; one whose
    # delegates were all erased is skipped rather than holding up the others
    unheard = {d for d in names if session.get(Delegation, d) is None}
    for delegation_id, name in names.items():
        delegation_row(session, delegation_id).name = name
    session.flush()

    if message["revision"] == 1:
        return queued(
            domain.AGENDA,
            _send_agendas(
                uow,
                now=now,
                event_id=event_id,
                workshop=workshop,
                revision=revision,
                settings=settings,
                unheard=unheard,
            ),
            revision=1,
        )
    affected = [item["delegation_id"] for item in message["changes"]]
    affected += sorted(_seats_reassigned(session, revision) - set(affected))
    for delegation_id in affected:
        # locked: two re-plans handled at once must not both read "nothing pending"
        agenda = session.get(
            DelegationAgenda, (message["workshop_id"], delegation_id), with_for_update=True
        )
        if agenda is None:
            # never told anything (it joined in a re-plan): its notice lists every round as added
            agenda = DelegationAgenda(
                workshop_id=message["workshop_id"], delegation_id=delegation_id, notified_revision=0
            )
            session.add(agenda)
        if agenda.notified_revision >= message["revision"]:
            continue  # a late, older revision than the one already told
        agenda.pending_revision = max(agenda.pending_revision or 0, message["revision"])
        # the window opens with the first change of a burst and is not pushed
        # back by later ones, so a steady stream of re-plans still gets told
        agenda.due_at = agenda.due_at or now + settings.window
    return queued(domain.AGENDA, [], revision=message["revision"])


def _seats_reassigned(session, revision: ScheduleRevision) -> set[str]:
    """Delegations whose rounds stayed put but went to other delegates of
    theirs since the revision before (matching's `changes` are per delegation)."""
    if not domain.places_people(revision.rounds):
        return set()
    previous = session.scalars(
        sa.select(ScheduleRevision)
        .where(
            ScheduleRevision.workshop_id == revision.workshop_id,
            ScheduleRevision.revision < revision.revision,
        )
        .order_by(ScheduleRevision.revision.desc())
        .limit(1)
    ).first()
    if previous is None:
        return set()
    return {
        d
        for d in revision.delegations
        if domain.seat_holders(d, previous.rounds) != domain.seat_holders(d, revision.rounds)
    }


def flush_due_notices(command: dict, *, uow, now: datetime, settings) -> list[Email]:
    """Turn every burst of changes whose window has passed by `now` into one
    notice per delegate whose own rounds changed, with the net change since
    the plan they were last told about. The sender's loop runs it; `command`
    asks for nothing more."""
    session = uow.session
    emails = []
    due = list(
        session.scalars(
            sa.select(DelegationAgenda)
            .where(DelegationAgenda.due_at.is_not(None), DelegationAgenda.due_at <= now)
            .order_by(DelegationAgenda.workshop_id, DelegationAgenda.delegation_id)
            .with_for_update()
        )
    )
    for agenda in due:
        emails += _notices(uow, agenda, now=now, settings=settings)
    return queued(domain.SCHEDULE_CHANGED, emails) if emails else emails


def _notices(uow, agenda: DelegationAgenda, *, now: datetime, settings) -> list[Email]:
    session = uow.session
    delegation = session.get(Delegation, agenda.delegation_id)
    latest = session.get(ScheduleRevision, (agenda.workshop_id, agenda.pending_revision))
    workshop = session.get(Workshop, agenda.workshop_id)
    base = session.get(ScheduleRevision, (agenda.workshop_id, agenda.notified_revision))
    notified, pending = agenda.notified_revision, agenda.pending_revision
    agenda.notified_revision, agenda.pending_revision, agenda.due_at = pending, None, None
    if delegation is not None and delegation.withdrawn or latest is None or workshop is None:
        return []
    names = {**(base.delegations if base else {}), **latest.delegations}
    delegation_id = agenda.delegation_id
    # the burst, not an event, is what a notice is once per
    burst = f"schedule:{agenda.workshop_id}:{delegation_id}:{notified}-{pending}"
    emails = []
    for person in delegates_of(session, delegation_id):
        before, _ = domain.personal_agenda(person.id, delegation_id, base.rounds if base else [])
        after, _ = domain.personal_agenda(person.id, delegation_id, latest.rounds)
        changes = domain.net_changes(before, after)
        if not changes:
            continue  # nothing of theirs moved (or it moved and moved back within the window)
        cancelled = [c.before for c in changes if c.change == "removed"]
        token = link_for(session, workshop_id=workshop.id, recipient_id=person.id, now=now)
        context = _context(
            session,
            person=person,
            workshop=workshop,
            revision=latest,
            names=names,
            addresses=links(settings.public_url, token),
            changes=changes,
        )
        attachment = _ics_attachment(
            _ordered(after),
            cancelled,
            revision=pending,
            workshop=workshop,
            names=named(session, names),
            uid_domain=settings.uid_domain,
            now=now,
        )
        emails.append(
            queue_email(
                uow=uow,
                now=now,
                event_id=burst,
                recipient=person,
                kind=domain.SCHEDULE_CHANGED,
                context=context,
                correlation_id=latest.correlation_id,
                workshop=workshop,
                attachments=[attachment],
            )
        )
    return [e for e in emails if e is not None]


def _send_agendas(
    uow, *, now, event_id, workshop, revision: ScheduleRevision, settings, unheard=frozenset()
) -> list[Email]:
    session = uow.session
    emails = []
    for delegation_id in revision.delegations:
        delegation = session.get(Delegation, delegation_id)
        if delegation is not None and delegation.withdrawn:
            continue
        agenda = session.get(DelegationAgenda, (workshop.id, delegation_id))
        if agenda is not None and agenda.notified_revision >= revision.revision:
            continue
        recipients = delegates_of(session, delegation_id)
        if not recipients and delegation_id in unheard:
            raise NotKnownYet(f"no contacts yet for delegation {delegation_id}")
        for person in recipients:
            own, _ = domain.personal_agenda(person.id, delegation_id, revision.rounds)
            token = link_for(session, workshop_id=workshop.id, recipient_id=person.id, now=now)
            context = _context(
                session,
                person=person,
                workshop=workshop,
                revision=revision,
                addresses=links(settings.public_url, token),
            )
            attachment = _ics_attachment(
                _ordered(own),
                [],
                revision=revision.revision,
                workshop=workshop,
                names=named(session, revision.delegations),
                uid_domain=settings.uid_domain,
                now=now,
            )
            emails.append(
                queue_email(
                    uow=uow,
                    now=now,
                    event_id=event_id,
                    recipient=person,
                    kind=domain.AGENDA,
                    context=context,
                    correlation_id=uow.correlation_id,
                    workshop=workshop,
                    attachments=[attachment],
                )
            )
        if agenda is None:
            session.add(
                DelegationAgenda(
                    workshop_id=workshop.id,
                    delegation_id=delegation_id,
                    notified_revision=revision.revision,
                )
            )
        else:
            agenda.notified_revision = revision.revision
    return [e for e in emails if e is not None]


# -- what an agenda says, in the email and on the page -------------------------------


def agenda_view(
    session,
    language: str,
    *,
    person: Recipient,
    workshop: Workshop,
    revision: ScheduleRevision,
    rounds: list[dict] | None = None,
    names: dict | None = None,
) -> dict:
    """A person's agenda in `revision` as the templates show it, in `language`:
    their own rounds (`seats`), their colleagues' (`colleagues`, with the
    colleague's name when notify knows it) and the delegation's unmet
    interests with the reason (`unmet`). `personal` is false for a schedule
    without people, whose `seats` are the whole delegation's."""
    delegation_id = person.delegation_id
    rounds = revision.rounds if rounds is None else rounds
    names = named(session, revision.delegations if names is None else names)
    zone = ZoneInfo(workshop.time_zone)
    gettext = rendering.translations(language).gettext
    own, colleagues = domain.personal_agenda(person.id, delegation_id, rounds)
    people = {r.id: r.name for r in delegates_of(session, delegation_id)}

    unplaced, unknown = (
        gettext(domain.LABELS[key]) for key in ("colleague_unplaced", "colleague_unknown")
    )

    def colleague(holder):
        return unplaced if holder is None else people.get(holder) or unknown

    delegation = session.get(Delegation, delegation_id)
    return {
        "delegation": names.get(delegation_id)
        or (delegation.name if delegation else None)
        or delegation_id,
        "workshop": workshop.title,
        "time_zone": workshop.time_zone,
        "personal": domain.places_people(rounds),
        "seats": [_seat_view(s, delegation_id, names, zone, language) for s in _ordered(own)],
        "colleagues": [
            {
                **_seat_view(seat, delegation_id, names, zone, language),
                "colleague": colleague(holder),
                "role": f"colleague_{seat.role}",
            }
            for seat, holder in colleagues
        ],
        "unmet": _unmet_view(session, gettext, delegation_id, revision.unmet, rounds),
    }


def _context(session, *, person, workshop, revision, addresses, names=None, changes=None):
    """The template values of an agenda or a notice, as a function of the language."""

    def context(language):
        values = {
            **agenda_view(
                session, language, person=person, workshop=workshop, revision=revision, names=names
            ),
            **addresses,
        }
        if changes is not None:
            where = rendering.translations(language).gettext(domain.WHERE)

            def place(seat):
                return where % {"session": seat.session, "table": seat.table} if seat else None

            values["changes"] = [
                {
                    "change": c.change,
                    "program_title": (c.after or c.before).program_title,
                    "before": place(c.before) if c.change in ("moved", "removed") else None,
                    "after": place(c.after) if c.change != "removed" else None,
                }
                for c in changes
            ]
        return values

    return context


def _unmet_view(session, gettext, delegation_id: str, unmet, rounds: list[dict]) -> list[dict]:
    titles = {r["program_id"]: r.get("program_title") for r in rounds}
    untitled = domain.LABELS["unknown_program"]
    out = []
    for item in domain.unmet_of(delegation_id, unmet):
        title = titles.get(item["program_id"])
        if not title:
            program = session.get(Program, item["program_id"])
            title = program.title if program else gettext(untitled)
        reason = domain.UNMET_REASONS.get(item["reason_code"])
        out.append(
            {"program_title": title, "reason": gettext(reason) if reason else item["reason"]}
        )
    return out


def named(session, names: dict) -> dict:
    """A schedule's delegation names, each as notify's registrations call it
    (acronym and country, or region), the schedule's name otherwise."""
    return delegation_labels(session, list(names), fallback=names)


def _seat_view(
    seat: domain.Seat, delegation_id: str, names: dict, zone: ZoneInfo, language: str
) -> dict:
    starts = datetime.fromisoformat(seat.starts_at)
    ends = datetime.fromisoformat(seat.ends_at)
    return {
        "session": seat.session,
        "table": seat.table,
        "program_title": seat.program_title,
        "starts": rendering.clock(starts, zone, language, with_date=True),
        "ends": rendering.clock(ends, zone, language, with_date=False),
        "host": names.get(seat.host_delegation_id, seat.host_delegation_id),
        "role": seat.role,
        # the host is named on its own; these are the other guests
        "others": [names.get(d, d) for d in seat.attendee_delegation_ids if d != delegation_id],
    }


# -- calendars ----------------------------------------------------------------------------


def _ics_attachment(seats, cancelled, *, revision, workshop, names, uid_domain, now):
    content = ics.agenda_calendar(
        seats=seats,
        cancelled=cancelled,
        revision=revision,
        time_zone=workshop.time_zone,
        workshop_title=workshop.title,
        names=names,
        uid_domain=uid_domain,
        stamp=now,
    )
    # the charset is declared: titles and names carry accents
    return ("agenda.ics", "text/calendar; charset=utf-8; method=PUBLISH", content, None)


def person_calendar(
    person: Recipient,
    *,
    workshop: Workshop,
    revision: ScheduleRevision,
    rounds: list[dict],
    uid_domain: str,
    names: dict | None = None,
) -> bytes:
    """The live feed: the person's rounds in `revision`, stamped with the time
    notify received it, so the same revision always gives the same file."""
    own, _ = domain.personal_agenda(person.id, person.delegation_id, rounds)
    return ics.agenda_calendar(
        seats=_ordered(own),
        cancelled=[],
        revision=revision.revision,
        time_zone=workshop.time_zone,
        workshop_title=workshop.title,
        names=names or revision.delegations,
        uid_domain=uid_domain,
        stamp=revision.received_at,
        feed_name=workshop.title,
    )


def _ordered(seats: dict) -> list[domain.Seat]:
    return sorted(seats.values(), key=lambda s: (s.session, s.table, s.round_id))


# -- the addresses of the page and the feed ------------------------------------------------


def link_for(session, *, workshop_id: str, recipient_id: str, now: datetime) -> str:
    """The token of a delegate's agenda page in a workshop: a random 256-bit
    opaque id, minted the first time an email links to it."""
    token = session.scalar(
        sa.select(AgendaLink.token).where(
            AgendaLink.workshop_id == workshop_id, AgendaLink.recipient_id == recipient_id
        )
    )
    if token is None:
        token = secrets.token_urlsafe(32)
        session.add(
            AgendaLink(
                token=token, workshop_id=workshop_id, recipient_id=recipient_id, created_at=now
            )
        )
        session.flush()
    return token


def links(public_url: str, token: str) -> dict:
    """The page's and the feed's addresses, for an email."""
    page = f"{public_url.rstrip('/')}/agendas/{token}"
    return {"page_url": page, "calendar_url": f"{page}/calendar.ics"}
