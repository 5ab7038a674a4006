"""followup's use cases, one module per topic. Each is a plain function
`(message_or_command, *, uow, now)` over a unit of work: events from other
services and the portal (`inbound.CONSUMES`), staff requests and queries
over HTTP (`service.py`), the timer's scans (`dependencies.FollowUpTimer`).
A use case returns what its entrypoint answers, publishes its events
through `uow.publish` in the same transaction, and refuses with the domain
errors of `followup.exceptions`.
"""

from .activities import (
    create_activity,
    get_activity,
    list_activities,
    record_expression,
    resolve_supplying,
    transition,
    withdraw_expression,
)
from .digests import prepare_digests
from .follow_ups import (
    assign_owner,
    get_follow_up_settings,
    scan_follow_ups,
    set_follow_up,
    set_follow_up_settings,
)
from .funding import (
    confirm_selection,
    get_criteria,
    get_selection,
    propose_selection,
    score_activity,
    set_criteria,
)
from .read_model import (
    record_delegation,
    record_program,
    record_schedule,
    record_staff_member,
    record_workshop,
    withdraw_delegation,
)
from .reports import get_chart, get_iati, get_report
from .updates import post_update, receive_update

__all__ = [
    "assign_owner",
    "confirm_selection",
    "create_activity",
    "get_activity",
    "get_chart",
    "get_criteria",
    "get_follow_up_settings",
    "get_iati",
    "get_report",
    "get_selection",
    "list_activities",
    "post_update",
    "prepare_digests",
    "propose_selection",
    "record_delegation",
    "record_expression",
    "record_program",
    "record_schedule",
    "receive_update",
    "record_staff_member",
    "record_workshop",
    "resolve_supplying",
    "scan_follow_ups",
    "score_activity",
    "set_criteria",
    "set_follow_up",
    "set_follow_up_settings",
    "transition",
    "withdraw_delegation",
    "withdraw_expression",
]
