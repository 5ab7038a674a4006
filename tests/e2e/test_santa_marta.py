"""The README demo's story, checked: the Santa Marta workshop through the four
services as real processes on PostgreSQL (the demo itself runs on SQLite)."""

from itertools import pairwise

import icalendar
import pytest
import requests

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


def round_id_of(event) -> str:
    """notify's UID is round-<round_id>@<domain> (docs/notify.md)."""
    return str(event["UID"]).split("@")[0].removeprefix("round-")


def assert_no_two_at_once(events):
    spans = sorted((e.decoded("DTSTART"), e.decoded("DTEND")) for e in events)
    for (_, end), (start, _) in pairwise(spans):
        assert end <= start, f"two rounds at once: {spans}"


def test_the_santa_marta_workshop_from_forms_to_follow_up(make_stack):
    stack = make_stack("postgresql")
    stack.extra_env.update(DEMO_SETTINGS)
    # the agenda emails link to the person's page and feed on this stack's port
    stack.extra_env["NOTIFY_PUBLIC_URL"] = stack.url("notify")
    keys = {
        service: stack.ops(service, "api-key", "create", "secretariat")
        for service in ("intake", "matching", "followup")
    }
    stack.start_all()
    client, workshop = story.Client(stack, keys), story.Workshop()
    story.create_workshop(client, workshop)
    story.register_delegations(client, workshop)
    story.submit_programs(client, workshop)
    story.submit_interests(client, workshop)

    schedule = story.schedule_rounds(client, workshop, matching_has_everything(stack, workshop))
    # the optimum of the people file (rueda-match solve examples/santa-marta-2012.people.json):
    # with every person placed, one of Colombia's nine interests cannot be met
    assert (schedule["status"], schedule["objective"], schedule["bound"]) == ("optimal", 39, 39)
    assert len(schedule["unmet"]) == 1
    fairness = schedule["fairness"]
    assert fairness["policy"] == {"price": 0.05} and fairness["best_total"] == 39
    assert fairness["worst_share"] == min(s["share"] for s in fairness["shares"])

    # matching places people: nobody twice in a session, presence and presenters honoured
    peru = workshop.people["PE"]
    ana, luis = peru["PE-ana"]["id"], peru["PE-luis"]["id"]
    for delegate_id in workshop.addresses:
        sessions = [r["session"] for r in story.own_rounds(schedule, delegate_id)]
        assert len(sessions) == len(set(sessions)), delegate_id
    assert {r["session"] for r in story.own_rounds(schedule, luis)} <= {1, 2, 3}
    withdrawn = workshop.programs["PE-QALIWARMA"]["id"]
    (qali_warma,) = [r for r in schedule["rounds"] if r["program_id"] == withdrawn]
    assert qali_warma["presenter_delegate_id"] == ana

    # every delegate gets one agenda, in their language, with a calendar of
    # their own rounds only (presenting or attending), never two at once
    agendas = wait_for(
        lambda: (lambda found: found if len(found) == len(workshop.addresses) else None)(
            by_kind(stack, "agenda")
        ),
        timeout=60,
        what="the agendas",
    )
    person = {address: delegate_id for delegate_id, address in workshop.addresses.items()}
    language = {
        workshop.addresses[d["id"]]: d["language"]
        for delegation in workshop.delegations.values()
        for d in delegation["delegates"]
    }
    assert sorted(str(m["To"]) for m in agendas) == sorted(language)
    assert all(m["Content-Language"] == language[str(m["To"])] for m in agendas)
    for message in agendas:
        events = calendar_of(message).walk("VEVENT")
        own = story.own_rounds(schedule, person[str(message["To"])])
        assert sorted(round_id_of(e) for e in events) == sorted(r["round_id"] for r in own), (
            message["To"]
        )
        assert_no_two_at_once(events)
    # Peru's two delegates each have an agenda of their own, not the delegation's
    (ana_agenda,) = [m for m in agendas if person[str(m["To"])] == ana]
    ana_rounds = {round_id_of(e) for e in calendar_of(ana_agenda).walk("VEVENT")}
    luis_rounds = {r["round_id"] for r in story.own_rounds(schedule, luis)}
    assert ana_rounds and luis_rounds and not ana_rounds & luis_rounds
    assert qali_warma["round_id"] in ana_rounds

    # the links in the email: the person's page and live calendar, no key needed
    page, feed = story.agenda_links(ana_agenda)
    assert requests.get(page, timeout=30).status_code == 200
    answer = requests.get(feed, timeout=30)
    assert answer.status_code == 200
    live = icalendar.Calendar.from_ical(answer.content).walk("VEVENT")
    assert {round_id_of(e) for e in live} == ana_rounds
    assert {int(e["SEQUENCE"]) for e in live} == {1}

    # Peru withdraws its program: only the people whose own rounds changed hear of it
    story.withdraw_program(client, workshop, "PE-QALIWARMA")
    replanned = story.published_schedule(client, workshop, revision=2)
    changed = story.people_whose_rounds_changed(schedule, replanned, workshop)
    (colombian,) = [a["delegate_id"] for a in qali_warma["attendees"]]
    assert {ana, colombian} <= changed
    assert len(changed) < len(workshop.addresses) // 2, "a re-plan moves little"
    expected = {workshop.addresses[d] for d in changed}
    notices = wait_for(
        lambda: (lambda found: found if {str(m["To"]) for m in found} >= expected else None)(
            by_kind(stack, "schedule_changed")
        ),
        timeout=60,
        what="the change notices",
    )
    assert {str(m["To"]) for m in notices} == expected
    assert len(notices) == len(expected), "one notice per person per burst of changes"
    colombia = {d["id"] for d in workshop.delegations["CO"]["delegates"]}
    assert colombia - changed, "Colombia's delegates away from that table hear nothing"
    (ana_notice,) = [m for m in notices if person[str(m["To"])] == ana]
    cancelled = [
        e for e in calendar_of(ana_notice).walk("VEVENT") if str(e.get("STATUS")) == "CANCELLED"
    ]
    assert [round_id_of(e) for e in cancelled] == [qali_warma["round_id"]]
    assert all(int(e["SEQUENCE"]) == 2 for e in cancelled)

    # the feed now serves revision 2: same UIDs, the withdrawn round gone
    def feed_at_revision_2():
        events = icalendar.Calendar.from_ical(requests.get(feed, timeout=30).content).walk("VEVENT")
        return events if events and {int(e["SEQUENCE"]) for e in events} == {2} else None

    live = wait_for(feed_at_revision_2, timeout=30, what="the feed at revision 2")
    assert {round_id_of(e) for e in live} == {
        r["round_id"] for r in story.own_rounds(replanned, ana)
    }
    assert qali_warma["round_id"] not in {round_id_of(e) for e in live}

    # expressions of interest become activities; an overdue one reminds its owner
    story.sign_expressions(client, workshop)
    activities = wait_for(
        lambda: (lambda found: found if len(found) == 3 else None)(
            story.activities(client, workshop)
        ),
        timeout=60,
        what="the activities",
    )
    story.make_overdue(client, activities[0])
    reminders = wait_for(lambda: by_kind(stack, "follow_up_due"), timeout=60, what="the reminder")
    assert "ana@secretariat.example.org" in {str(m["To"]) for m in reminders}
    assert (
        len(
            rows(
                stack.database_urls["followup"],
                "select * from follow_up_notice where activity_id = :id",
                id=activities[0]["id"],
            )
        )
        == 1
    )
