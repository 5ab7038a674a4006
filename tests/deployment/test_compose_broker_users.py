"""In docker-compose.yml, as in Kubernetes, each service connects as its own
broker user, created with its password by the rabbitmq-definitions service
before any service starts."""

import json
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("intake", "matching", "followup", "notify", "webhooks")


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_connects_as_its_own_user_with_the_password_it_was_given(service):
    definitions = json.loads((ROOT / "deploy" / "rabbitmq" / "definitions.json").read_text())
    (vhost,) = [v["name"] for v in definitions["vhosts"]]
    loader = compose()["rabbitmq-definitions"]
    uri = urlsplit(compose()[service]["environment"][f"{service.upper()}_AMQP_URI"])
    assert uri.username == service
    assert unquote(uri.path[1:]) == vhost
    assert loader["environment"][f"RUEDA_BROKER_PASSWORD_{service.upper()}"] == uri.password
    assert (
        compose()[service]["depends_on"]["rabbitmq-definitions"]["condition"]
        == "service_completed_successfully"
    )


def test_the_loader_runs_the_same_script_and_file_as_the_kubernetes_job():
    loader = compose()["rabbitmq-definitions"]
    assert "./deploy/rabbitmq:/definitions:ro" in loader["volumes"]
    assert loader["command"][-2:] == [
        "/definitions/apply_definitions.py",
        "/definitions/definitions.json",
    ]
