"""Agendas and change notices from matching's schedules: the first revision
sends each delegate their agenda with a calendar file; later ones open a
debounced window per delegation, and when it closes each delegate gets one
notice with the net change since the plan they were last told about."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from .. import domain, ics, rendering
from ..exceptions import NotKnownYet
from ..models import Delegation, DelegationAgenda, Email, ScheduleRevision, Workshop
from .directory import delegates_of, delegation_row, required_workshop
from .emails import queue_all, queue_email, queued


def record_schedule(message: dict, *, uow, now: datetime, event_id: str,
                    settings) -> list[Email]:
    """Keep the revision; send the agenda on the first one, and open (or keep
    open) a change notice for each delegation a later one affects.

    `settings` gives the notice window (`window`) and the calendar UIDs'
    domain (`uid_domain`)."""
    session = uow.session
    workshop = required_workshop(session, message["workshop_id"])
    rounds = [{**r, "starts_at": r["starts_at"].isoformat(), "ends_at": r["ends_at"].isoformat()}
              for r in message["rounds"]]
    names = {d["delegation_id"]: d["name"] for d in message["delegations"]}
    key = (message["workshop_id"], message["revision"])
    if session.get(ScheduleRevision, key) is None:
        session.add(ScheduleRevision(
            workshop_id=message["workshop_id"], revision=message["revision"],
            schedule_id=message["schedule_id"], delegations=names, rounds=rounds,
            correlation_id=uow.correlation_id, received_at=now))
    # a delegation notify has never heard of is waited for; one whose
    # delegates were all erased is skipped rather than holding up the others
    unheard = {d for d in names if session.get(Delegation, d) is None}
    for delegation_id, name in names.items():
        delegation_row(session, delegation_id).name = name
    session.flush()

    if message["revision"] == 1:
        return queued(domain.AGENDA, _send_agendas(
            uow, now=now, event_id=event_id, workshop=workshop, names=names, rounds=rounds,
            revision=1, uid_domain=settings.uid_domain, unheard=unheard), revision=1)
    for item in message["changes"]:
        delegation_id = item["delegation_id"]
        # locked: two re-plans handled at once must not both read "nothing pending"
        agenda = session.get(DelegationAgenda, (message["workshop_id"], delegation_id),
                             with_for_update=True)
        if agenda is None:
            # never told anything (it joined in a re-plan): its notice lists every round as added
            agenda = DelegationAgenda(workshop_id=message["workshop_id"],
                                      delegation_id=delegation_id, notified_revision=0)
            session.add(agenda)
        if agenda.notified_revision >= message["revision"]:
            continue  # a late, older revision than the one already told
        agenda.pending_revision = max(agenda.pending_revision or 0, message["revision"])
        # the window opens with the first change of a burst and is not pushed
        # back by later ones, so a steady stream of re-plans still gets told
        agenda.due_at = agenda.due_at or now + settings.window
    return queued(domain.AGENDA, [], revision=message["revision"])


def flush_due_notices(command: dict, *, uow, now: datetime, settings) -> list[Email]:
    """Turn every burst of changes whose window has passed by `now` into one
    notice per delegate, with the net change since the plan they were last
    told about. The sender's loop runs it; `command` asks for nothing more."""
    session = uow.session
    emails = []
    due = list(session.scalars(sa.select(DelegationAgenda).where(
        DelegationAgenda.due_at.is_not(None), DelegationAgenda.due_at <= now)
        .order_by(DelegationAgenda.workshop_id, DelegationAgenda.delegation_id).with_for_update()))
    for agenda in due:
        emails += _notices(uow, agenda, now=now, uid_domain=settings.uid_domain)
    return queued(domain.SCHEDULE_CHANGED, emails) if emails else emails


def _notices(uow, agenda: DelegationAgenda, *, now: datetime, uid_domain: str) -> list[Email]:
    session = uow.session
    delegation = session.get(Delegation, agenda.delegation_id)
    latest = session.get(ScheduleRevision, (agenda.workshop_id, agenda.pending_revision))
    workshop = session.get(Workshop, agenda.workshop_id)
    base = session.get(ScheduleRevision, (agenda.workshop_id, agenda.notified_revision))
    notified, pending = agenda.notified_revision, agenda.pending_revision
    agenda.notified_revision, agenda.pending_revision, agenda.due_at = pending, None, None
    if delegation is not None and delegation.withdrawn or latest is None or workshop is None:
        return []
    before = domain.seats_of(agenda.delegation_id, base.rounds if base else [])
    after = domain.seats_of(agenda.delegation_id, latest.rounds)
    changes = domain.net_changes(before, after)
    if not changes:
        return []  # moved and moved back within the window: nothing to tell
    names = {**(base.delegations if base else {}), **latest.delegations}
    zone = ZoneInfo(workshop.time_zone)
    ordered = _ordered(after)
    cancelled = [c.before for c in changes if c.change == "removed"]
    delegation_id = agenda.delegation_id

    def context(language):
        where = rendering.translations(language).gettext(domain.WHERE)

        def place(seat):
            return where % {"session": seat.session, "table": seat.table} if seat else None
        return {"delegation": names.get(delegation_id, delegation_id),
                "workshop": workshop.title, "time_zone": workshop.time_zone,
                "changes": [{"change": c.change,
                             "program_title": (c.after or c.before).program_title,
                             "before": place(c.before) if c.change in ("moved", "removed")
                             else None,
                             "after": place(c.after) if c.change != "removed" else None}
                            for c in changes],
                "seats": [_seat_view(s, delegation_id, names, zone) for s in ordered]}

    attachment = _ics_attachment(ordered, cancelled, revision=pending, workshop=workshop,
                                 names=names, uid_domain=uid_domain, now=now)
    # the burst, not an event, is what a notice is once per
    burst = f"schedule:{agenda.workshop_id}:{delegation_id}:{notified}-{pending}"
    emails = [queue_email(uow=uow, now=now, event_id=burst, recipient=recipient,
                          kind=domain.SCHEDULE_CHANGED, context=context,
                          correlation_id=latest.correlation_id, workshop=workshop,
                          attachments=[attachment])
              for recipient in delegates_of(session, delegation_id)]
    return [e for e in emails if e is not None]


def _send_agendas(uow, *, now, event_id, workshop, names, rounds, revision, uid_domain,
                  unheard=frozenset()) -> list[Email]:
    session = uow.session
    zone = ZoneInfo(workshop.time_zone)
    emails = []
    for delegation_id in names:
        delegation = session.get(Delegation, delegation_id)
        if delegation is not None and delegation.withdrawn:
            continue
        agenda = session.get(DelegationAgenda, (workshop.id, delegation_id))
        if agenda is not None and agenda.notified_revision >= revision:
            continue
        recipients = delegates_of(session, delegation_id)
        if not recipients and delegation_id in unheard:
            raise NotKnownYet(f"no contacts yet for delegation {delegation_id}")
        ordered = _ordered(domain.seats_of(delegation_id, rounds))
        context = {"delegation": names[delegation_id], "workshop": workshop.title,
                   "time_zone": workshop.time_zone,
                   "seats": [_seat_view(s, delegation_id, names, zone) for s in ordered]}
        attachment = _ics_attachment(ordered, [], revision=revision, workshop=workshop,
                                     names=names, uid_domain=uid_domain, now=now)
        emails += queue_all(uow, recipients, now=now, event_id=event_id, kind=domain.AGENDA,
                            context=context, workshop=workshop, attachments=[attachment])
        if agenda is None:
            session.add(DelegationAgenda(workshop_id=workshop.id, delegation_id=delegation_id,
                                         notified_revision=revision))
        else:
            agenda.notified_revision = revision
    return emails


def _seat_view(seat: domain.Seat, delegation_id: str, names: dict, zone: ZoneInfo) -> dict:
    starts = datetime.fromisoformat(seat.starts_at).astimezone(zone)
    ends = datetime.fromisoformat(seat.ends_at).astimezone(zone)
    return {"session": seat.session, "table": seat.table, "program_title": seat.program_title,
            "starts": starts.strftime("%Y-%m-%d %H:%M"), "ends": ends.strftime("%H:%M"),
            "host": names.get(seat.host_delegation_id, seat.host_delegation_id), "role": seat.role,
            # the host is named on its own; these are the other guests
            "others": [names.get(d, d) for d in seat.attendee_delegation_ids if d != delegation_id]}


def _ics_attachment(seats, cancelled, *, revision, workshop, names, uid_domain, now):
    content = ics.agenda_calendar(
        seats=seats, cancelled=cancelled, revision=revision, time_zone=workshop.time_zone,
        workshop_title=workshop.title, names=names, uid_domain=uid_domain, stamp=now)
    return ("agenda.ics", "text/calendar; method=PUBLISH", content, None)


def _ordered(seats: dict) -> list[domain.Seat]:
    return sorted(seats.values(), key=lambda s: (s.session, s.table, s.round_id))
