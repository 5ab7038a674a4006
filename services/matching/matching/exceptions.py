"""matching's domain errors and its one mapping from them to HTTP answers.

Use cases and the planner raise these (or the backbone's `NotFound` and
`Invalid`) and never name a status; `ERRORS`, set on the nameko class, gives
each its status. Event handlers raise none of them: intake's events only
update the read model, whatever order they arrive in.
"""
from __future__ import annotations

from rueda_backbone import Conflict, ErrorMapping


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
        super().__init__("the solver refused the pins",
                         [{"path": "pins", "message": problem} for problem in self.problems])


ERRORS = ErrorMapping(status={PinDoesNotFit: 409, NotPublishable: 409, PlanRefused: 409})
