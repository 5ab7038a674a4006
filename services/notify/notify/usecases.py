"""notify's use cases: keep the recipients directory, queue the emails events
call for. Each runs inside the caller's unit of work; nothing here touches the
network (the sender delivers later, from the outbox)."""
from __future__ import annotations

import base64
import hashlib
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from rueda_backbone.consuming import PermanentFailure

from . import domain, ics, rendering
from .models import (Attachment, Delegation, DelegationAgenda, Email, OptOut, Program, Recipient,
                     ScheduleRevision, Workshop)


class NotKnownYet(Exception):
    """Something an email needs (contacts, staff, workshop) has not arrived
    yet; the backbone retries the event later, when it will have."""


RecipientsNotKnownYet = NotKnownYet


def _now() -> datetime:
    return datetime.now(timezone.utc)


# -- the directory ----------------------------------------------------------------

def _delegation(session, delegation_id: str) -> Delegation:
    row = session.get(Delegation, delegation_id)
    if row is None:
        row = Delegation(id=delegation_id, contacts_version=0)
        session.add(row)
    return row


def update_contacts(event: dict, *, uow) -> list[Recipient]:
    """Make the directory hold exactly the delegation's current contacts.

    v2 events carry a version: an older one arriving late changes nothing.
    v1 events have none and always apply, as they did before versions."""
    session = uow.session
    delegation = _delegation(session, event["delegation_id"])
    version = event.get("version")
    if version is not None:
        if version <= delegation.contacts_version:
            return []
        delegation.contacts_version = version
    if event.get("workshop_id"):
        delegation.workshop_id = event["workshop_id"]
    wanted = {c["delegate_id"]: c for c in event["contacts"]}
    existing = {r.id: r for r in session.scalars(
        sa.select(Recipient).where(Recipient.delegation_id == event["delegation_id"]))}
    for gone in set(existing) - set(wanted):
        session.delete(existing[gone])
    recipients = []
    for delegate_id, contact in wanted.items():
        recipient = existing.get(delegate_id) or session.get(Recipient, delegate_id) \
            or Recipient(id=delegate_id)
        recipient.kind = domain.DELEGATE
        recipient.delegation_id = event["delegation_id"]
        recipient.name = contact["name"]
        recipient.email = contact["email"]
        recipient.language = contact["language"]
        recipient.is_focal_point = contact["is_focal_point"]
        recipient.roles = []
        recipient.active = True
        recipient.version = version or 0
        session.add(recipient)
        recipients.append(recipient)
    return recipients


def update_staff(event: dict, *, uow) -> Recipient | None:
    session = uow.session
    recipient = session.get(Recipient, event["staff_id"])
    if recipient is not None and recipient.version >= event["version"]:
        return None
    recipient = recipient or Recipient(id=event["staff_id"])
    recipient.kind = domain.STAFF
    recipient.delegation_id = None
    recipient.name = event["name"]
    recipient.email = event["email"]
    recipient.language = event["language"]
    recipient.is_focal_point = False
    recipient.roles = list(event["roles"])
    recipient.active = event["active"]
    recipient.version = event["version"]
    session.add(recipient)
    return recipient


def erase_delegate(event: dict, *, uow) -> dict:
    """Remove a delegate from notify: the directory, their opt-outs, emails not
    sent yet, and the addresses and bodies of emails already sent. What stays
    (a hashed dedup key, kind, status, dates) proves an email went out once
    without saying to whom or what it said."""
    session = uow.session
    person = event["delegate_id"]
    session.execute(sa.delete(OptOut).where(OptOut.recipient_id == person))
    session.execute(sa.delete(Recipient).where(Recipient.id == person))
    emails = list(session.scalars(sa.select(Email).where(Email.recipient_id == person)))
    ids = [e.id for e in emails]
    if ids:
        session.execute(sa.delete(Attachment).where(Attachment.email_id.in_(ids)))
    unsent = 0
    for email in emails:
        if email.status == domain.PENDING:
            session.delete(email)
            unsent += 1
            continue
        email.dedup_key = "erased:" + hashlib.sha256(email.dedup_key.encode()).hexdigest()
        email.recipient_id = "erased"
        email.to_address = ""
        email.text_body = ""
        email.html_body = ""
        email.last_error = None if email.last_error is None else "(erased)"
    return {"unsent_dropped": unsent, "scrubbed": len(emails) - unsent}


def withdraw_delegation(event: dict, *, uow) -> None:
    delegation = _delegation(uow.session, event["delegation_id"])
    delegation.withdrawn_version = max(delegation.withdrawn_version or 0, event["version"])
    delegation.workshop_id = delegation.workshop_id or event["workshop_id"]
    # a withdrawn delegation is told nothing more about the rounds
    uow.session.execute(sa.update(DelegationAgenda).where(
        DelegationAgenda.delegation_id == event["delegation_id"]).values(
        pending_revision=None, due_at=None))


def publish_workshop(event: dict, *, uow) -> None:
    session = uow.session
    workshop = session.get(Workshop, event["workshop_id"])
    if workshop is not None and workshop.version >= event["version"]:
        return
    try:
        ZoneInfo(event["time_zone"])
    except (ZoneInfoNotFoundError, ValueError):
        raise PermanentFailure(f"unknown time zone {event['time_zone']!r}") from None
    workshop = workshop or Workshop(id=event["workshop_id"])
    workshop.version = event["version"]
    workshop.title = event["title"]
    workshop.time_zone = event["time_zone"]
    workshop.languages = [lang for lang in event["languages"] if lang in domain.LANGUAGES]
    deadlines = event["deadlines"]
    workshop.deadline_programs = deadlines.get("programs")
    workshop.deadline_interests = deadlines.get("interests")
    workshop.deadline_expressions = deadlines.get("expressions_of_interest")
    session.add(workshop)


def set_opt_outs(session, recipient_id: str, categories: list[str]) -> list[str] | None:
    """Replace a person's opt-outs; None when notify does not know the person."""
    if session.get(Recipient, recipient_id) is None:
        return None
    session.execute(sa.delete(OptOut).where(OptOut.recipient_id == recipient_id))
    for category in sorted(set(categories)):
        session.add(OptOut(recipient_id=recipient_id, category=category))
    return sorted(set(categories))


def opt_outs(session, recipient_id: str) -> list[str] | None:
    if session.get(Recipient, recipient_id) is None:
        return None
    return sorted(session.scalars(sa.select(OptOut.category).where(
        OptOut.recipient_id == recipient_id)))


def _opted_out(session, recipient_id: str, category: str) -> bool:
    return session.get(OptOut, (recipient_id, category)) is not None


# -- writing emails --------------------------------------------------------------------

def queue_email(*, uow, event_id: str, recipient: Recipient, kind: str, context,
                correlation_id: str, workshop: Workshop | None = None,
                attachments=()) -> Email | None:
    """Write one email to the outbox unless this (event, recipient, kind) already has one.

    `context` is a dict, or a function of the language for values that must
    be translated before they reach the template."""
    key = domain.dedup_key(event_id, recipient.id, kind)
    if uow.session.scalar(sa.select(Email.id).where(Email.dedup_key == key)) is not None:
        return None
    language = domain.choose_language(recipient.language, workshop.languages if workshop else ())
    values = context(language) if callable(context) else context
    try:
        text, html = rendering.render(kind, language, {"name": recipient.name, **values})
    except Exception as exc:  # a template that cannot render will not render on retry either
        raise PermanentFailure(f"cannot render {kind} in {language}: {exc}") from exc
    moment = _now()
    email = Email(
        id=domain.email_id(key), dedup_key=key, kind=kind, recipient_id=recipient.id,
        to_address=recipient.email, language=language,
        subject=rendering.subject(kind, language), text_body=text, html_body=html,
        correlation_id=correlation_id, status=domain.PENDING, attempts=0,
        next_attempt_at=moment, created_at=moment,
    )
    uow.session.add(email)
    uow.session.flush()  # the attachments' foreign key needs the row
    for filename, content_type, content, content_id in attachments:
        uow.session.add(Attachment(email_id=email.id, filename=filename, content_type=content_type,
                                   content=content, content_id=content_id))
    return email


def _delegates(session, delegation_id: str) -> list[Recipient]:
    return list(session.scalars(sa.select(Recipient).where(
        Recipient.delegation_id == delegation_id, Recipient.kind == domain.DELEGATE)
        .order_by(Recipient.id)))


def _focal_points(session, delegation_id: str, *, required: bool = True) -> list[Recipient]:
    recipients = _delegates(session, delegation_id)
    if not recipients and required:
        raise NotKnownYet(f"no contacts yet for delegation {delegation_id}")
    return domain.acknowledgement_recipients(recipients)


def _workshop(session, workshop_id: str | None) -> Workshop | None:
    return session.get(Workshop, workshop_id) if workshop_id else None


def _required_workshop(session, workshop_id: str) -> Workshop:
    workshop = _workshop(session, workshop_id)
    if workshop is None:
        raise NotKnownYet(f"workshop {workshop_id} not published to notify yet")
    return workshop


def _format_deadline(instant: datetime | None, workshop: Workshop | None) -> str | None:
    if instant is None:
        return None
    if workshop is None:
        return instant.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return instant.astimezone(ZoneInfo(workshop.time_zone)).strftime(
        f"%Y-%m-%d %H:%M ({workshop.time_zone})")


def _queue_all(uow, recipients, *, event_id, kind, context, workshop=None, attachments=()):
    emails = [queue_email(uow=uow, event_id=event_id, recipient=r, kind=kind, context=context,
                          correlation_id=uow.correlation_id, workshop=workshop,
                          attachments=attachments) for r in recipients]
    return [e for e in emails if e is not None]


# -- receipts ---------------------------------------------------------------------------

def acknowledge_program(event: dict, *, uow, event_id: str) -> list[Email]:
    """A receipt for a submitted program profile, to the delegation's focal point."""
    session = uow.session
    program = session.get(Program, event["program_id"])
    if program is None or program.version <= event["version"]:
        program = program or Program(id=event["program_id"])
        program.delegation_id = event["delegation_id"]
        program.title = event["title"]
        program.version = event["version"]
        session.add(program)
    recipients = _focal_points(session, event["delegation_id"])
    workshop = _workshop(session, event.get("workshop_id"))
    context = {"title": event["title"], "version": event["version"],
               "program_id": event["program_id"],
               "submitted_at": event["submitted_at"].strftime("%Y-%m-%d %H:%M UTC"),
               "missing_fields": event.get("missing_fields"),
               "deadline": _format_deadline(workshop.deadline_programs if workshop else None,
                                            workshop)}
    return _queue_all(uow, recipients, event_id=event_id, kind=domain.PROGRAM_RECEIVED,
                      context=context, workshop=workshop)


def acknowledge_review(event: dict, *, uow, event_id: str) -> list[Email]:
    session = uow.session
    recipients = _focal_points(session, event["delegation_id"])
    program = session.get(Program, event["program_id"])
    context = {"title": program.title if program else event["program_id"],
               "version": event["version"], "decision": event["decision"],
               "reason": event["reason"]}
    return _queue_all(uow, recipients, event_id=event_id, kind=domain.PROGRAM_REVIEWED,
                      context=context, workshop=_workshop(session, event["workshop_id"]))


def acknowledge_interest(event: dict, *, uow, event_id: str) -> list[Email]:
    session = uow.session
    recipients = _focal_points(session, event["delegation_id"])
    workshop = _workshop(session, event["workshop_id"])
    titles = {p.id: p.title for p in session.scalars(
        sa.select(Program).where(Program.id.in_(event["programs"])))}
    context = {"version": event["version"],
               "programs": [titles.get(pid, pid) for pid in event["programs"]],
               "topics": [t.replace("_", " ") for t in event["topics"]],
               "deadline": _format_deadline(workshop.deadline_interests if workshop else None,
                                            workshop)}
    return _queue_all(uow, recipients, event_id=event_id, kind=domain.INTEREST_RECEIVED,
                      context=context, workshop=workshop)


def _delegation_names(session, ids) -> dict:
    """Names for delegations, from the latest schedule notify has seen."""
    names = {}
    for revision in session.scalars(sa.select(ScheduleRevision).order_by(ScheduleRevision.revision)):
        names.update(revision.delegations)
    return {i: names.get(i, i) for i in ids}


def acknowledge_expression(event: dict, *, uow, event_id: str) -> list[Email]:
    """To the contact delegates it names, and the demanding delegation's focal point."""
    session = uow.session
    recipients = {r.id: r for r in _focal_points(session, event["demanding_delegation_id"])}
    for delegate_id in event["contact_delegate_ids"]:
        recipient = session.get(Recipient, delegate_id)
        if recipient is not None:
            recipients[recipient.id] = recipient
    names = _delegation_names(session, [event["demanding_delegation_id"],
                                        *event["supplying_delegation_ids"]])
    program = session.get(Program, event["program_id"]) if event["program_id"] else None
    subject = program.title if program else (event["topic"] or event["program_id"] or "")
    context = {"subject": subject.replace("_", " ") if not program else subject,
               "demanding": names[event["demanding_delegation_id"]],
               "supplying": [names[i] for i in event["supplying_delegation_ids"]],
               "description": event["description"]}
    return _queue_all(uow, sorted(recipients.values(), key=lambda r: r.id), event_id=event_id,
                      kind=domain.EXPRESSION_RECEIVED, context=context,
                      workshop=_workshop(session, event["workshop_id"]))


# -- agendas and change notices ------------------------------------------------------------

def _seat_view(seat: domain.Seat, delegation_id: str, names: dict, zone: ZoneInfo) -> dict:
    starts = datetime.fromisoformat(seat.starts_at).astimezone(zone)
    ends = datetime.fromisoformat(seat.ends_at).astimezone(zone)
    return {"session": seat.session, "table": seat.table, "program_title": seat.program_title,
            "starts": starts.strftime("%Y-%m-%d %H:%M"), "ends": ends.strftime("%H:%M"),
            "host": names.get(seat.host_delegation_id, seat.host_delegation_id), "role": seat.role,
            # the host is named on its own; these are the other guests
            "others": [names.get(d, d) for d in seat.attendee_delegation_ids if d != delegation_id]}


def _ics_attachment(seats, cancelled, *, revision, workshop, names, uid_domain):
    content = ics.agenda_calendar(
        seats=seats, cancelled=cancelled, revision=revision, time_zone=workshop.time_zone,
        workshop_title=workshop.title, names=names, uid_domain=uid_domain, stamp=_now())
    return ("agenda.ics", "text/calendar; method=PUBLISH", content, None)


def _ordered(seats: dict) -> list[domain.Seat]:
    return sorted(seats.values(), key=lambda s: (s.session, s.table, s.round_id))


def record_schedule(event: dict, *, uow, event_id: str, correlation_id: str,
                    window: timedelta, uid_domain: str, now: datetime | None = None) -> list[Email]:
    """Keep the revision; send the agenda on the first one, and open (or extend)
    a debounced change notice for each delegation a later one affects."""
    session = uow.session
    now = now or _now()
    workshop = _required_workshop(session, event["workshop_id"])
    rounds = [{**r, "starts_at": r["starts_at"].isoformat(), "ends_at": r["ends_at"].isoformat()}
              for r in event["rounds"]]
    names = {d["delegation_id"]: d["name"] for d in event["delegations"]}
    key = (event["workshop_id"], event["revision"])
    if session.get(ScheduleRevision, key) is None:
        session.add(ScheduleRevision(
            workshop_id=event["workshop_id"], revision=event["revision"],
            schedule_id=event["schedule_id"], delegations=names, rounds=rounds,
            correlation_id=correlation_id, received_at=now))
    # a delegation notify has never heard of is waited for; one whose
    # delegates were all erased is skipped rather than holding up the others
    unheard = {d for d in names if session.get(Delegation, d) is None}
    for delegation_id, name in names.items():
        _delegation(session, delegation_id).name = name
    session.flush()

    if event["revision"] == 1:
        return _send_agendas(uow, event_id=event_id, workshop=workshop, names=names,
                             rounds=rounds, revision=1, uid_domain=uid_domain, unheard=unheard)
    for item in event["changes"]:
        delegation_id = item["delegation_id"]
        # locked: two re-plans handled at once must not both read "nothing pending"
        agenda = session.get(DelegationAgenda, (event["workshop_id"], delegation_id),
                             with_for_update=True)
        if agenda is None:
            # never told anything (it joined in a re-plan): its notice lists every round as added
            agenda = DelegationAgenda(workshop_id=event["workshop_id"], delegation_id=delegation_id,
                                      notified_revision=0)
            session.add(agenda)
        if agenda.notified_revision >= event["revision"]:
            continue  # a late, older revision than the one already told
        agenda.pending_revision = max(agenda.pending_revision or 0, event["revision"])
        # the window opens with the first change of a burst and is not pushed
        # back by later ones, so a steady stream of re-plans still gets told
        agenda.due_at = agenda.due_at or now + window
    return []


def _send_agendas(uow, *, event_id, workshop, names, rounds, revision, uid_domain,
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
        recipients = _delegates(session, delegation_id)
        if not recipients and delegation_id in unheard:
            raise NotKnownYet(f"no contacts yet for delegation {delegation_id}")
        seats = domain.seats_of(delegation_id, rounds)
        ordered = _ordered(seats)
        context = {"delegation": names[delegation_id], "workshop": workshop.title,
                   "time_zone": workshop.time_zone,
                   "seats": [_seat_view(s, delegation_id, names, zone) for s in ordered]}
        attachment = _ics_attachment(ordered, [], revision=revision, workshop=workshop, names=names,
                                     uid_domain=uid_domain)
        emails += _queue_all(uow, recipients, event_id=event_id, kind=domain.AGENDA,
                             context=context, workshop=workshop, attachments=[attachment])
        if agenda is None:
            session.add(DelegationAgenda(workshop_id=workshop.id, delegation_id=delegation_id,
                                         notified_revision=revision))
        else:
            agenda.notified_revision = revision
    return emails


def flush_due_notices(uow, *, uid_domain: str, now: datetime | None = None) -> list[Email]:
    """Turn every burst of changes whose window has passed into one notice per
    delegate, with the net change since the plan they were last told about."""
    session = uow.session
    now = now or _now()
    emails = []
    due = list(session.scalars(sa.select(DelegationAgenda).where(
        DelegationAgenda.due_at.is_not(None), DelegationAgenda.due_at <= now)
        .order_by(DelegationAgenda.workshop_id, DelegationAgenda.delegation_id).with_for_update()))
    for agenda in due:
        delegation = session.get(Delegation, agenda.delegation_id)
        latest = session.get(ScheduleRevision, (agenda.workshop_id, agenda.pending_revision))
        workshop = session.get(Workshop, agenda.workshop_id)
        base = session.get(ScheduleRevision, (agenda.workshop_id, agenda.notified_revision))
        notified, pending = agenda.notified_revision, agenda.pending_revision
        agenda.notified_revision, agenda.pending_revision, agenda.due_at = pending, None, None
        if delegation is not None and delegation.withdrawn or latest is None or workshop is None:
            continue
        before = domain.seats_of(agenda.delegation_id, base.rounds if base else [])
        after = domain.seats_of(agenda.delegation_id, latest.rounds)
        changes = domain.net_changes(before, after)
        if not changes:
            continue  # moved and moved back within the window: nothing to tell
        names = {**(base.delegations if base else {}), **latest.delegations}
        zone = ZoneInfo(workshop.time_zone)
        ordered = _ordered(after)
        cancelled = [c.before for c in changes if c.change == "removed"]

        def context(language, changes=changes, ordered=ordered, names=names,
                    delegation_id=agenda.delegation_id, zone=zone, workshop=workshop):
            where = rendering.translations(language).gettext(domain.WHERE)

            def place(seat):
                return where % {"session": seat.session, "table": seat.table} if seat else None
            return {"delegation": names.get(delegation_id, delegation_id),
                    "workshop": workshop.title, "time_zone": workshop.time_zone,
                    "changes": [{"change": c.change,
                                 "program_title": (c.after or c.before).program_title,
                                 "before": place(c.before) if c.change == "moved" or
                                 c.change == "removed" else None,
                                 "after": place(c.after) if c.change != "removed" else None}
                                for c in changes],
                    "seats": [_seat_view(s, delegation_id, names, zone) for s in ordered]}

        attachment = _ics_attachment(ordered, cancelled, revision=pending, workshop=workshop,
                                     names=names, uid_domain=uid_domain)
        burst = f"schedule:{agenda.workshop_id}:{agenda.delegation_id}:{notified}-{pending}"
        for recipient in _delegates(session, agenda.delegation_id):
            email = queue_email(uow=uow, event_id=burst, recipient=recipient,
                                kind=domain.SCHEDULE_CHANGED, context=context,
                                correlation_id=latest.correlation_id, workshop=workshop,
                                attachments=[attachment])
            if email is not None:
                emails.append(email)
    return emails


# -- follow-up -----------------------------------------------------------------------------

def _staff(session, staff_id: str | None, *, required: bool) -> Recipient | None:
    if not staff_id:
        return None
    recipient = session.get(Recipient, staff_id)
    if recipient is None and required:
        raise NotKnownYet(f"staff member {staff_id} not known to notify yet")
    if recipient is None or not recipient.active:
        return None
    return recipient


def remind_follow_up(event: dict, *, uow, event_id: str) -> list[Email]:
    """The owner, any escalation staff and the counterparts' focal points
    (unless they opted out) each get one reminder saying why they get it."""
    session = uow.session
    targets: dict[str, tuple[Recipient, str]] = {}
    owner = _staff(session, event["owner_staff_id"], required=True)
    if owner is not None:
        targets[owner.id] = (owner, "owner")
    for staff_id in event["escalation_staff_ids"]:
        staff = _staff(session, staff_id, required=True)
        if staff is not None:
            targets.setdefault(staff.id, (staff, "escalation_staff"))
    for delegation_id in event["counterpart_delegation_ids"]:
        delegation = session.get(Delegation, delegation_id)
        if delegation is not None and delegation.withdrawn:
            continue
        for person in _focal_points(session, delegation_id, required=False):
            if not _opted_out(session, person.id, domain.COUNTERPART_REMINDERS):
                targets.setdefault(person.id, (person, "counterpart"))
    workshop = _workshop(session, event["workshop_id"])
    base = {"title": event["title"], "level": event["level"], "state": event["state"],
            "follow_up_on": event["follow_up_on"].isoformat(),
            "days_overdue": event["days_overdue"] or 0}
    emails = []
    for recipient, reason in targets.values():
        emails += _queue_all(uow, [recipient], event_id=event_id, kind=domain.FOLLOW_UP_DUE,
                             context={**base, "reason": reason}, workshop=workshop)
    return emails


def _counterpart_focal_points(session, delegation_id: str) -> list[Recipient]:
    """Focal points of a counterpart delegation still taking part.

    A delegation notify has no contacts for yet is waited for (intake
    publishes contacts for every registration, so they are on their way); one
    whose delegates were all erased, or that withdrew, is told nothing."""
    delegation = session.get(Delegation, delegation_id)
    if delegation is not None and delegation.withdrawn:
        return []
    people = _focal_points(session, delegation_id, required=False)
    if not people and (delegation is None or not delegation.contacts_version):
        raise NotKnownYet(f"no contacts yet for delegation {delegation_id}")
    return people


def announce_status_change(event: dict, *, uow, event_id: str) -> list[Email]:
    """The owner and each counterpart's focal point (unless they opted out of
    activity updates) each get one notice of the move, saying why they get it."""
    session = uow.session
    targets: dict[str, tuple[Recipient, str]] = {}
    owner = _staff(session, event["owner_staff_id"], required=True)
    if owner is not None:
        targets[owner.id] = (owner, "owner")
    for delegation_id in event["counterpart_delegation_ids"]:
        for person in _counterpart_focal_points(session, delegation_id):
            if not _opted_out(session, person.id, domain.ACTIVITY_UPDATES):
                targets.setdefault(person.id, (person, "counterpart"))
    workshop = _workshop(session, event["workshop_id"])
    base = {"title": event["title"], "from_state": event["from_state"],
            "to_state": event["to_state"], "funding_source": event["funding_source"],
            "reason": event["reason"]}
    emails = []
    for recipient, why in targets.values():
        emails += _queue_all(uow, [recipient], event_id=event_id,
                             kind=domain.ACTIVITY_STATUS_CHANGED, context={**base, "why": why},
                             workshop=workshop)
    return emails


def _items(items):
    return [{"title": i["title"], "state": i["state"].replace("_", " "),
             "follow_up_on": i["follow_up_on"].isoformat() if i["follow_up_on"] else "",
             "days_overdue": i["days_overdue"] or 0} for i in items]


def send_digest(event: dict, *, uow, event_id: str) -> list[Email]:
    session = uow.session
    owner = _staff(session, event["owner_staff_id"], required=True)
    if owner is None or _opted_out(session, owner.id, domain.DIGESTS):
        return []
    charts, attachments = [], []
    for index, chart in enumerate(event["charts"]):
        try:
            content = base64.b64decode(chart["data_base64"], validate=True)
        except ValueError:
            raise PermanentFailure(f"chart {index} is not valid base64") from None
        if not content.startswith(b"\x89PNG\r\n\x1a\n"):
            raise PermanentFailure(f"chart {index} is not a PNG image")
        cid = f"chart{index}.{event['digest_id']}@rueda"
        charts.append({"name": chart["name"], "cid": cid})
        attachments.append((f"chart-{index + 1}.png", "image/png", content, cid))
    context = {"week_of": event["week_of"].isoformat(), "open_count": event["open_count"],
               "overdue": _items(event["overdue"]), "due_soon": _items(event["due_soon"]),
               "charts": charts}
    return _queue_all(uow, [owner], event_id=event_id, kind=domain.WEEKLY_DIGEST, context=context,
                      workshop=_workshop(session, event["workshop_id"]), attachments=attachments)


def announce_funding(event: dict, *, uow, event_id: str) -> list[Email]:
    session = uow.session
    staff = [r for r in session.scalars(sa.select(Recipient).where(
        Recipient.kind == domain.STAFF, Recipient.active.is_(True)).order_by(Recipient.id))
        if set(r.roles or ()) & set(domain.FUNDING_ROLES)
        and not _opted_out(session, r.id, domain.FUNDING_NOTICES)]
    context = {"budget": event["budget"], "currency": event["currency"],
               "total_cost": event["total_cost"],
               "selected": [{"title": s["title"], "cost": s["cost"]} for s in event["selected"]]}
    return _queue_all(uow, staff, event_id=event_id, kind=domain.FUNDING_SELECTION,
                      context=context, workshop=_workshop(session, event["workshop_id"]))
