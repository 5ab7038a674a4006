"""The README demo's story, checked: the Santa Marta workshop through the four
services as real processes on PostgreSQL (the demo itself runs on SQLite)."""
from collections import defaultdict

import icalendar
import pytest
from rueda_backbone.testing import wait_for

from rueda_devkit import santa_marta as story
from rueda_devkit.demo import DEMO_SETTINGS, matching_has_everything
from rueda_devkit.flow import emails, rows

pytestmark = [pytest.mark.e2e, pytest.mark.broker, pytest.mark.postgres]


def by_kind(stack, kind):
    return [message for _, message in emails(stack) if message["X-Rueda-Kind"] == kind]


def calendar_of(message):
    (part,) = [p for p in message.walk() if p.get_filename() == "agenda.ics"]
    return icalendar.Calendar.from_ical(part.get_payload(decode=True))


def test_the_santa_marta_workshop_from_forms_to_follow_up(make_stack):
    stack = make_stack("postgresql")
    stack.extra_env.update(DEMO_SETTINGS)
    keys = {service: stack.ops(service, "api-key", "create", "secretariat")
            for service in ("intake", "matching", "followup")}
    stack.start_all()
    client, workshop = story.Client(stack, keys), story.Workshop()
    story.create_workshop(client, workshop)
    story.register_delegations(client, workshop)
    story.submit_programs(client, workshop)
    story.submit_interests(client, workshop)

    schedule = story.schedule_rounds(client, workshop, matching_has_everything(stack, workshop))
    assert (schedule["status"], schedule["objective"], schedule["unmet"]) == ("optimal", 40, [])

    # every delegate gets one agenda, in their language, with one calendar
    # event per round their delegation hosts or attends
    delegates = sum(len(d["delegates"]) for d in workshop.delegations.values())
    agendas = wait_for(lambda: (lambda found: found if len(found) == delegates else None)(
        by_kind(stack, "agenda")), timeout=60, what="the agendas")
    language = {f"delegate{n + 1}.{key.lower()}@example.org": delegation["delegates"][n]["language"]
                for key, delegation in workshop.delegations.items()
                for n in range(len(delegation["delegates"]))}
    assert sorted(str(m["To"]) for m in agendas) == sorted(language)
    assert all(m["Content-Language"] == language[str(m["To"])] for m in agendas)
    rounds_of = defaultdict(set)
    for round_ in schedule["rounds"]:
        for delegation_id in [round_["host_delegation_id"], *round_["attendee_delegation_ids"]]:
            rounds_of[delegation_id].add(round_["round_id"])
    brazil = workshop.delegations["BR"]
    (brazil_agenda,) = [m for m in agendas if str(m["To"]) == "delegate1.br@example.org"]
    first = calendar_of(brazil_agenda)
    uids = {str(e["UID"]) for e in first.walk("VEVENT")}
    assert len(uids) == len(rounds_of[brazil["id"]])

    # Peru withdraws its program: only the delegations at that table hear of it
    withdrawn = workshop.programs["PE-QALIWARMA"]["id"]
    (qali_warma,) = [r for r in schedule["rounds"] if r["program_id"] == withdrawn]
    affected = {qali_warma["host_delegation_id"], *qali_warma["attendee_delegation_ids"]}
    story.withdraw_program(client, workshop, "PE-QALIWARMA")
    expected = {f"delegate{n + 1}.{key.lower()}@example.org"
                for key, delegation in workshop.delegations.items() if delegation["id"] in affected
                for n in range(len(delegation["delegates"]))}
    notices = wait_for(lambda: (lambda found: found if {str(m["To"]) for m in found} >= expected
                                else None)(by_kind(stack, "schedule_changed")),
                       timeout=60, what="the change notices")
    assert {str(m["To"]) for m in notices} == expected
    assert len(notices) == len(expected), "one notice per person per burst of changes"
    cancelled = [e for m in notices for e in calendar_of(m).walk("VEVENT")
                 if str(e.get("STATUS")) == "CANCELLED"]
    assert cancelled and all(int(e["SEQUENCE"]) == 2 for e in cancelled)

    # expressions of interest become activities; an overdue one reminds its owner
    story.sign_expressions(client, workshop)
    activities = wait_for(lambda: (lambda found: found if len(found) == 3 else None)(
        story.activities(client, workshop)), timeout=60, what="the activities")
    story.make_overdue(client, activities[0])
    reminders = wait_for(lambda: by_kind(stack, "follow_up_due"), timeout=60, what="the reminder")
    assert "ana@secretariat.example.org" in {str(m["To"]) for m in reminders}
    assert len(rows(stack.database_urls["followup"],
                    "select * from follow_up_notice where activity_id = :id",
                    id=activities[0]["id"])) == 1
