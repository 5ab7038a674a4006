"""matching's domain errors and its one mapping from them to HTTP answers.

Use cases and the planner raise these (or the backbone's `NotFound` and
`Invalid`) and never name a status; `ERRORS`, set on the nameko class, gives
each its status. Event handlers raise none of them: intake's events only
update the read model, whatever order they arrive in.
"""

from __future__ import annotations

from rueda_backbone import Conflict, DomainError, ErrorMapping


class PinDoesNotFit(Conflict):
    """A pin outside the workshop's grid, or at a table another program holds."""


class NotPublishable(Conflict):
    """The schedule is published already, or a revision published after it was
    computed overtook it (compute again so it starts from that revision)."""


class PlanRefused(Conflict):
    """The solver refused its input: pins that cannot hold together (two on one
    table, more seats than the host has...). `problems` in the solver's words,
    with pins named by program."""

    code = "pins_conflict"

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__(
            "the solver refused the pins",
            [{"path": "pins", "message": problem} for problem in self.problems],
        )


class JobFinished(Conflict):
    """A solve job that succeeded or failed cannot be cancelled any more."""

    code = "job_finished"


class JobCancelled(Conflict):
    """The solve a caller waited for (`?wait=true`) was cancelled."""

    code = "job_cancelled"


class SolveFailed(DomainError):
    """The solve a caller waited for failed for a reason other than its pins
    (the solver crashed, its replica stopped too often); the job says why."""

    code = "solve_failed"


class LeaseLost(Exception):
    """A runner's claim on a job passed to another replica (its lease ran
    out): what it found is not recorded. Internal, never an answer."""


ERRORS = ErrorMapping(
    status={
        PinDoesNotFit: 409,
        NotPublishable: 409,
        PlanRefused: 409,
        JobFinished: 409,
        JobCancelled: 409,
        SolveFailed: 500,
    }
)
