"""followup's background work: the timer that looks for due follow-ups and
prepares the weekly digests, the provider a worker wakes it through, and
the settings read from config for the use cases."""
from __future__ import annotations

import structlog
from nameko.extensions import DependencyProvider

from rueda_backbone import BackgroundJob

from . import reports, usecases
from .settings import Settings as SettingsValue

log = structlog.get_logger(__name__)


class FollowUpTimer(BackgroundJob):
    """Every `FOLLOW_UP_SCAN_SECONDS`: publish the follow-ups that became due,
    then the weekly digests not prepared yet. Replicas may run it side by side:
    the notice and digest tables' keys keep each event to one."""

    identifier = "follow_up_timer"

    def setup(self):
        super().setup()
        config = self.container.config
        self.poll_interval = float(config.get("FOLLOW_UP_SCAN_SECONDS") or 300)
        self._enabled = str(config.get("FOLLOW_UP_TIMER_ENABLED", True)).lower() != "false"

    @property
    def enabled(self) -> bool:
        return self._enabled

    def run_once(self) -> bool:
        now = self.clock()
        # two transactions: a digest that fails to render must not hold back
        # the follow-ups found due
        with self.transaction() as uow:
            due = usecases.scan_follow_ups(uow=uow, now=now)
        with self.transaction() as uow:
            digests = usecases.prepare_digests(uow=uow, now=now,
                                               render_charts=reports.digest_charts)
        if due or digests:
            log.info("follow_up.scanned", due=due, digests=digests)
        return False


class FollowUpScheduler(DependencyProvider):
    """Hosts the timer; a worker may wake it after changing follow-up dates."""

    timer = FollowUpTimer()

    def get_dependency(self, worker_ctx):
        return self.timer


class Settings(DependencyProvider):
    """followup's settings (`followup.settings.Settings`), read once from config."""

    def setup(self):
        self.settings = SettingsValue.from_config(self.container.config)

    def get_dependency(self, worker_ctx):
        return self.settings
