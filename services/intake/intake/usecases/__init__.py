"""Intake's use cases: plain functions of one shape, `(command, *, uow, now)`
(a query for reads, a message for events), one module per aggregate or form.
HTTP and events from other systems call the same functions, so a form
behaves the same whichever way it came in. They return what they made or
found; `intake.views` turns that into HTTP answers."""

from .archive import import_archive
from .delegations import get_delegation, register_delegation, revise_delegation, withdraw_delegation
from .erasure import erase_delegate
from .forms import (
    KINDS,
    get_form,
    revise_form,
    save_draft,
    submit_draft,
    submit_form,
    withdraw_form,
    workshop_programs,
)
from .history import delegation_versions, form_versions
from .published import (
    accept_delegation_form,
    accept_expression_of_interest_form,
    accept_interest_form,
    accept_program_form,
)
from .reminders import request_reminders
from .review import review_program
from .staff import register_staff, revise_staff
from .workshops import create_workshop, get_workshop, grant_late_window, revise_workshop

__all__ = [
    "KINDS",
    "accept_delegation_form",
    "accept_expression_of_interest_form",
    "accept_interest_form",
    "accept_program_form",
    "create_workshop",
    "delegation_versions",
    "erase_delegate",
    "form_versions",
    "get_delegation",
    "get_form",
    "get_workshop",
    "grant_late_window",
    "import_archive",
    "register_delegation",
    "register_staff",
    "request_reminders",
    "review_program",
    "revise_delegation",
    "revise_form",
    "revise_staff",
    "revise_workshop",
    "save_draft",
    "submit_draft",
    "submit_form",
    "withdraw_delegation",
    "withdraw_form",
    "workshop_programs",
]
