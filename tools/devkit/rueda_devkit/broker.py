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


# -- per-service users, as deploy/rabbitmq/definitions.json declares them ------

def load_topology(vhost: str, definitions: dict) -> None:
    """Declare the definitions' exchanges, queues and bindings in `vhost`, as
    RabbitMQ does when it loads the file at boot."""
    def here(items):
        return [{k: v for k, v in item.items() if k != "vhost"} for item in items]

    _api("POST", f"definitions/{quote(vhost, safe='')}", json={
        "exchanges": here(definitions["exchanges"]), "queues": here(definitions["queues"]),
        "bindings": here(definitions["bindings"])})


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
        _api("PUT", f"permissions/{name}/{login}", json={
            key: rights[key] for key in ("configure", "write", "read")})
    for topic in definitions.get("topic_permissions", []):
        login = quote(f"{prefix}{topic['user']}", safe="")
        _api("PUT", f"topic-permissions/{name}/{login}", json={
            key: topic[key] for key in ("exchange", "write", "read")})
    return uris


def delete_users(names) -> None:
    for login in names:
        _api("DELETE", f"users/{quote(login, safe='')}")
