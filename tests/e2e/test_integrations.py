"""What an integrator does, from docs/integrations.md, against the real suite:
the portal publishes a program profile as a CloudEvent with its own broker
account, and a funder's system follows activities on its own queue. The
examples in examples/integrations run as they would at the integrator's."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote

import pytest
import requests

from rueda_backbone.testing import wait_for
from rueda_devkit import broker, definitions
from rueda_devkit.flow import REGISTRATION, emails, post, workshop_form

pytestmark = [pytest.mark.e2e, pytest.mark.broker]

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "integrations"


@pytest.fixture
def stack_with_accounts(make_stack):
    stack = make_stack("sqlite")
    stack.use_service_users()
    vhost = unquote(stack.amqp_uri.rsplit("/", 1)[1])
    funder = definitions.system_account(
        "funder", reads=["followup:activity_*", "followup:funding_selection_confirmed"]
    )
    extra = definitions.generate(vhost, services=(), systems=[funder])
    broker.load_topology(vhost, extra)
    stack.amqp_uris.update(broker.create_service_users(vhost, extra, prefix=stack.user_prefix))
    yield stack
    stack.stop()
    stack.drop_service_users()


def run_example(name: str, *args: str, timeout: float = 60) -> list[dict]:
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / name), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def test_the_portal_publishes_a_program_as_a_cloud_event_and_a_funder_follows_the_activity(
    stack_with_accounts,
):
    stack = stack_with_accounts
    key = stack.ops("intake", "api-key", "create", "secretariat")
    stack.start_all()
    workshop = post(stack, key, "/workshops", workshop_form())
    delegation = post(stack, key, "/delegations", {**REGISTRATION, "workshop_id": workshop["id"]})
    other = post(
        stack,
        key,
        "/delegations",
        {
            **REGISTRATION,
            "workshop_id": workshop["id"],
            "country": "Peru",
            "institution": "Ministerio de Desarrollo e Inclusión Social",
            "delegates": [{"name": "Luis", "email": "luis@example.org", "language": "es"}],
        },
    )

    for binary in (False, True):
        title = f"Food Acquisition Program ({'binary' if binary else 'structured'})"
        run_example(
            "portal_publish.py",
            "amqp",
            "--uri",
            stack.amqp_uris["portal"],
            "--delegation",
            delegation["id"],
            "--title",
            title,
            *(["--binary"] if binary else []),
        )
        wait_for(
            lambda title=title: any(
                p["title"] == title
                for p in requests.get(
                    f"{stack.url('intake')}/workshops/{workshop['id']}/programs",
                    timeout=10,
                    headers={"X-API-Key": key},
                ).json()["items"]
            ),
            timeout=30,
            what=f"the {title} in intake",
        )
    wait_for(
        lambda: len([m for _p, m in emails(stack) if m["X-Rueda-Kind"] == "program_received"]) == 2,
        timeout=30,
        what="both receipts",
    )

    # the HTTP equivalent answers at once
    (answer,) = run_example(
        "portal_publish.py",
        "http",
        "--url",
        stack.url("intake"),
        "--key",
        key,
        "--delegation",
        delegation["id"],
        "--title",
        "Red de Oportunidades",
    )
    assert answer["title"] == "Red de Oportunidades"

    post(
        stack,
        key,
        "/expressions-of-interest",
        {
            "demanding_delegation_id": other["id"],
            "supplying_delegation_ids": [delegation["id"]],
            "topic": "food_security",
            "activity_types": ["expert_visit"],
            "mechanism": "bilateral_agreement",
            "focus": "specific_components",
            "description": "Two expert visits.",
        },
    )
    events = run_example(
        "funder_subscribe.py", "--uri", stack.amqp_uris["funder"], "--limit", "1", "--timeout", "30"
    )
    assert [e["event_type"] for e in events] == ["activity_proposed"]
    assert events[0]["payload"]["demanding_delegation_id"] == other["id"]
