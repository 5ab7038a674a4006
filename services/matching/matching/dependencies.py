"""matching's DependencyProviders: the solver settings and the planner that
works through due deadlines and re-plans in the background."""
from __future__ import annotations

from dataclasses import asdict

import structlog
from nameko.extensions import DependencyProvider

from rueda_backbone import BackgroundJob

from . import planning, usecases
from .exceptions import PlanRefused

log = structlog.get_logger(__name__)


def _flag(value) -> bool:
    return str(value).lower() in ("1", "true", "yes")


class PlanningSettings:
    """Solver and re-planning settings, read once from the service's config."""

    def __init__(self, config: dict):
        self.time_limit = float(config.get("SOLVER_TIME_LIMIT") or 30)
        self.max_time_limit = float(config.get("SOLVER_MAX_TIME_LIMIT") or 300)
        self.autopublish = _flag(config.get("REPLAN_AUTOPUBLISH", "true"))
        self.debounce_seconds = float(config.get("REPLAN_DEBOUNCE_SECONDS", 60))
        self.poll_seconds = float(config.get("PLANNER_POLL_SECONDS") or 5)
        self.enabled = _flag(config.get("PLANNER_ENABLED", "true"))


class Planner(BackgroundJob):
    """Computes the provisional schedule of a workshop whose interest deadline
    passed, and re-plans (and, by default, publishes) a published schedule a
    change touched once the debounce delay is over."""

    identifier = "planner"

    def setup(self):
        super().setup()
        self.settings = PlanningSettings(self.container.config)
        self.poll_interval = self.settings.poll_seconds

    @property
    def enabled(self) -> bool:
        return self.settings.enabled

    def run_once(self) -> bool:
        with self.transaction() as uow:
            due = usecases.due_work({}, uow=uow, now=self.clock(),
                                    debounce_seconds=self.settings.debounce_seconds)
        for item in due:
            try:
                planning.compute(
                    {"workshop_id": item.workshop_id, "trigger": item.trigger,
                     "time_limit": self.settings.time_limit,
                     "publish": item.trigger == "replan" and self.settings.autopublish,
                     "requested_at": item.requested_at},
                    transaction=self.transaction, clock=self.clock)
            except PlanRefused as exc:
                # retrying cannot help until staff change the pins
                log.error("schedule.refused", workshop_id=item.workshop_id,
                          trigger=item.trigger, problems=exc.problems)
                with self.transaction() as uow:
                    usecases.give_up(asdict(item), uow=uow, now=self.clock())
        return False


class Planning(DependencyProvider):
    """What a worker sees as `self.planning`: the settings, and `wake()` to
    start the background planner now rather than at its next poll."""

    planner = Planner()

    def get_dependency(self, worker_ctx):
        return self.planner
