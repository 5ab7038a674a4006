"""Run the four services as real processes on this machine.

Used by the demo and by the end-to-end and fault tests: each service runs
`nameko run` with its own config.yml, its own database and its own broker
URI, exactly as in production, only with settings given by environment.

Any service may run as several replicas (`start_all(replicas=2)`; replica n
listens on its port + 10 n) and with its own broker user (`amqp_uris`, from
`broker.create_service_users`); without one it uses `amqp_uri`.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

SERVICES = {"intake": 8001, "matching": 8002, "followup": 8003, "notify": 8004, "webhooks": 8006}
ROOT = Path(__file__).resolve().parents[3]
QUIET_WARNINGS = "ignore::DeprecationWarning,ignore:pkg_resources is deprecated:UserWarning"


def free_port() -> int:
    """A TCP port nothing listens on right now (for a mail sink, a proxy)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_port_offset(replicas: int = 3) -> int:
    """An offset at which every service's port (and its replicas') is free,
    so that two runs on one machine (demo, benchmark, tests) do not answer
    each other."""
    for _ in range(200):
        offset = random.randrange(100, 3000, 50)
        ports = [
            port + offset + 10 * replica
            for port in SERVICES.values()
            for replica in range(replicas)
        ]
        if all(_free(port) for port in ports):
            return offset
    raise RuntimeError("no free ports for the services")


def bin_path(name: str) -> str:
    return str(Path(sys.executable).parent / name)


@dataclass
class Stack:
    data_dir: Path
    amqp_uri: str
    database_urls: dict[str, str] = field(default_factory=dict)
    smtp_port: int = 8025
    port_offset: int = 0
    extra_env: dict[str, str] = field(default_factory=dict)
    processes: dict[str, list[subprocess.Popen]] = field(default_factory=dict)
    amqp_uris: dict[str, str] = field(default_factory=dict)

    def __post_init__(self):
        self.data_dir = Path(self.data_dir).resolve()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        (self.data_dir / "logs").mkdir(exist_ok=True)
        for service in SERVICES:
            self.database_urls.setdefault(
                service, f"sqlite:///{self.data_dir / (service + '.sqlite3')}"
            )

    def port(self, service: str, replica: int = 0) -> int:
        return SERVICES[service] + self.port_offset + 10 * replica

    def url(self, service: str, replica: int = 0) -> str:
        return f"http://127.0.0.1:{self.port(service, replica)}"

    def env(self, service: str, replica: int = 0) -> dict[str, str]:
        prefix = service.upper()
        env = dict(os.environ)
        env.update(
            {
                f"{prefix}_AMQP_URI": self.amqp_uris.get(service, self.amqp_uri),
                f"{prefix}_DATABASE_URL": self.database_urls[service],
                f"{prefix}_HTTP_ADDRESS": f"127.0.0.1:{self.port(service, replica)}",
                "NOTIFY_SMTP_HOST": "127.0.0.1",
                "NOTIFY_SMTP_PORT": str(self.smtp_port),
                "RUEDA_LOG_FORMAT": "json",
                "PYTHONWARNINGS": QUIET_WARNINGS,
                "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            }
        )
        env.update(self.extra_env)
        return env

    def config(self, service: str) -> Path:
        return ROOT / "services" / service / "config.yml"

    def ops(self, service: str, *args: str) -> str:
        """Run `rueda-ops` against a service, as ops would."""
        result = subprocess.run(
            [bin_path("rueda-ops"), "--config", str(self.config(service)), *args],
            env=self.env(service),
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        if result.returncode != 0:
            raise RuntimeError(f"rueda-ops {' '.join(args)} failed: {result.stderr.strip()}")
        return result.stdout.strip()

    def migrate(self) -> None:
        for service in SERVICES:
            self.ops(service, "migrate")

    def start(self, service: str, replica: int = 0) -> subprocess.Popen:
        log = open(self.data_dir / "logs" / f"{service}-{replica}.log", "ab")
        process = subprocess.Popen(
            [
                bin_path("nameko"),
                "run",
                "--config",
                str(self.config(service)),
                f"{service}.service",
            ],
            cwd=ROOT / "services" / service,
            env=self.env(service, replica),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes.setdefault(service, []).append(process)
        return process

    def start_all(self, replicas: int = 1, timeout: float = 60) -> None:
        for service in SERVICES:
            for replica in range(replicas):
                self.start(service, replica)
        for service in SERVICES:
            for replica in range(replicas):
                self.wait_healthy(service, replica, timeout)

    def wait_healthy(self, service: str, replica: int = 0, timeout: float = 60) -> dict:
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            dead = [p for p in self.processes.get(service, []) if p.poll() is not None]
            if dead:
                raise RuntimeError(
                    f"{service} exited with {dead[0].returncode}; see {self.data_dir / 'logs'}"
                )
            try:
                response = requests.get(f"{self.url(service, replica)}/health", timeout=5)
                if response.status_code == 200:
                    return response.json()
                last = response.text
            except requests.RequestException as exc:
                last = str(exc)
            time.sleep(0.2)
        raise TimeoutError(f"{service} not healthy after {timeout}s: {last}")

    def stop(self, service: str | None = None, timeout: float = 30) -> None:
        """Stop gracefully (SIGTERM lets in-flight workers finish), then kill."""
        names = [service] if service else list(self.processes)
        for name in names:
            for process in self.processes.get(name, []):
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
        for name in names:
            for process in self.processes.pop(name, []):
                try:
                    process.wait(timeout)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()

    def kill(self, service: str) -> None:
        """Kill without warning, as a crash or an OOM kill would."""
        for process in self.processes.pop(service, []):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    def use_service_users(self) -> dict[str, str]:
        """Run every service as its own broker user, with the permissions and
        the topology of deploy/rabbitmq/definitions.json (generated afresh for
        this vhost), as in production. Call before `start`; `drop_service_users`
        removes the users again."""
        from urllib.parse import unquote

        from . import broker, definitions

        vhost = unquote(self.amqp_uri.rsplit("/", 1)[1])
        generated = definitions.generate(vhost)
        broker.load_topology(vhost, generated)
        # the file's policies cover the default retry delays; a service user
        # may not set policies, so those of this stack's delays are set here
        for service in SERVICES:
            broker.put_policies(vhost, self.policies(service))
        self.user_prefix = f"{vhost}-"
        self.amqp_uris = broker.create_service_users(vhost, generated, prefix=self.user_prefix)
        return self.amqp_uris

    def policies(self, service: str) -> list[dict]:
        """The broker policies (delivery limit, retry TTLs, dead letters)
        `service` needs with the retry delays this stack gives it."""
        import json

        from rueda_backbone.topology import topology_from_config

        delays = self.env(service).get(f"{service.upper()}_EVENT_RETRY_DELAYS")
        config = {"EVENT_RETRY_DELAYS": json.loads(delays) if delays else None}
        return topology_from_config(service, config).policies()

    def drop_service_users(self) -> None:
        from . import broker

        prefix = getattr(self, "user_prefix", None)
        if prefix is not None:
            broker.delete_users(f"{prefix}{service}" for service in self.amqp_uris)
            self.amqp_uris = {}

    def metrics(self, service: str, replica: int = 0) -> str:
        """The replica's Prometheus metrics, as text."""
        response = requests.get(f"{self.url(service, replica)}/metrics", timeout=10)
        response.raise_for_status()
        return response.text

    def logs(self, service: str) -> str:
        return "".join(
            path.read_text(errors="replace")
            for path in sorted((self.data_dir / "logs").glob(f"{service}-*.log"))
        )
