"""Fault test of notify's sender: killed with kill -9 while it holds sends.

The mail server here keeps each message and answers 250 only a second later,
so a sender killed at any moment has hand-offs in flight. Its claims last
seconds, so the restarted notify takes them over at once (not after the
five minutes a claim used to last) and every email arrives, once, except a
hand-off the server had already taken: that one arrives twice with the same
Message-ID and the delivery log says it is a possible duplicate.
"""

import subprocess
from collections import Counter

import pytest
import requests

from rueda_backbone.testing import free_port, wait_for
from rueda_devkit.flow import REGISTRATION, emails, post, workshop_form
from rueda_devkit.stack import bin_path

pytestmark = [pytest.mark.e2e, pytest.mark.fault, pytest.mark.broker, pytest.mark.postgres]

FORMS = 12


def receipts(stack):
    return [
        message for _path, message in emails(stack) if message["X-Rueda-Kind"] == "program_received"
    ]


def test_notify_killed_while_sending_mails_everything_once_but_a_cut_hand_off(make_stack, tmp_path):
    stack = make_stack("postgresql")
    port = free_port()
    # its own process: one aiosmtpd loop per test process is all eventlet allows
    slow = subprocess.Popen(
        [
            bin_path("rueda-mailsink"),
            "serve",
            "--dir",
            str(tmp_path / "slow-mail"),
            "--port",
            str(port),
            "--delay",
            "1",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert "listening" in slow.stdout.readline()
    stack.smtp_port, stack.mail_dir = port, tmp_path / "slow-mail"
    try:
        api_key = stack.ops("intake", "api-key", "create", "portal")
        staff_key = stack.ops("notify", "api-key", "create", "staff")
        stack.start_all()
        workshop = post(stack, api_key, "/workshops", workshop_form())
        delegation = post(
            stack, api_key, "/delegations", {**REGISTRATION, "workshop_id": workshop["id"]}
        )
        for n in range(FORMS):
            post(
                stack,
                api_key,
                "/programs",
                {
                    "delegation_id": delegation["id"],
                    "title": f"Program {n:02d}",
                    "topics": ["food_security"],
                },
            )
        # the server has taken some; the sender holds the rest, some mid hand-off
        wait_for(lambda: len(receipts(stack)) >= 2, timeout=60, what="the first receipts")
        stack.kill("notify")

        stack.start("notify")
        stack.wait_healthy("notify")
        wait_for(
            lambda: len({m["Message-ID"] for m in receipts(stack)}) == FORMS,
            timeout=60,
            what="every receipt after the restart",
        )

        def log():
            response = requests.get(
                f"{stack.url('notify')}/deliveries",
                params={"kind": "program_received"},
                headers={"X-API-Key": staff_key},
                timeout=10,
            )
            response.raise_for_status()
            return response.json()["deliveries"]

        deliveries = wait_for(
            lambda: (
                lambda found: (
                    found
                    if len(found) == FORMS and all(d["status"] == "sent" for d in found)
                    else None
                )
            )(log()),
            timeout=30,
            what="every receipt recorded as sent",
        )
        copies = Counter(m["Message-ID"] for m in receipts(stack))
        flagged = {f"<{d['id']}@rueda.local>" for d in deliveries if d["possible_duplicate"]}
        twice = {message_id for message_id, n in copies.items() if n > 1}
        assert twice, "the kill cut no hand-off after the server took the message"
        assert twice <= flagged  # every duplicate is logged as possible
        assert all(copies[m] <= 2 for m in copies)  # sent again once at most
        assert all(copies[m] == 1 for m in copies if m not in flagged)  # the rest once
    finally:
        stack.stop()
        slow.terminate()
        slow.wait(10)
