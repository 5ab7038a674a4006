"""The suite as real processes: four `nameko run`s, a real broker vhost, real
databases and a real SMTP sink."""

import random
import socket

import pytest

from rueda_backbone.testing import create_postgres_database, drop_postgres_database, free_port
from rueda_devkit import mailsink
from rueda_devkit.stack import SERVICES, Stack

FAST = {
    f"{s.upper()}_{key}": value
    for s in SERVICES
    for key, value in {"EVENT_RETRY_DELAYS": "[0.2, 0.5, 1]", "OUTBOX_POLL_SECONDS": "0.2"}.items()
}
FAST.update({"NOTIFY_MAIL_RETRY_DELAYS": "[0.2, 0.5, 1]", "NOTIFY_MAIL_POLL_SECONDS": "0.2"})


def free_port_offset() -> int:
    """An offset at which every service's port (and a second replica's) is
    free, so that two test runs on one machine do not answer each other."""
    for _ in range(100):
        offset = random.randrange(100, 3000, 50)
        ports = [
            port + offset + 10 * replica for port in SERVICES.values() for replica in (0, 1, 2)
        ]
        if all(_free(port) for port in ports):
            return offset
    raise RuntimeError("no free ports for the services")


def _free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


@pytest.fixture
def make_stack(rabbit_config, tmp_path):
    stacks, databases, sinks = [], [], []

    def make(database: str = "sqlite") -> Stack:
        urls = {}
        if database == "postgresql":
            urls = {service: create_postgres_database() for service in SERVICES}
            databases.extend(urls.values())
        smtp_port = free_port()
        sinks.append(mailsink.start(tmp_path / "mail", port=smtp_port))
        stack = Stack(
            data_dir=tmp_path,
            amqp_uri=rabbit_config["AMQP_URI"],
            database_urls=urls,
            smtp_port=smtp_port,
            port_offset=free_port_offset(),
            extra_env=dict(FAST),
        )
        stack.mail_dir = tmp_path / "mail"
        stack.migrate()
        stacks.append(stack)
        return stack

    yield make
    for stack in stacks:
        stack.stop()
    for sink in sinks:
        sink.stop()
    for url in databases:
        drop_postgres_database(url)
