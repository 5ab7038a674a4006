"""matching's use cases, one module per topic: the read model of intake's
events, pins, schedules (computing and publishing) and the planner's due work.

Every use case has one shape: `(message, *, uow, now)` for an event,
`(command, *, uow, now)` for a request, `(query, *, uow, now)` for a read;
settings read at the edge come as further keyword arguments.
"""
from .due import Due, due_work, give_up
from .pins import list_pins, pin_program, pin_view, unpin_program
from .read_model import (
                         record_delegation,
                         record_interest,
                         record_program,
                         record_workshop,
                         request_replan,
                         review_program,
                         withdraw_delegation,
                         withdraw_interest,
                         withdraw_program,
)
from .schedules import (
                         Problem,
                         publish_schedule,
                         read_problem,
                         record_plan,
                         schedule_view,
                         show_schedule,
)

__all__ = [
    "Due", "Problem", "due_work", "give_up", "list_pins", "pin_program", "pin_view",
    "publish_schedule", "read_problem", "record_delegation", "record_interest", "record_plan",
    "record_program", "record_workshop", "request_replan", "review_program", "schedule_view",
    "show_schedule", "unpin_program", "withdraw_delegation", "withdraw_interest",
    "withdraw_program",
]
