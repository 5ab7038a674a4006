"""Fault tests: processes killed, events doubled, garbage published, the
broker restarted; on PostgreSQL, with the services as real processes."""

import json
import subprocess
import threading
from urllib.parse import unquote

import pytest

from rueda_backbone.testing import publish_raw, wait_for
from rueda_devkit import broker
from rueda_devkit.flow import emails, parked, register_and_submit, rows

pytestmark = [pytest.mark.e2e, pytest.mark.fault, pytest.mark.broker, pytest.mark.postgres]


def outbox_pending(stack):
    return json.loads(stack.ops("intake", "outbox", "status"))["pending"]


def programs_in_matching(stack):
    return rows(stack.database_urls["matching"], "select id from program")


def test_a_producer_killed_between_commit_and_publish_delivers_its_events_once(make_stack):
    stack = make_stack("postgresql")
    api_key = stack.ops("intake", "api-key", "create", "portal")
    stack.start_all()
    stack.stop("intake")
    # an intake whose relay never runs: the commit happens, the publish does not
    stack.extra_env["INTAKE_OUTBOX_RELAY_ENABLED"] = "false"
    stack.start("intake")
    stack.wait_healthy("intake")
    _delegation, program = register_and_submit(stack, api_key)
    # workshop_published, delegation_registered, delegation_contacts_updated, program_submitted
    assert outbox_pending(stack) == 4
    stack.kill("intake")

    stack.extra_env["INTAKE_OUTBOX_RELAY_ENABLED"] = "true"
    stack.start("intake")
    wait_for(lambda: emails(stack), timeout=30, what="the receipt after the restart")
    wait_for(lambda: outbox_pending(stack) == 0, what="the outbox drained")
    assert [r["id"] for r in programs_in_matching(stack)] == [program["id"]]
    assert len(emails(stack)) == 1


def test_an_event_published_twice_has_one_effect_and_sends_one_email(make_stack):
    stack = make_stack("postgresql")
    api_key = stack.ops("intake", "api-key", "create", "portal")
    stack.start_all()
    register_and_submit(stack, api_key)
    wait_for(lambda: emails(stack), timeout=30, what="the receipt")
    (row,) = rows(
        stack.database_urls["intake"],
        "select body from outbox_message where event_type = 'program_submitted'",
    )
    body = bytes(row["body"])
    for _ in range(2):  # as a relay that crashed before marking the row sent would
        publish_raw(stack.amqp_uri, "intake.events", "program_submitted", body)
    # a consumer acks only after its effect committed: empty queues mean done
    vhost = unquote(stack.amqp_uri.rsplit("/", 1)[1])
    wait_for(
        lambda: all(
            depth == 0
            for name, depth in broker.queue_depths(vhost).items()
            if name.endswith("handle_program_submitted")
        ),
        timeout=30,
        what="the duplicates consumed",
    )
    assert len(programs_in_matching(stack)) == 1
    assert len(emails(stack)) == 1


def test_a_malformed_message_is_parked_with_its_reason_and_later_forms_still_flow(make_stack):
    stack = make_stack("postgresql")
    api_key = stack.ops("intake", "api-key", "create", "portal")
    stack.start_all()
    # every consumer has taken a first event, so the bad ones below meet
    # running consumers (see the closing note of session 2 on a start-up race)
    register_and_submit(stack, api_key)
    wait_for(lambda: emails(stack), timeout=30, what="the receipt of the first form")
    wait_for(lambda: programs_in_matching(stack), timeout=30, what="matching's first program")
    publish_raw(stack.amqp_uri, "intake.events", "program_submitted", b"\x00 garbage")
    publish_raw(
        stack.amqp_uri,
        "intake.events",
        "program_submitted",
        json.dumps(
            {
                "event_id": "e-bad",
                "event_type": "program_submitted",
                "schema_version": 1,
                "occurred_at": "2026-01-01T00:00:00Z",
                "producer": "intake",
                "correlation_id": "c",
                "payload": {"program_id": "p"},
            }
        ).encode(),
    )
    register_and_submit(stack, api_key, title="Qali Warma")
    wait_for(lambda: len(emails(stack)) == 2, timeout=30, what="the receipt of the later form")
    notify_parked = wait_for(
        lambda: parked(stack, "notify") if len(parked(stack, "notify")) == 2 else None,
        what="both bad messages parked in notify",
    )
    reasons = sorted(p["reason"] for p in notify_parked)
    assert any("not a rueda event envelope" in r for r in reasons)
    assert any("payload.delegation_id" in r and "required" in r for r in reasons)
    wait_for(
        lambda: len(parked(stack, "matching")) == 2, what="both bad messages parked in matching"
    )
    assert len(programs_in_matching(stack)) == 2


def test_forms_submitted_while_rabbitmq_restarts_are_all_delivered(make_stack):
    stack = make_stack("postgresql")
    api_key = stack.ops("intake", "api-key", "create", "portal")
    stack.start_all()
    submitted, errors = [], []

    def submit_forms():
        try:
            for n in range(8):
                submitted.append(register_and_submit(stack, api_key, title=f"Program {n:02d}"))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    writer = threading.Thread(target=submit_forms)
    writer.start()
    subprocess.run(["rabbitmqctl", "-q", "stop_app"], check=True, timeout=120)
    subprocess.run(["rabbitmqctl", "-q", "start_app"], check=True, timeout=120)
    subprocess.run(["rabbitmqctl", "-q", "await_startup"], check=True, timeout=120)
    writer.join(120)
    assert not errors and len(submitted) == 8
    wait_for(
        lambda: len(programs_in_matching(stack)) == 8,
        timeout=120,
        what="all eight programs in matching",
    )
    wait_for(lambda: len(emails(stack)) == 8, timeout=120, what="all eight receipts")
    assert len(emails(stack)) == 8
