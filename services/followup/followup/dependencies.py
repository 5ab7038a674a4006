"""followup's DependencyProviders: the clock every use case reads, and the
timer that looks for due follow-ups and prepares the weekly digests."""
from __future__ import annotations

from datetime import datetime, timezone

import structlog
from nameko.extensions import DependencyProvider
from rueda_backbone.database import Store
from rueda_backbone.dependencies import BackgroundLoop, OutboxRelayRunner
from rueda_backbone.envelope import new_correlation_id
from rueda_backbone.outbox import UnitOfWork

from . import reports, usecases

log = structlog.get_logger(__name__)


def clock_from_config(config: dict):
    """Real time, or the fixed instant `CLOCK_FIXED_AT` (ISO 8601 with offset)
    so tests and demos can say what day it is without sleeping."""
    fixed = config.get("CLOCK_FIXED_AT")
    if fixed:
        instant = datetime.fromisoformat(str(fixed))
        if instant.tzinfo is None:
            raise ValueError("CLOCK_FIXED_AT needs an offset, e.g. 2026-05-04T09:00:00+00:00")
        return lambda: instant
    return lambda: datetime.now(timezone.utc)


class Clock(DependencyProvider):
    def setup(self):
        self.now = clock_from_config(self.container.config)

    def get_dependency(self, worker_ctx):
        return self.now


class FollowUpTimer(BackgroundLoop):
    """Every `FOLLOW_UP_SCAN_SECONDS`: publish the follow-ups that became due,
    then the weekly digests not prepared yet. Replicas may run it side by side:
    the notice and digest tables' keys keep each event to one."""

    identifier = "follow_up_timer"
    relay = OutboxRelayRunner()

    def setup(self):
        super().setup()
        config = self.container.config
        self.poll_interval = float(config.get("FOLLOW_UP_SCAN_SECONDS") or 300)
        self._enabled = str(config.get("FOLLOW_UP_TIMER_ENABLED", True)).lower() != "false"
        self.store = Store.for_url(config["DATABASE_URL"])
        self.now = clock_from_config(config)

    @property
    def enabled(self) -> bool:
        return self._enabled

    def run_once(self) -> bool:
        now = self.now()
        with self.store.transaction() as session:
            uow = UnitOfWork(session, producer=self.container.service_name,
                             correlation_id=new_correlation_id())
            due = usecases.scan_follow_ups(uow=uow, now=now)
        with self.store.transaction() as session:
            uow = UnitOfWork(session, producer=self.container.service_name,
                             correlation_id=new_correlation_id())
            digests = usecases.prepare_digests(uow=uow, now=now,
                                               render_charts=reports.digest_charts)
        if due or digests:
            log.info("follow_up.scanned", due=due, digests=digests)
            self.relay.wake()
        return False


class FollowUpScheduler(DependencyProvider):
    """Hosts the timer; a worker may wake it after changing follow-up dates."""

    timer = FollowUpTimer()

    def get_dependency(self, worker_ctx):
        return self.timer
