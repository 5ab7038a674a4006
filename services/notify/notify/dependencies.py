"""notify's DependencyProviders: the mailbox a worker writes to, and the
sender that, in the background, turns due change notices into emails and
empties the outbox over SMTP."""
from __future__ import annotations

from datetime import timedelta

from nameko.extensions import DependencyProvider
from rueda_backbone.database import Store
from rueda_backbone.dependencies import BackgroundLoop
from rueda_backbone.outbox import UnitOfWork

from . import usecases
from .mail import SmtpSettings
from .sending import Sender


class NoticeSettings:
    def __init__(self, config: dict):
        self.window = timedelta(seconds=float(config.get("CHANGE_NOTICE_WINDOW_SECONDS") or 300))
        self.uid_domain = str(config.get("MAIL_MESSAGE_ID_DOMAIN") or "rueda.local")


class MailSender(BackgroundLoop):
    identifier = "mail_sender"

    def setup(self):
        super().setup()
        config = self.container.config
        self.poll_interval = float(config.get("MAIL_POLL_SECONDS") or 1.0)
        self.store = Store.for_url(config["DATABASE_URL"])
        self.notices = NoticeSettings(config)
        self.sender = Sender(self.store, SmtpSettings.from_config(config),
                             retry_delays=config.get("MAIL_RETRY_DELAYS") or (10, 60, 300, 1800, 7200),
                             batch_size=int(config.get("MAIL_BATCH_SIZE") or 50))

    def flush_notices(self, now=None) -> int:
        with self.store.transaction() as session:
            uow = UnitOfWork(session, producer="notify", correlation_id="notify-notices")
            return len(usecases.flush_due_notices(uow, uid_domain=self.notices.uid_domain, now=now))

    def run_once(self) -> bool:
        self.flush_notices()
        return self.sender.send_due() == self.sender.batch_size


class Mailbox(DependencyProvider):
    """Wakes the sender after every worker, so a queued email leaves at once."""

    sender = MailSender()

    def worker_teardown(self, worker_ctx):
        self.sender.wake()

    def get_dependency(self, worker_ctx):
        return self.sender
