"""Local RabbitMQ housekeeping through the management API: one vhost per demo
or test run, so runs never see each other's queues."""

from __future__ import annotations

import os
from urllib.parse import quote

import requests

MANAGEMENT_URL = os.environ.get("RUEDA_RABBIT_MANAGEMENT_URL", "http://127.0.0.1:15672")
AUTH = (
    os.environ.get("RUEDA_RABBIT_USER", "guest"),
    os.environ.get("RUEDA_RABBIT_PASSWORD", "guest"),
)
AMQP_HOST = os.environ.get("RUEDA_RABBIT_HOST", "127.0.0.1:5672")


def amqp_uri(vhost: str, user: str | None = None, password: str | None = None) -> str:
    user = user or AUTH[0]
    password = password or AUTH[1]
    return f"amqp://{quote(user, safe='')}:{quote(password, safe='')}@{AMQP_HOST}/{quote(vhost, safe='')}"


def _api(method: str, path: str, **kwargs) -> requests.Response:
    response = requests.request(
        method, f"{MANAGEMENT_URL}/api/{path}", auth=AUTH, timeout=30, **kwargs
    )
    if response.status_code >= 400 and not (method == "DELETE" and response.status_code == 404):
        response.raise_for_status()
    return response


def create_vhost(vhost: str, *, fresh: bool = True) -> str:
    """Create `vhost` (emptied first when `fresh`) with full rights for the admin user."""
    name = quote(vhost, safe="")
    if fresh:
        _api("DELETE", f"vhosts/{name}")
    _api("PUT", f"vhosts/{name}", json={})
    _api(
        "PUT",
        f"permissions/{name}/{quote(AUTH[0], safe='')}",
        json={"configure": ".*", "write": ".*", "read": ".*"},
    )
    return amqp_uri(vhost)


def delete_vhost(vhost: str) -> None:
    _api("DELETE", f"vhosts/{quote(vhost, safe='')}")


def queue_depths(vhost: str) -> dict[str, int]:
    rows = _api("GET", f"queues/{quote(vhost, safe='')}").json()
    return {row["name"]: row.get("messages", 0) for row in rows}


# -- per-service users, as deploy/rabbitmq/definitions.json declares them ------


def load_topology(vhost: str, definitions: dict) -> None:
    """Declare the definitions' policies, exchanges, queues and bindings in
    `vhost`, as RabbitMQ does when it loads the file at boot."""

    def here(items):
        return [{k: v for k, v in item.items() if k != "vhost"} for item in items]

    _api(
        "POST",
        f"definitions/{quote(vhost, safe='')}",
        json={
            "policies": here(definitions.get("policies", [])),
            "exchanges": here(definitions["exchanges"]),
            "queues": here(definitions["queues"]),
            "bindings": here(definitions["bindings"]),
        },
    )


def put_policies(vhost: str, policies) -> None:
    """Set policies (as `Topology.policies()` lists them) in `vhost`."""
    for policy in policies:
        body = {k: v for k, v in policy.items() if k not in ("name", "vhost")}
        _api("PUT", f"policies/{quote(vhost, safe='')}/{quote(policy['name'], safe='')}", json=body)


def policies(vhost: str) -> dict[str, dict]:
    """The vhost's policies by name."""
    return {p["name"]: p for p in _api("GET", f"policies/{quote(vhost, safe='')}").json()}


def create_service_users(vhost: str, definitions: dict, *, prefix: str) -> dict[str, str]:
    """One broker user per service with the definitions' permissions on `vhost`.

    Users are global to the broker, so each run names them `<prefix><service>`
    (a test's vhost name makes a good prefix) and gets random passwords, as
    production gets them from each service's Secret. Returns service -> AMQP URI.
    """
    import secrets

    uris = {}
    name = quote(vhost, safe="")
    for user in definitions["users"]:
        service, login = user["name"], f"{prefix}{user['name']}"
        password = secrets.token_urlsafe(16)
        _api("PUT", f"users/{quote(login, safe='')}", json={"password": password, "tags": ""})
        uris[service] = amqp_uri(vhost, login, password)
    for rights in definitions["permissions"]:
        login = quote(f"{prefix}{rights['user']}", safe="")
        _api(
            "PUT",
            f"permissions/{name}/{login}",
            json={key: rights[key] for key in ("configure", "write", "read")},
        )
    for topic in definitions.get("topic_permissions", []):
        login = quote(f"{prefix}{topic['user']}", safe="")
        _api(
            "PUT",
            f"topic-permissions/{name}/{login}",
            json={key: topic[key] for key in ("exchange", "write", "read")},
        )
    return uris


def delete_users(names) -> None:
    for login in names:
        _api("DELETE", f"users/{quote(login, safe='')}")


# -- a broker outage for one run only ------------------------------------------


class OutageProxy:
    """A TCP proxy in front of RabbitMQ, in its own process, that can cut and
    restore the broker for the clients behind it: `cut()` drops every
    connection and refuses new ones, as a broker that went down would;
    `restore()` accepts again. The broker itself, and every other run using
    it, never notice, so a benchmark can take "the broker" down without
    disturbing other test runs on the same machine."""

    def __init__(self, target: str = AMQP_HOST):
        import subprocess
        import sys

        self.process = subprocess.Popen(
            [sys.executable, "-m", "rueda_devkit.broker", "proxy", "--target", target],
            stdout=subprocess.PIPE,
            stdin=subprocess.PIPE,
            text=True,
        )
        line = self.process.stdout.readline()
        if not line.startswith("listening "):
            raise RuntimeError(f"the broker proxy did not start: {line!r}")
        self.port = int(line.split()[1])

    def uri(self, amqp: str) -> str:
        """`amqp` (an AMQP URI to the real broker) through this proxy."""
        from urllib.parse import urlsplit, urlunsplit

        parts = urlsplit(amqp)
        userinfo = parts.netloc.rpartition("@")[0]
        return urlunsplit(parts._replace(netloc=f"{userinfo}@127.0.0.1:{self.port}"))

    def _command(self, word: str) -> None:
        self.process.stdin.write(word + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline().strip()
        if answer != word:
            raise RuntimeError(f"broker proxy answered {answer!r} to {word!r}")

    def cut(self) -> None:
        self._command("cut")

    def restore(self) -> None:
        self._command("restore")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.close()
            self.process.wait(10)


def _serve_proxy(target: str) -> None:
    import asyncio
    import socket
    import sys

    host, _, port = target.rpartition(":")
    state = {"server": None, "writers": set()}
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    listen_port = probe.getsockname()[1]
    probe.close()

    async def pipe(reader, writer):
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    async def handle(client_reader, client_writer):
        try:
            broker_reader, broker_writer = await asyncio.open_connection(host, int(port))
        except OSError:
            client_writer.close()
            return
        pair = {client_writer, broker_writer}
        state["writers"] |= pair
        for writer in pair:
            writer.transport.set_write_buffer_limits(high=1 << 20)
            sock = writer.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            await asyncio.gather(
                pipe(client_reader, broker_writer), pipe(broker_reader, client_writer)
            )
        finally:
            state["writers"] -= pair

    async def start():
        state["server"] = await asyncio.start_server(
            handle, "127.0.0.1", listen_port, reuse_address=True
        )

    async def main():
        await start()
        print(f"listening {listen_port}", flush=True)
        loop = asyncio.get_running_loop()
        while True:
            line = await loop.run_in_executor(None, sys.stdin.readline)
            word = line.strip()
            if not word:
                return
            if word == "cut":
                state["server"].close()
                for writer in list(state["writers"]):
                    writer.transport.abort()
                await state["server"].wait_closed()
            elif word == "restore":
                await start()
            print(word, flush=True)

    asyncio.run(main())


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(prog="python -m rueda_devkit.broker")
    sub = parser.add_subparsers(dest="command", required=True)
    proxy = sub.add_parser("proxy", help="a TCP proxy to the broker; stdin: cut | restore")
    proxy.add_argument("--target", default=AMQP_HOST)
    arguments = parser.parse_args()
    _serve_proxy(arguments.target)
