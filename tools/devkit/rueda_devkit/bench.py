"""Suite throughput benchmark: forms in over HTTP, events through the outbox
and the broker, effects and emails out.

    scripts/dev bench [--forms 300] [--database sqlite|postgresql]

Writes bench/RESULTS.md and bench/results.json. Numbers come from this
machine (2 cores): they are for comparing changes, not promises.
"""
from __future__ import annotations

import argparse
import json
import platform
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

from . import broker, mailsink
from .flow import REGISTRATION, emails, post, rows, workshop_form
from .stack import ROOT, SERVICES, Stack

RESULTS = ROOT / "bench"


def run(forms: int, database: str) -> dict:
    data_dir = ROOT / "data" / f"bench-{database}"
    if data_dir.exists():
        shutil.rmtree(data_dir)
    urls = {}
    created = []
    if database == "postgresql":
        from rueda_backbone.testing import create_postgres_database
        urls = {service: create_postgres_database() for service in SERVICES}
        created = list(urls.values())
    vhost = f"rueda-bench-{database}"
    stack = Stack(data_dir=data_dir, amqp_uri=broker.create_vhost(vhost), database_urls=urls,
                  port_offset=200, smtp_port=8225)
    stack.mail_dir = data_dir / "mail"
    sink = mailsink.start(stack.mail_dir, port=stack.smtp_port)
    try:
        stack.migrate()
        api_key = stack.ops("intake", "api-key", "create", "bench")
        stack.start_all()
        workshop = post(stack, api_key, "/workshops", workshop_form())
        delegation = post(stack, api_key, "/delegations",
                          {**REGISTRATION, "workshop_id": workshop["id"]})
        programs = [{"delegation_id": delegation["id"], "title": f"Program {n:04d}",
                     "topics": ["food_security"]} for n in range(forms)]
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(lambda body: post(stack, api_key, "/programs", body), programs))
        accepted = time.monotonic() - started
        deadline = started + 600
        while time.monotonic() < deadline:
            matched = rows(stack.database_urls["matching"], "select count(*) as n from program")[0]["n"]
            if matched == forms and len(emails(stack)) == forms:
                break
            time.sleep(0.2)
        done = time.monotonic() - started
        mailed = len(emails(stack))
        # per form: program_submitted to matching and notify; plus the email
        return {
            "database": database, "forms": forms, "emails": mailed,
            "http_seconds": round(accepted, 2),
            "http_forms_per_second": round(forms / accepted, 1),
            "end_to_end_seconds": round(done, 2),
            "events_consumed_per_second": round(2 * forms / done, 1),
            "emails_per_second": round(mailed / done, 1),
            "complete": mailed == forms,
        }
    finally:
        stack.stop()
        sink.stop()
        broker.delete_vhost(vhost)
        if created:
            from rueda_backbone.testing import drop_postgres_database
            for url in created:
                drop_postgres_database(url)


def write(results: list[dict]) -> None:
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    (RESULTS / "results.json").write_text(json.dumps(
        {"measured_at": stamp, "machine": f"{platform.machine()}, {platform.python_version()}",
         "results": results}, indent=2) + "\n")
    lines = [
        "# Suite throughput", "",
        f"Measured {stamp} by `scripts/dev bench` on this project's machine (2 cores, "
        "one process per service, publisher confirms on every event).", "",
        "Each form is a program profile POSTed to intake (8 concurrent clients). It becomes one "
        "`program_submitted` event consumed by matching and by notify, and one receipt email "
        "sent over SMTP to the local sink.", "",
        "| database | forms | HTTP forms/s | end-to-end s | events consumed/s | emails/s | complete |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(f"| {r['database']} | {r['forms']} | {r['http_forms_per_second']} | "
                     f"{r['end_to_end_seconds']} | {r['events_consumed_per_second']} | "
                     f"{r['emails_per_second']} | {'yes' if r['complete'] else 'NO'} |")
    (RESULTS / "RESULTS.md").write_text("\n".join(lines) + "\n")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="rueda-bench", description=__doc__.split("\n")[0])
    parser.add_argument("--forms", type=int, default=300)
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args(argv)
    databases = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    results = [run(args.forms, database) for database in databases]
    write(results)
    print((RESULTS / "RESULTS.md").read_text())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
