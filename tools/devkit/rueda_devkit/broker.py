"""Local RabbitMQ housekeeping through the management API: one vhost per demo
or test run, so runs never see each other's queues."""
from __future__ import annotations

import os
from urllib.parse import quote

import requests

MANAGEMENT_URL = os.environ.get("RUEDA_RABBIT_MANAGEMENT_URL", "http://127.0.0.1:15672")
AUTH = (os.environ.get("RUEDA_RABBIT_USER", "guest"), os.environ.get("RUEDA_RABBIT_PASSWORD", "guest"))
AMQP_HOST = os.environ.get("RUEDA_RABBIT_HOST", "127.0.0.1:5672")


def amqp_uri(vhost: str, user: str | None = None, password: str | None = None) -> str:
    user = user or AUTH[0]
    password = password or AUTH[1]
    return f"amqp://{quote(user, safe='')}:{quote(password, safe='')}@{AMQP_HOST}/{quote(vhost, safe='')}"


def _api(method: str, path: str, **kwargs) -> requests.Response:
    response = requests.request(method, f"{MANAGEMENT_URL}/api/{path}", auth=AUTH, timeout=30, **kwargs)
    if response.status_code >= 400 and not (method == "DELETE" and response.status_code == 404):
        response.raise_for_status()
    return response


def create_vhost(vhost: str, *, fresh: bool = True) -> str:
    """Create `vhost` (emptied first when `fresh`) with full rights for the admin user."""
    name = quote(vhost, safe="")
    if fresh:
        _api("DELETE", f"vhosts/{name}")
    _api("PUT", f"vhosts/{name}", json={})
    _api("PUT", f"permissions/{name}/{quote(AUTH[0], safe='')}",
         json={"configure": ".*", "write": ".*", "read": ".*"})
    return amqp_uri(vhost)


def delete_vhost(vhost: str) -> None:
    _api("DELETE", f"vhosts/{quote(vhost, safe='')}")


def queue_depths(vhost: str) -> dict[str, int]:
    rows = _api("GET", f"queues/{quote(vhost, safe='')}").json()
    return {row["name"]: row.get("messages", 0) for row in rows}
