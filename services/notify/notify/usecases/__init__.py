"""notify's use cases: keep the recipients directory and queue the emails
events call for, each inside its caller's unit of work and at the `now` it is
given; nothing here touches the network (the sender delivers later, from the
`email` table). Every one has the shape `(message, *, uow, now, ...)`; the
extra keyword arguments are named in the inbound table's `uses=`.

By topic: `directory` (contacts, staff, workshops, opt-outs), `receipts`
(forms), `agendas` (schedules and change notices), `followup` (reminders,
status changes, digests, funding), `deliveries` (the log, erasure), `pages`
(each delegate's agenda page and calendar feed); `emails`
writes one email, for all of them.
"""

from .agendas import flush_due_notices, record_schedule
from .deliveries import erase_delegate, list_deliveries, resend_delivery
from .directory import (
    opt_outs,
    publish_workshop,
    register_delegation,
    set_opt_outs,
    update_contacts,
    update_staff,
    withdraw_delegation,
)
from .emails import queue_email
from .followup import announce_funding, announce_status_change, remind_follow_up, send_digest
from .pages import agenda_feed, agenda_page
from .receipts import (
    acknowledge_expression,
    acknowledge_interest,
    acknowledge_program,
    acknowledge_review,
)
from .reminders import remind_submission

__all__ = [
    "acknowledge_expression",
    "acknowledge_interest",
    "acknowledge_program",
    "acknowledge_review",
    "agenda_feed",
    "agenda_page",
    "announce_funding",
    "announce_status_change",
    "erase_delegate",
    "flush_due_notices",
    "list_deliveries",
    "opt_outs",
    "publish_workshop",
    "queue_email",
    "record_schedule",
    "register_delegation",
    "remind_follow_up",
    "remind_submission",
    "resend_delivery",
    "send_digest",
    "set_opt_outs",
    "update_contacts",
    "update_staff",
    "withdraw_delegation",
]
