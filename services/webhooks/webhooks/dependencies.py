"""webhooks' DependencyProviders and its background job: the sender that
posts due deliveries (woken by the inbound rows once a delivery committed),
the settings read from config, and the envelope of the event being handled."""

from __future__ import annotations

from nameko.extensions import DependencyProvider

from rueda_backbone import BackgroundJob

from . import posting
from .sending import Sender
from .settings import Settings as SettingsValue


class DeliverySender(BackgroundJob):
    """Every `DELIVERY_POLL_SECONDS`, or when woken: try the due deliveries.
    Replicas may run it side by side (claims with a lease)."""

    identifier = "delivery_sender"

    def setup(self):
        super().setup()
        config = self.container.config
        settings = SettingsValue.from_config(config)
        self.poll_interval = float(config.get("DELIVERY_POLL_SECONDS") or 1.0)
        self._enabled = str(config.get("DELIVERY_SENDER_ENABLED", True)).lower() != "false"
        self.sender = Sender(
            self.store,
            posting.session(
                allow_private=settings.allow_private_urls, pool_size=settings.concurrency
            ),
            delays=settings.retry_delays,
            concurrency=settings.concurrency,
            connect_timeout=settings.connect_timeout,
            timeout=settings.timeout,
        )

    @property
    def enabled(self) -> bool:
        return self._enabled

    def run_once(self) -> bool:
        return self.sender.send_due() == self.sender.batch_size


class Deliveries(DependencyProvider):
    """`self.sender`: the job; woken after a worker committed deliveries."""

    sender = DeliverySender()

    def get_dependency(self, worker_ctx):
        return self.sender


class Settings(DependencyProvider):
    """`self.settings`: webhooks' `settings.Settings`, read from config once."""

    def setup(self):
        self.settings = SettingsValue.from_config(self.container.config)

    def get_dependency(self, worker_ctx):
        return self.settings
