"""The README's demo: the Santa Marta workshop through all four services, for real.

It starts a local mail sink and the four services (SQLite each, the local
RabbitMQ), then plays `santa_marta`: forms into intake, rounds from matching,
agendas with calendar files from notify, a withdrawal and its change notices,
expressions of interest followed up in followup with an overdue reminder and
the reports. It prints what happened, leaves the emails and reports in the
data directory and stops everything.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
import uuid
import warnings
from collections import Counter
from pathlib import Path

import requests

from . import broker, mailsink
from . import santa_marta as story
from .flow import rows
from .stack import ROOT, SERVICES, Stack, free_port, free_port_offset

# eventlet announces its own deprecation when imported (nameko 2.14 needs it);
# the demo's reader can do nothing about it
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

# short windows so that the whole story fits in a minute; production keeps
# the defaults (minutes), see each service's config.yml
DEMO_SETTINGS = {
    "MATCHING_REPLAN_DEBOUNCE_SECONDS": "1",
    "MATCHING_PLANNER_POLL_SECONDS": "1",
    "NOTIFY_CHANGE_NOTICE_WINDOW_SECONDS": "3",
    "FOLLOWUP_SCAN_SECONDS": "1",
}


def emails_of(mail_dir: Path) -> list[tuple[Path, object]]:
    return mailsink.read_messages(mail_dir)


def kind_of(message) -> str:
    return message.get("X-Rueda-Kind") or "?"


def attachments(message) -> list[str]:
    return [part.get_filename() for part in message.walk() if part.get_filename()]


def matching_has_everything(stack: Stack, workshop: story.Workshop):
    def check():
        url = stack.database_urls["matching"]
        programs = rows(
            url, "select count(*) as n from program where workshop_id = :w", w=workshop.id
        )[0]["n"]
        interests = rows(
            url, "select count(*) as n from interest where workshop_id = :w", w=workshop.id
        )[0]["n"]
        return programs == len(workshop.programs) and interests == len(workshop.interests)

    return check


def run(data_dir: Path, vhost: str | None = None, port_offset: int | None = None) -> int:
    if data_dir.exists():
        shutil.rmtree(data_dir)
    # free ports and a vhost of its own, so two demos (or a demo and the
    # tests) on one machine never answer each other
    own_vhost = vhost is None
    vhost = vhost or f"rueda-demo-{uuid.uuid4().hex[:6]}"
    amqp_uri = broker.create_vhost(vhost)
    stack = Stack(
        data_dir=data_dir,
        amqp_uri=amqp_uri,
        extra_env=dict(DEMO_SETTINGS),
        port_offset=free_port_offset(replicas=1) if port_offset is None else port_offset,
        smtp_port=free_port(),
    )
    # as in production: each service its own broker user, allowed only its own
    # queues and exchanges (deploy/rabbitmq/definitions.json)
    stack.use_service_users()
    mail_dir = data_dir / "mail"
    sink = mailsink.start(mail_dir, port=stack.smtp_port)
    print(f"mail sink on 127.0.0.1:{stack.smtp_port} keeping mail in {mail_dir}")
    try:
        stack.migrate()
        keys = {
            service: stack.ops(service, "api-key", "create", "demo-secretariat")
            for service in ("intake", "matching", "followup")
        }
        started = time.monotonic()
        stack.start_all()
        print(
            f"four services healthy in {time.monotonic() - started:.1f}s "
            f"(logs in {data_dir / 'logs'})"
        )
        client = story.Client(stack, keys)
        workshop = story.Workshop()

        print("\n1. Forms into intake (HTTP, API key)")
        story.create_workshop(client, workshop)
        story.register_delegations(client, workshop)
        story.submit_programs(client, workshop)
        story.submit_interests(client, workshop)
        print(
            f"   workshop {workshop.id}: {len(workshop.staff)} staff, "
            f"{len(workshop.delegations)} delegations, {len(workshop.programs)} program "
            f"profiles, {len(workshop.interests)} interest forms"
        )

        print("\n2. matching plans the rounds and publishes them")
        schedule = story.schedule_rounds(client, workshop, matching_has_everything(stack, workshop))
        wanted = sum(len(i["programs"]) for i in story.scenario()["interests"])
        met = wanted - len(schedule["unmet"])
        print(
            f"   revision {schedule['revision']}: {schedule['status']}, objective "
            f"{schedule['objective']} of bound {schedule['bound']}; {met}/{wanted} interests "
            f"met, {len(schedule['rounds'])} rounds"
        )
        programs = {p["id"]: key for key, p in workshop.programs.items()}
        for session in sorted({r["session"] for r in schedule["rounds"]}):
            tables = sorted(
                (r for r in schedule["rounds"] if r["session"] == session), key=lambda r: r["table"]
            )
            print(
                f"   session {session}: "
                + "  ".join(
                    f"T{r['table']} {programs[r['program_id']]}({len(r['attendee_delegation_ids'])})"
                    for r in tables
                )
            )
        agendas = story.wait_for(
            lambda: (
                [m for _, m in emails_of(mail_dir) if kind_of(m) == "agenda"]
                if len([m for _, m in emails_of(mail_dir) if kind_of(m) == "agenda"])
                >= len(workshop.delegations)
                else None
            ),
            90,
            "an agenda for every delegation",
        )
        languages = Counter(m["Content-Language"] or "?" for m in agendas)
        print(
            f"   notify mailed {len(agendas)} agendas ("
            + ", ".join(f"{n} in {lang}" for lang, n in sorted(languages.items()))
            + f"), each with {', '.join(attachments(agendas[0])) or 'no attachment'}"
        )

        print("\n3. Peru withdraws its program: matching re-plans, notify tells those affected")
        story.withdraw_program(client, workshop, "PE-QALIWARMA")
        notices = story.wait_for(
            lambda: [m for _, m in emails_of(mail_dir) if kind_of(m) == "schedule_changed"],
            90,
            "the change notices",
        )
        time.sleep(1)  # let the rest of the burst land before counting
        notices = [m for _, m in emails_of(mail_dir) if kind_of(m) == "schedule_changed"]
        print(
            f"   revision 2 published; {len(notices)} change notice(s), to: "
            + ", ".join(sorted({str(m["To"]) for m in notices}))
        )

        print("\n4. Expressions of interest signed at the rounds become cooperation activities")
        story.sign_expressions(client, workshop)
        activities = story.wait_for(
            lambda: (lambda found: found if len(found) >= 3 else None)(
                story.activities(client, workshop)
            ),
            60,
            "followup's activities",
        )
        staff = {member["id"]: member["name"] for member in workshop.staff.values()}
        for activity in activities:
            print(
                f"   {activity['state']:<10} {activity.get('title'):<45} owner: "
                f"{staff.get(activity['owner_staff_id'], activity['owner_staff_id'])}, "
                f"follow-up on {activity.get('follow_up_on')}"
            )
        story.make_overdue(client, activities[0])
        reminder = story.wait_for(
            lambda: [m for _, m in emails_of(mail_dir) if kind_of(m) == "follow_up_due"],
            60,
            "the overdue reminder",
        )
        print(f"   overdue: reminder to {', '.join(str(m['To']) for m in reminder)}")
        reports = data_dir / "reports"
        reports.mkdir()
        for name in ("supply_demand.csv", "status_by_delegation.csv"):
            (reports / name).write_bytes(
                requests.get(
                    f"{stack.url('followup')}/workshops/{workshop.id}/reports/{name}",
                    headers={"X-API-Key": keys["followup"]},
                    timeout=30,
                ).content
            )
        for name in ("demand_by_topic.png", "demand_by_country.svg"):
            (reports / name).write_bytes(
                requests.get(
                    f"{stack.url('followup')}/workshops/{workshop.id}/charts/{name}",
                    headers={"X-API-Key": keys["followup"]},
                    timeout=30,
                ).content
            )
        print(f"   reports and charts in {reports}")

        print("\nEmails in the mail sink, by kind:")
        everything = emails_of(mail_dir)
        for kind, count in sorted(Counter(kind_of(m) for _, m in everything).items()):
            print(f"   {kind:<22} {count}")
        path, message = next((p, m) for p, m in everything if kind_of(m) == "agenda")
        print(
            f"   e.g. {path.name}: To {message['To']}, Subject {message['Subject']!r}, "
            f"attachments {attachments(message)}"
        )
        print("\nEvents published, by service:")
        for service in SERVICES:
            counts = rows(
                stack.database_urls[service],
                "select event_type, count(*) as n from outbox_message "
                "group by event_type order by event_type",
            )
            if counts:
                print(
                    f"   {service:<9} " + ", ".join(f"{r['event_type']} {r['n']}" for r in counts)
                )
        traced = {service: stack.logs(service).count(client.correlation_id) for service in SERVICES}
        print(
            f"\nCorrelation id {client.correlation_id} in the logs: "
            + ", ".join(f"{service} {count} line(s)" for service, count in traced.items())
        )
        print(f"Story done in {time.monotonic() - started:.1f}s.")
        return 0
    finally:
        stack.stop()
        stack.drop_service_users()
        sink.stop()
        if own_vhost:
            broker.delete_vhost(vhost)
        print("stopped the services and the mail sink")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="rueda-demo", description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, default=ROOT / "data" / "demo")
    parser.add_argument(
        "--vhost",
        default=None,
        help="RabbitMQ vhost to use (default: a fresh rueda-demo-<random>, deleted at the end)",
    )
    parser.add_argument(
        "--port-offset",
        type=int,
        default=None,
        help="added to every service's port (default: any free offset)",
    )
    args = parser.parse_args(argv)
    try:
        return run(args.data_dir, args.vhost, args.port_offset)
    except (TimeoutError, RuntimeError, requests.RequestException) as exc:
        print(f"demo failed: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
