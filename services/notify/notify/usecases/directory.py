"""The directory notify writes to: delegations and their delegates, staff,
workshops, and the opt-outs people choose; plus the look-ups the other use
cases share to find who an email goes to."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa

from rueda_backbone.errors import Invalid, NotFound

from .. import domain
from ..exceptions import NotKnownYet
from ..models import Delegation, DelegationAgenda, OptOut, Recipient, Workshop

# -- events that keep the directory ------------------------------------------------


def update_contacts(message: dict, *, uow, now: datetime) -> list[Recipient]:
    """Make the directory hold exactly the delegation's current contacts.

    v2 events carry a version: an older one arriving late changes nothing.
    v1 events have none and always apply, as they did before versions."""
    session = uow.session
    delegation = delegation_row(session, message["delegation_id"])
    version = message.get("version")
    if version is not None:
        if version <= delegation.contacts_version:
            return []
        delegation.contacts_version = version
    if message.get("workshop_id"):
        delegation.workshop_id = message["workshop_id"]
    wanted = {c["delegate_id"]: c for c in message["contacts"]}
    existing = {
        r.id: r
        for r in session.scalars(
            sa.select(Recipient).where(Recipient.delegation_id == message["delegation_id"])
        )
    }
    for gone in set(existing) - set(wanted):
        session.delete(existing[gone])
    recipients = []
    for delegate_id, contact in wanted.items():
        recipient = (
            existing.get(delegate_id)
            or session.get(Recipient, delegate_id)
            or Recipient(id=delegate_id)
        )
        recipient.kind = domain.DELEGATE
        recipient.delegation_id = message["delegation_id"]
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


def register_delegation(message: dict, *, uow, now: datetime) -> Delegation:
    """Learn what emails call a delegation: acronym (else institution) and
    country, or region for a subregional mechanism or an international
    organisation. A registration revision older than the one kept changes
    nothing (v1 has no version and always applies)."""
    delegation = delegation_row(uow.session, message["delegation_id"])
    version = message.get("version")
    if version is not None and (delegation.registration_version or 0) > version:
        return delegation
    delegation.registration_version = version
    delegation.acronym = message.get("acronym") or None
    delegation.institution = message["institution"]
    delegation.country = message["country"] or None
    delegation.region = message.get("region") or None
    if message.get("workshop_id"):
        delegation.workshop_id = delegation.workshop_id or message["workshop_id"]
    return delegation


def delegation_label(delegation: Delegation | None) -> str | None:
    """ "MDS (Brazil)", "ISM (South America)": None before its registration arrived."""
    if delegation is None or not (delegation.acronym or delegation.institution):
        return None
    return domain.delegation_label(
        delegation.acronym or delegation.institution, delegation.region or delegation.country
    )


def delegation_labels(
    session, ids, fallback: dict | None = None, *, required: bool = False
) -> dict[str, str]:
    """What emails call each delegation: its registration's label, else the
    `fallback` name (a schedule's); waited for when `required` and unknown,
    so a receipt never shows an id."""
    out = {}
    for delegation_id in ids:
        label = delegation_label(session.get(Delegation, delegation_id)) or (fallback or {}).get(
            delegation_id
        )
        if label is None:
            if required:
                raise NotKnownYet(f"delegation {delegation_id} not registered with notify yet")
            label = delegation_id
        out[delegation_id] = label
    return out


def update_staff(message: dict, *, uow, now: datetime) -> Recipient | None:
    """Keep a staff member's latest contacts and roles; an older version changes nothing."""
    session = uow.session
    recipient = session.get(Recipient, message["staff_id"])
    if recipient is not None and recipient.version >= message["version"]:
        return None
    recipient = recipient or Recipient(id=message["staff_id"])
    recipient.kind = domain.STAFF
    recipient.delegation_id = None
    recipient.name = message["name"]
    recipient.email = message["email"]
    recipient.language = message["language"]
    recipient.is_focal_point = False
    recipient.roles = list(message["roles"])
    recipient.active = message["active"]
    recipient.version = message["version"]
    session.add(recipient)
    return recipient


def withdraw_delegation(message: dict, *, uow, now: datetime) -> None:
    """A withdrawn delegation gets no agenda and no notice still pending."""
    delegation = delegation_row(uow.session, message["delegation_id"])
    delegation.withdrawn_version = max(delegation.withdrawn_version or 0, message["version"])
    delegation.workshop_id = delegation.workshop_id or message["workshop_id"]
    uow.session.execute(
        sa.update(DelegationAgenda)
        .where(DelegationAgenda.delegation_id == message["delegation_id"])
        .values(pending_revision=None, due_at=None)
    )


def publish_workshop(message: dict, *, uow, now: datetime) -> None:
    """Keep what emails say about a workshop: title, time zone, languages, deadlines."""
    session = uow.session
    workshop = session.get(Workshop, message["workshop_id"])
    if workshop is not None and workshop.version >= message["version"]:
        return
    try:
        ZoneInfo(message["time_zone"])
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid.field(
            "time_zone",
            f"unknown time zone {message['time_zone']!r}",
            summary="notify cannot write times in this workshop's zone",
        ) from None
    workshop = workshop or Workshop(id=message["workshop_id"])
    workshop.version = message["version"]
    workshop.title = message["title"]
    workshop.time_zone = message["time_zone"]
    workshop.languages = [lang for lang in message["languages"] if lang in domain.LANGUAGES]
    deadlines = message["deadlines"]
    workshop.deadline_programs = deadlines.get("programs")
    workshop.deadline_interests = deadlines.get("interests")
    workshop.deadline_expressions = deadlines.get("expressions_of_interest")
    session.add(workshop)


# -- opt-outs (HTTP) -----------------------------------------------------------------


def opt_outs(query: dict, *, uow, now: datetime) -> dict:
    """The optional categories a person opted out of, and those they could."""
    recipient_id = query["recipient_id"]
    _known(uow.session, recipient_id)
    categories = sorted(
        uow.session.scalars(sa.select(OptOut.category).where(OptOut.recipient_id == recipient_id))
    )
    return {
        "recipient_id": recipient_id,
        "categories": categories,
        "optional_categories": list(domain.OPTIONAL_CATEGORIES),
    }


def set_opt_outs(command: dict, *, uow, now: datetime) -> dict:
    """Replace a person's opt-outs with `categories`."""
    recipient_id = command["recipient_id"]
    _known(uow.session, recipient_id)
    categories = sorted(set(command["categories"]))
    uow.session.execute(sa.delete(OptOut).where(OptOut.recipient_id == recipient_id))
    for category in categories:
        uow.session.add(OptOut(recipient_id=recipient_id, category=category))
    return {"recipient_id": recipient_id, "categories": categories}


def _known(session, recipient_id: str) -> None:
    if not domain.plausible_id(recipient_id) or session.get(Recipient, recipient_id) is None:
        raise NotFound(f"notify knows no recipient {recipient_id}")


# -- look-ups the email use cases share ------------------------------------------------


def delegation_row(session, delegation_id: str) -> Delegation:
    """The delegation's row, created the first time notify hears of it."""
    row = session.get(Delegation, delegation_id)
    if row is None:
        row = Delegation(id=delegation_id, contacts_version=0)
        session.add(row)
    return row


_DELEGATES = (
    sa.select(Recipient)
    .where(
        Recipient.delegation_id == sa.bindparam("delegation_id"),
        Recipient.kind == domain.DELEGATE,
    )
    .order_by(Recipient.id)
)


def delegates_of(session, delegation_id: str) -> list[Recipient]:
    return list(session.scalars(_DELEGATES, {"delegation_id": delegation_id}))


def focal_points_of(session, delegation_id: str, *, required: bool = True) -> list[Recipient]:
    """Who gets a delegation's receipts; waited for when `required` and none are known."""
    recipients = delegates_of(session, delegation_id)
    if not recipients and required:
        raise NotKnownYet(f"no contacts yet for delegation {delegation_id}")
    return domain.acknowledgement_recipients(recipients)


def workshop_of(session, workshop_id: str | None) -> Workshop | None:
    if not workshop_id:
        return None
    # a batch of receipts names the same workshop event after event: read
    # once per transaction (the session's identity map keeps an object only
    # while something refers to it, so `get` would read it again each time)
    kept = session.info.setdefault("notify.workshops", {})
    found = kept.get(workshop_id)
    if found is None:
        found = session.get(Workshop, workshop_id)
        if found is not None:  # one not known yet may arrive later in the transaction
            kept[workshop_id] = found
    return found


def required_workshop(session, workshop_id: str) -> Workshop:
    workshop = workshop_of(session, workshop_id)
    if workshop is None:
        raise NotKnownYet(f"workshop {workshop_id} not published to notify yet")
    return workshop


def active_staff(session, staff_id: str | None, *, required: bool) -> Recipient | None:
    """An active staff member; an unknown one is waited for when `required`."""
    if not staff_id:
        return None
    recipient = session.get(Recipient, staff_id)
    if recipient is None and required:
        raise NotKnownYet(f"staff member {staff_id} not known to notify yet")
    if recipient is None or not recipient.active:
        return None
    return recipient


def opted_out(session, recipient_id: str, category: str) -> bool:
    return session.get(OptOut, (recipient_id, category)) is not None
