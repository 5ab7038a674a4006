"""notify's DependencyProviders: the mailbox a worker writes to, and the
sender that, in the background, turns due change notices into emails and
empties the outbox over SMTP; and what use cases take besides their message
(named in the inbound table's `uses=`): the settings read from config here at
the edge, and the id of the event being handled."""

from __future__ import annotations

import logging
import re
import time
from datetime import timedelta

from nameko.extensions import DependencyProvider

from rueda_backbone import BackgroundJob
from rueda_backbone.database import Store
from rueda_backbone.dependencies import DEFAULT_LINGER_MS

from . import usecases
from .mail import SmtpSettings
from .sending import Sender


class NoticeSettings:
    """The change-notice window, the domain of Message-IDs and calendar UIDs,
    and the public address the agenda emails link to (`PUBLIC_URL`)."""

    def __init__(self, config: dict):
        self.window = timedelta(seconds=float(config.get("CHANGE_NOTICE_WINDOW_SECONDS") or 300))
        self.uid_domain = str(config.get("MAIL_MESSAGE_ID_DOMAIN") or "rueda.local")
        self.public_url = str(config.get("PUBLIC_URL") or "http://127.0.0.1:8004").rstrip("/")


# the token in an agenda page's or feed's path is its only credential: the
# web server's access log shows the route, never the token
_AGENDA_PATH = re.compile(r"/agendas/[^/\s?\"]+")


class TokenRedaction(logging.Filter):
    """Replaces agenda tokens in the access-log lines of nameko's web server."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/agendas/" in message:
            record.msg, record.args = _AGENDA_PATH.sub("/agendas/<token>", message), ()
        return True


def redact_agenda_tokens() -> None:
    """Installs `TokenRedaction` on the web server's logger (once per process)."""
    logger = logging.getLogger("nameko.web.server")
    if not any(isinstance(f, TokenRedaction) for f in logger.filters):
        logger.addFilter(TokenRedaction())


class MailSender(BackgroundJob):
    identifier = "mail_sender"

    def setup(self):
        super().setup()
        config = self.container.config
        self.poll_interval = float(config.get("MAIL_POLL_SECONDS") or 1.0)
        self.linger = float(config.get("MAIL_LINGER_MS", DEFAULT_LINGER_MS) or 0) / 1000
        self._notices_due_at = 0.0
        self.store = Store.for_url(config["DATABASE_URL"])
        self.notices = NoticeSettings(config)
        self.sender = Sender(
            self.store,
            SmtpSettings.from_config(config),
            retry_delays=config.get("MAIL_RETRY_DELAYS") or (10, 60, 300, 1800, 7200),
            batch_size=int(config.get("MAIL_BATCH_SIZE") or 50),
        )

    def flush_notices(self) -> int:
        """Queue the change notices whose window has closed."""
        with self.transaction() as uow:
            return len(
                usecases.flush_due_notices({}, uow=uow, now=self.clock(), settings=self.notices)
            )

    def stop(self):
        super().stop()  # its last pass first
        self.sender.close()

    def kill(self):
        super().kill()
        self.sender.close()

    def run_once(self) -> bool:
        # a notice window closes minutes after its change: once per poll
        # interval is soon enough, and spares every pass of a burst a transaction
        if time.monotonic() >= self._notices_due_at:
            self._notices_due_at = time.monotonic() + self.poll_interval
            self.flush_notices()
        self.last_pass = self.sender.send_due()
        return self.last_pass == self.sender.batch_size


class Mailbox(DependencyProvider):
    """`self.mailbox` is the sender: the inbound rows that queue emails wake
    it (`wakes="mailbox"`) once they committed, so a queued email leaves at once."""

    sender = MailSender()

    def get_dependency(self, worker_ctx):
        return self.sender


class Settings(DependencyProvider):
    """`self.settings`: notify's `NoticeSettings`, read from config once."""

    def setup(self):
        self.settings = NoticeSettings(self.container.config)
        redact_agenda_tokens()

    def get_dependency(self, worker_ctx):
        return self.settings
