"""matching's use cases, one module per topic: the read model of intake's
events, pins, schedules (computing and publishing), solve jobs, each
workshop's fairness policy and the planner's due work.

Every use case has one shape: `(message, *, uow, now)` for an event,
`(command, *, uow, now)` for a request, `(query, *, uow, now)` for a read;
settings read at the edge come as further keyword arguments.
"""

from .due import Due, due_work, give_up
from .fairness import set_fairness, show_fairness
from .jobs import (
    cancel_job,
    claim_job,
    finish_job,
    job_outcome,
    job_view,
    list_jobs,
    queue_due_work,
    queue_solve,
    recover_jobs,
    report_progress,
    request_solve,
    show_job,
    stop_retrying,
)
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
from .replanning import set_replanning, show_replanning
from .schedules import (
    Problem,
    publish_schedule,
    read_problem,
    record_plan,
    schedule_view,
    show_schedule,
)

__all__ = [
    "Due",
    "Problem",
    "cancel_job",
    "claim_job",
    "due_work",
    "finish_job",
    "give_up",
    "job_outcome",
    "job_view",
    "list_jobs",
    "list_pins",
    "pin_program",
    "pin_view",
    "publish_schedule",
    "queue_due_work",
    "queue_solve",
    "read_problem",
    "record_delegation",
    "record_interest",
    "record_plan",
    "record_program",
    "record_workshop",
    "recover_jobs",
    "report_progress",
    "request_replan",
    "request_solve",
    "review_program",
    "schedule_view",
    "set_fairness",
    "set_replanning",
    "show_replanning",
    "show_fairness",
    "show_job",
    "show_schedule",
    "stop_retrying",
    "unpin_program",
    "withdraw_delegation",
    "withdraw_interest",
    "withdraw_program",
]
