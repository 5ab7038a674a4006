"""The README's demo: the thin flow through all four services, for real.

A delegation from the Santa Marta example registers and submits a program
profile over HTTP; intake publishes events through its outbox; matching keeps
its own copy of the program; followup records the delegation; notify emails
the delegate a receipt over SMTP to the local mail sink. Then it prints what
happened and stops everything.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
import uuid
from pathlib import Path

import requests

from . import broker, mailsink
from .flow import rows, workshop_form
from .stack import ROOT, Stack

EXAMPLE = ROOT / "examples" / "santa-marta-2012.json"


def _wait(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise TimeoutError(f"timed out waiting for {what}")


def example_forms() -> tuple[dict, dict]:
    """Bolivia and its PENNAT program, from the Santa Marta example."""
    scenario = json.loads(EXAMPLE.read_text())
    delegation = next(d for d in scenario["delegations"] if d["id"] == "BO")
    program = next(p for p in scenario["programs"] if p["host"] == "BO")
    registration = {
        "country": delegation["name"],
        "institution": "Ministerio de Educación",
        "kind": "ministry",
        "delegates": [{"name": "Delegada de ejemplo", "email": "delegada.bo@example.org",
                       "role": "International cooperation manager", "language": "es"}],
        "working_languages": ["es"],
    }
    profile = {"title": program["title"], "topics": ["children_and_youth_services"]}
    return registration, profile


def run(data_dir: Path, vhost: str) -> int:
    if data_dir.exists():
        shutil.rmtree(data_dir)
    amqp_uri = broker.create_vhost(vhost)
    stack = Stack(data_dir=data_dir, amqp_uri=amqp_uri)
    mail_dir = data_dir / "mail"
    sink = mailsink.start(mail_dir, port=stack.smtp_port)
    print(f"mail sink on 127.0.0.1:{stack.smtp_port} keeping mail in {mail_dir}")
    try:
        stack.migrate()
        api_key = stack.ops("intake", "api-key", "create", "demo-portal")
        started = time.monotonic()
        stack.start_all()
        print(f"four services healthy in {time.monotonic() - started:.1f}s "
              f"(logs in {data_dir / 'logs'})")

        correlation_id = uuid.uuid4().hex
        headers = {"X-API-Key": api_key, "X-Correlation-ID": correlation_id}
        registration, profile = example_forms()
        response = requests.post(f"{stack.url('intake')}/workshops", json=workshop_form(),
                                 headers=headers, timeout=10)
        response.raise_for_status()
        registration["workshop_id"] = response.json()["id"]
        response = requests.post(f"{stack.url('intake')}/delegations", json=registration,
                                 headers=headers, timeout=10)
        response.raise_for_status()
        delegation = response.json()
        print(f"\nPOST /delegations -> {response.status_code}: delegation {delegation['id']} "
              f"({delegation['country']})")
        response = requests.post(f"{stack.url('intake')}/programs",
                                 json={"delegation_id": delegation["id"], **profile},
                                 headers=headers, timeout=10)
        response.raise_for_status()
        program = response.json()
        print(f"POST /programs    -> {response.status_code}: program {program['id']} "
              f"({program['title']})")

        emails = _wait(lambda: mailsink.read_messages(mail_dir), 60, "the receipt email")
        _wait(lambda: rows(stack.database_urls["matching"],
                           "select id from program where id = :id", id=program["id"]), 30,
              "matching's copy of the program")
        _wait(lambda: rows(stack.database_urls["followup"],
                           "select id from delegation where id = :id", id=delegation["id"]), 30,
              "followup's record of the delegation")
        elapsed = time.monotonic() - started

        print("\nEvents published by intake (outbox, publisher confirms):")
        for row in rows(stack.database_urls["intake"],
                         "select event_type, event_id, status, correlation_id from outbox_message "
                         "order by id"):
            print(f"  {row['event_type']:<28} {row['event_id']}  {row['status']}")
        print("\nWhat each consumer did with them:")
        for row in rows(stack.database_urls["matching"], "select id, title from program"):
            print(f"  matching  stored program {row['id']} ({row['title']})")
        for row in rows(stack.database_urls["followup"],
                         "select id, institution, country from delegation"):
            print(f"  followup  recorded delegation {row['id']} ({row['institution']}, {row['country']})")
        for row in rows(stack.database_urls["notify"],
                         "select id, kind, language, status from email"):
            print(f"  notify    email {row['id']} {row['kind']} [{row['language']}] {row['status']}")
        print("\nEmails in the mail sink:")
        for path, message in emails:
            print(f"  {path}\n    To: {message['To']}  Subject: {message['Subject']}  "
                  f"Message-ID: {message['Message-ID']}")
        traced = {service: stack.logs(service).count(correlation_id)
                  for service in ("intake", "matching", "followup", "notify")}
        print(f"\nCorrelation id {correlation_id} in the logs: "
              + ", ".join(f"{service} {count} line(s)" for service, count in traced.items()))
        print(f"Flow done in {elapsed:.1f}s from start-up to the last effect.")
        return 0
    finally:
        stack.stop()
        sink.stop()
        print("stopped the services and the mail sink")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="rueda-demo", description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, default=ROOT / "data" / "demo")
    parser.add_argument("--vhost", default="rueda-demo")
    args = parser.parse_args(argv)
    try:
        return run(args.data_dir, args.vhost)
    except (TimeoutError, RuntimeError, requests.RequestException) as exc:
        print(f"demo failed: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
