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
import re
import shutil
import sys
import time
import uuid
import warnings
from collections import Counter
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

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


def share(value) -> str:
    return "?" if value is None else f"{value:.0%}"


def print_fairness(schedule: dict, workshop: story.Workshop) -> None:
    """The policy and what it cost: the worst share, against the best total
    found without fairness."""
    fairness = schedule.get("fairness") or {}
    policy = fairness.get("policy")
    names = {d["id"]: key for key, d in workshop.delegations.items()}
    shares = [s for s in fairness.get("shares") or () if s.get("share") is not None]
    worst = min(shares, key=lambda s: s["share"], default=None)
    best = fairness.get("best_total")
    cost = None if best is None else best - schedule["objective"]
    print(
        "   fairness policy "
        + (f"price {policy['price']}" if isinstance(policy, dict) else str(policy))
        + f": worst share {share(fairness.get('worst_share'))}"
        + (f" ({names.get(worst['delegation_id'], worst['delegation_id'])})" if worst else "")
        + (", proven best" if fairness.get("proven") else "")
        + f", {len(fairness.get('below_half') or ())} delegation(s) below half; best total "
        f"without fairness {best} (bound {fairness.get('best_total_bound')}), fairness cost "
        + ("?" if cost is None else f"{cost} ({fairness.get('price_paid') or 0:.1%})")
    )


def print_people(schedule: dict, workshop: story.Workshop, key: str) -> None:
    """Who of one delegation goes where in each session."""
    zone = ZoneInfo(story.workshop_form()["time_zone"])
    programs = {p["id"]: k for k, p in workshop.programs.items()}
    delegation = workshop.delegations[key]
    starts = {
        r["session"]: datetime.fromisoformat(r["starts_at"]).astimezone(zone).strftime("%H:%M")
        for r in schedule["rounds"]
    }
    people = delegation["delegates"]
    width = 34

    def label(d):
        present = f"; sessions {', '.join(map(str, d['sessions']))}" if d.get("sessions") else ""
        return f"{d['name']} ({', '.join(d['languages'])}{present})"

    print(f"   {delegation.get('country') or key}, who goes where:")
    print("   " + " " * 17 + "".join(label(d).ljust(width) for d in people).rstrip())
    rounds = {d["id"]: story.own_rounds(schedule, d["id"]) for d in people}
    for session in sorted(starts):
        cells = []
        for d in people:
            seat = next((r for r in rounds[d["id"]] if r["session"] == session), None)
            if seat is not None:
                verb = "presents" if seat.get("presenter_delegate_id") == d["id"] else "attends"
                cells.append(f"{verb} {programs[seat['program_id']]} at T{seat['table']}")
            elif d.get("sessions") and session not in d["sessions"]:
                cells.append("(not present)")
            else:
                cells.append("-")
        print(
            f"   session {session} {starts[session]}  "
            + "".join(c.ljust(width) for c in cells).rstrip()
        )


def calendar_starts(message) -> list[str]:
    """The DTSTART of every event in an email's agenda.ics."""
    (part,) = [p for p in message.walk() if p.get_filename() == "agenda.ics"]
    text = part.get_payload(decode=True).decode("utf-8").replace("\r\n ", "").replace("\r", "")
    events = re.findall(r"^BEGIN:VEVENT$(.*?)^END:VEVENT$", text, re.M | re.S)
    return [start for event in events for start in re.findall(r"^DTSTART[^:]*:(\S+)", event, re.M)]


def print_calendars(agendas, schedule: dict, workshop: story.Workshop, key: str) -> None:
    """Each delegate's own calendar file: their rounds only, none at once."""
    by_address = {str(m["To"]): m for m in agendas}
    parts = []
    for d in workshop.delegations[key]["delegates"]:
        message = by_address.get(workshop.addresses[d["id"]])
        if message is None:
            parts.append(f"{d['name']}: no agenda")
            continue
        starts = calendar_starts(message)
        own = len(story.own_rounds(schedule, d["id"]))
        parts.append(
            f"{d['name']} {len(starts)} round(s)"
            + ("" if len(starts) == own else f" (schedule: {own})")
            + ("" if len(set(starts)) == len(starts) else ", TWO AT ONCE")
        )
    clash = any("AT ONCE" in part for part in parts)
    print(
        f"   {workshop.delegations[key].get('country') or key}'s agenda.ics files: "
        + ", ".join(parts)
        + ("" if clash else "; no two rounds at the same time")
    )


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
    # the agenda emails link to the person's page and feed on this port
    stack.extra_env["NOTIFY_PUBLIC_URL"] = stack.url("notify")
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

        print("\n2. matching plans the rounds, placing each person, and publishes them")
        schedule = story.schedule_rounds(client, workshop, matching_has_everything(stack, workshop))
        wanted = sum(len(i["programs"]) for i in story.people()["interests"])
        met = wanted - len(schedule["unmet"])
        print(
            f"   revision {schedule['revision']}: {schedule['status']}, objective "
            f"{schedule['objective']} of bound {schedule['bound']}; {met}/{wanted} interests "
            f"met, {len(schedule['rounds'])} rounds"
        )
        print_fairness(schedule, workshop)
        programs = {p["id"]: key for key, p in workshop.programs.items()}
        delegations = {d["id"]: key for key, d in workshop.delegations.items()}
        for unmet in schedule["unmet"]:
            print(
                f"   unmet: {delegations[unmet['delegation_id']]} wanted "
                f"{programs[unmet['program_id']]}: {unmet['reason']}"
            )
        for table in schedule.get("interpretation") or ():
            print(
                f"   interpretation needed in session {table['session']}: "
                f"{len(table['round_ids'])} round(s), presenter and attendee speak "
                + " and ".join(table["languages"])
            )
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
        print_people(schedule, workshop, "PE")
        delegates = len(workshop.addresses)
        agendas = story.wait_for(
            lambda: (lambda found: found if len(found) >= delegates else None)(
                [m for _, m in emails_of(mail_dir) if kind_of(m) == "agenda"]
            ),
            90,
            "an agenda for every delegate",
        )
        languages = Counter(m["Content-Language"] or "?" for m in agendas)
        print(
            f"   notify mailed {len(agendas)} agendas, one per delegate ("
            + ", ".join(f"{n} in {lang}" for lang, n in sorted(languages.items()))
            + f"), each with {', '.join(attachments(agendas[0])) or 'no attachment'} "
            "of the person's own rounds"
        )
        print_calendars(agendas, schedule, workshop, "PE")

        print("\n3. Peru withdraws its program: matching re-plans, notify tells those affected")
        story.withdraw_program(client, workshop, "PE-QALIWARMA")
        replanned = story.published_schedule(client, workshop, revision=2)
        expected = {
            workshop.addresses[d]
            for d in story.people_whose_rounds_changed(schedule, replanned, workshop)
        }
        notices = story.wait_for(
            lambda: (lambda found: found if {str(m["To"]) for m in found} >= expected else None)(
                [m for _, m in emails_of(mail_dir) if kind_of(m) == "schedule_changed"]
            ),
            90,
            "the change notices",
        )
        time.sleep(1)  # let the rest of the burst land before counting
        notices = [m for _, m in emails_of(mail_dir) if kind_of(m) == "schedule_changed"]
        told = {str(m["To"]) for m in notices}
        print(
            f"   revision {replanned['revision']} published; {len(notices)} change notice(s), "
            + ("only to the people whose own rounds changed: " if told == expected else "to: ")
            + ", ".join(sorted(told))
        )
        ana = workshop.people["PE"]["PE-ana"]
        (first,) = [m for m in agendas if str(m["To"]) == workshop.addresses[ana["id"]]]
        page, feed = story.agenda_links(first)
        answers = [requests.get(url, timeout=30) for url in (page, feed)]
        sequences = sorted(set(re.findall(r"^SEQUENCE:(\d+)", answers[1].text, re.M)))
        print(
            f"   {ana['name']}'s agenda page and live calendar (links in her email) answer "
            f"{answers[0].status_code} and {answers[1].status_code}; the feed now serves "
            f"revision {', '.join(sequences) or '?'} with "
            f"{answers[1].text.count('BEGIN:VEVENT')} round(s)"
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
