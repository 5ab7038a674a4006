"""Forms other systems publish as events (`inbound.CONSUMES`): each goes
through the same use case as its HTTP twin, so it is refused for the same
reasons (a domain error the backbone parks with its reason). The sender's
own id, when it gives one, names the form: its first message submits the
form, later ones revise it."""

from __future__ import annotations

from datetime import datetime

import structlog

from ..models import Delegation, FormRecord
from .delegations import register_delegation, revise_delegation
from .forms import revise_form, submit_form

log = structlog.get_logger(__name__)


def accept_delegation_form(message: dict, *, uow, now: datetime) -> Delegation:
    """delegation_form_submitted: register the delegation, or revise it."""
    sender_id = message.get("delegation_id")
    if sender_id and uow.session.get(Delegation, sender_id) is not None:
        made = revise_delegation(message, uow=uow, now=now)
    else:
        made = register_delegation(message, uow=uow, now=now)
    log.info("form.accepted_from_event", kind="delegation", id=made.id)
    return made


def _accept_form(kind: str, id_field: str, message: dict, *, uow, now: datetime) -> FormRecord:
    form = {name: value for name, value in message.items() if name != id_field}
    sender_id = message.get(id_field)
    existing = uow.session.get(FormRecord, sender_id) if sender_id else None
    if existing is not None:
        made = revise_form({**form, "kind": kind, "form_id": existing.id}, uow=uow, now=now)
    else:
        made = submit_form({**form, "kind": kind, "form_id": sender_id}, uow=uow, now=now)
    log.info("form.accepted_from_event", kind=kind, id=made.id)
    return made


def accept_program_form(message: dict, *, uow, now: datetime) -> FormRecord:
    """program_form_submitted: submit the program profile, or revise it."""
    return _accept_form("program", "program_id", message, uow=uow, now=now)


def accept_interest_form(message: dict, *, uow, now: datetime) -> FormRecord:
    """interest_form_submitted: submit the interest form, or revise it."""
    return _accept_form("interest", "interest_id", message, uow=uow, now=now)


def accept_expression_of_interest_form(message: dict, *, uow, now: datetime) -> FormRecord:
    """expression_of_interest_form_submitted: submit it, or revise it."""
    return _accept_form("expression_of_interest", "expression_id", message, uow=uow, now=now)
