"""matching's DependencyProviders: the clock, the solver settings and the
planner that works through due deadlines and re-plans in the background."""
from __future__ import annotations

import contextlib
from datetime import datetime, timezone

import structlog
from nameko.extensions import DependencyProvider
from rueda_backbone.database import Store
from rueda_backbone.dependencies import BackgroundLoop, OutboxRelayRunner
from rueda_backbone.envelope import new_correlation_id
from rueda_backbone.outbox import UnitOfWork

from . import planning, usecases

log = structlog.get_logger(__name__)


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class PlanningSettings:
    """Solver and re-planning settings, read once from the service's config."""

    def __init__(self, config: dict):
        self.time_limit = float(config.get("SOLVER_TIME_LIMIT") or 30)
        self.max_time_limit = float(config.get("SOLVER_MAX_TIME_LIMIT") or 300)
        self.autopublish = str(config.get("REPLAN_AUTOPUBLISH", "true")).lower() in (
            "1", "true", "yes")
        self.debounce_seconds = float(config.get("REPLAN_DEBOUNCE_SECONDS", 60))
        self.poll_seconds = float(config.get("PLANNER_POLL_SECONDS") or 5)
        self.enabled = str(config.get("PLANNER_ENABLED", "true")).lower() in ("1", "true", "yes")


class Planner(BackgroundLoop):
    """Computes the provisional schedule of a workshop whose interest deadline
    passed, and re-plans (and, by default, publishes) a published schedule a
    withdrawal touched once the debounce delay is over."""

    identifier = "planner"
    relay = OutboxRelayRunner()
    # replaced in tests that need to move time; everything else reads it from here
    clock = staticmethod(utc_now)

    def setup(self):
        super().setup()
        self.settings = PlanningSettings(self.container.config)
        self.poll_interval = self.settings.poll_seconds
        self.store = Store.for_url(self.container.config["DATABASE_URL"])

    @property
    def enabled(self) -> bool:
        return self.settings.enabled

    @contextlib.contextmanager
    def transaction(self):
        with self.store.transaction() as session:
            uow = UnitOfWork(session, producer=self.container.service_name,
                             correlation_id=new_correlation_id())
            yield uow
        if uow.envelopes:
            self.relay.wake()

    def run_once(self) -> bool:
        with self.transaction() as uow:
            due = usecases.due_work(uow, now=self.clock(),
                                    debounce_seconds=self.settings.debounce_seconds)
        for item in due:
            try:
                planning.compute(
                    self.transaction, item.workshop_id, trigger=item.trigger,
                    time_limit=self.settings.time_limit, now=self.clock,
                    publish=item.trigger == "replan" and self.settings.autopublish,
                    requested_at=item.requested_at)
            except planning.PlanRefused as exc:
                # retrying cannot help until staff change the pins
                log.error("schedule.refused", workshop_id=item.workshop_id,
                          trigger=item.trigger, problems=exc.problems)
                with self.transaction() as uow:
                    usecases.give_up(uow, item, now=self.clock())
        return False


class Planning(DependencyProvider):
    """What a worker sees as `self.planning`: settings, the clock, transactions
    for a solve and a way to wake the background planner."""

    planner = Planner()

    def get_dependency(self, worker_ctx):
        return self.planner
