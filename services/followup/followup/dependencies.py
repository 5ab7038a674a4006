"""followup's background work: the timer that looks for due follow-ups and
prepares the weekly digests, the provider a worker wakes it through, and
the settings read from config for the use cases."""

from __future__ import annotations

import structlog
from nameko.extensions import DependencyProvider

from rueda_backbone import BackgroundJob, metrics

from . import reports, usecases
from .settings import Settings as SettingsValue

log = structlog.get_logger(__name__)


class FollowUpTimer(BackgroundJob):
    """Every `FOLLOW_UP_SCAN_SECONDS`: publish the follow-ups that became due,
    then the weekly digests not prepared yet. Replicas may run it side by side:
    the notice and digest tables' keys keep each event to one.

    One activity or owner whose notice cannot be built fails alone (logged
    with its reason, counted in `rueda_loop_item_failures_total`); after
    `FOLLOW_UP_MAX_TRIES` scans it is given up on until its follow-up date
    changes (a digest: until next week) or the service restarts."""

    identifier = "follow_up_timer"
    MAX_TRIES = 3

    def setup(self):
        super().setup()
        config = self.container.config
        self.poll_interval = float(config.get("FOLLOW_UP_SCAN_SECONDS") or 300)
        self._enabled = str(config.get("FOLLOW_UP_TIMER_ENABLED", True)).lower() != "false"
        self.max_tries = int(config.get("FOLLOW_UP_MAX_TRIES") or self.MAX_TRIES)
        self.tries: dict = {}  # item key -> failed scans so far
        self.given_up: set = set()

    @property
    def enabled(self) -> bool:
        return self._enabled

    def run_once(self) -> bool:
        now = self.clock()
        # two transactions: a digest that fails to render must not hold back
        # the follow-ups found due
        failed: dict = {}
        with self.transaction() as uow:
            due = usecases.scan_follow_ups(uow=uow, now=now, skip=self.given_up, failed=failed)
        with self.transaction() as uow:
            digests = usecases.prepare_digests(
                uow=uow,
                now=now,
                render_charts=reports.digest_charts,
                skip=self.given_up,
                failed=failed,
            )
        if due or digests:
            log.info("follow_up.scanned", due=due, digests=digests)
        self.count_failures(failed)
        return False

    def count_failures(self, failed: dict) -> None:
        """Count this scan's failed items; give up on those that failed
        `max_tries` scans in a row (an item that went through is forgotten)."""
        self.tries = {key: self.tries.get(key, 0) + 1 for key in failed}
        for key, reason in failed.items():
            metrics.LOOP_ITEM_FAILURES.labels(
                service=self.container.service_name, loop=self.identifier
            ).inc()
            if self.tries[key] >= self.max_tries:
                self.given_up.add(key)
                log.error(
                    "follow_up.item_given_up", item=repr(key), tries=self.tries[key], error=reason
                )


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
