"""notify's DependencyProviders: the mailbox a worker writes to, and the
sender that empties it in the background."""
from __future__ import annotations

from nameko.extensions import DependencyProvider
from rueda_backbone.database import Store
from rueda_backbone.dependencies import BackgroundLoop

from .mail import SmtpSettings
from .sending import Sender


class MailSender(BackgroundLoop):
    identifier = "mail_sender"

    def setup(self):
        super().setup()
        config = self.container.config
        self.poll_interval = float(config.get("MAIL_POLL_SECONDS") or 1.0)
        self.sender = Sender(Store.for_url(config["DATABASE_URL"]), SmtpSettings.from_config(config),
                             retry_delays=config.get("MAIL_RETRY_DELAYS") or (10, 60, 300, 1800, 7200))

    def run_once(self) -> bool:
        return self.sender.send_due() == self.sender.batch_size


class Mailbox(DependencyProvider):
    """Wakes the sender after every worker, so a queued email leaves at once."""

    sender = MailSender()

    def worker_teardown(self, worker_ctx):
        self.sender.wake()

    def get_dependency(self, worker_ctx):
        return self.sender.sender
