"""Each page of the console as one task in a real Chromium, against the real
stack (four services, the console, RabbitMQ, the mail sink), with axe-core
on every page: no serious or critical violation."""

import pytest
import requests

from rueda_devkit import santa_marta as story

pytestmark = [pytest.mark.e2e, pytest.mark.broker]


@pytest.fixture
def spec(site):
    return {"ana": site["logins"]["ana"], "rose": site["logins"]["rose"]}


def accessible(report):
    assert report["violations"] == {}, report["violations"]
    return report


def test_sign_in_language_and_sign_out(browse, spec):
    report = accessible(browse("sign_in_and_out", **spec))
    assert report["pages"] == ["sign-in", "workshops-es", "workshops"]


def test_a_workshop_is_created_refused_and_edited(browse, spec):
    accessible(browse("workshops", **spec))


def test_delegations_who_has_not_submitted_and_the_review_queue(browse, spec):
    accessible(browse("forms_and_review", **spec))


def test_delegations_that_have_not_submitted_are_reminded_in_their_language(browse, spec, site):
    from rueda_devkit import mailsink
    from rueda_devkit.demo import kind_of

    client, workshop = site["client"], site["workshop"]
    chased = client.call("intake", "GET", f"/workshops/{workshop.id}/delegations?missing=interest")[
        "items"
    ]
    report = accessible(browse("remind", **spec))
    assert report["first_reminded"]
    # every delegate of the three delegations: the first one twice (ticked, then
    # with all who have not submitted), the others once
    expected = {workshop.addresses[d["id"]] for item in chased for d in item["delegates"]}

    def reminders():
        return [
            m
            for _, m in mailsink.read_messages(site["mail"])
            if kind_of(m) == "submission_reminder"
        ]

    story.wait_for(
        lambda: {str(m["To"]) for m in reminders()} == expected, 60, "the reminders in the sink"
    )
    first = next(
        item
        for item in chased
        if report["first_reminded"]
        == (
            f"{item.get('acronym') or item['institution']} ({item.get('country') or item.get('region')})"
        )
    )
    story.wait_for(
        lambda: len(reminders()) == len(expected) + len(first["delegates"]),
        30,
        "one reminder per delegate per request",
    )


def test_rounds_are_computed_with_progress_pinned_and_published_by_a_coordinator(
    browse, spec, site
):
    report = accessible(browse("rounds", **spec))
    assert report["rounds"] >= 14
    # the first publication: every delegate of every delegation gets their agenda
    delegates = sum(len(d["delegates"]) for d in site["workshop"].delegations.values())
    assert report["people_in_grid"] > 0 and report["preview_recipients"] == delegates
    client, workshop = site["client"], site["workshop"]
    published = client.call("matching", "GET", f"/workshops/{workshop.id}/schedule?state=published")
    assert published["revision"] == 1
    # agendas arrive in the mail sink
    story.wait_for(lambda: len(list(site["mail"].glob("*.eml"))) > 30, 60, "agendas in the sink")


def test_peru_withdraws_and_the_re_plan_waits_is_compared_previewed_and_published(
    browse, spec, site
):
    from rueda_devkit import mailsink
    from rueda_devkit.demo import kind_of

    client, workshop = site["client"], site["workshop"]
    path = f"/workshops/{workshop.id}/schedule"
    before = client.call("matching", "GET", path + "?state=published")
    # the console set this workshop to wait for a coordinator
    assert client.call("matching", "GET", f"/workshops/{workshop.id}/replanning") == {
        "workshop_id": workshop.id,
        "autopublish": False,
        "default": False,
    }
    story.withdraw_program(client, workshop, "PE-QALIWARMA")
    story.wait_for(
        lambda: (lambda s: s["trigger"] == "replan" and s["state"] == "provisional")(
            client.call("matching", "GET", path)
        ),
        120,
        "the re-plan, kept provisional",
    )
    assert client.call("matching", "GET", path + "?state=published")["revision"] == 1
    report = accessible(browse("replan", **spec))
    after = client.call("matching", "GET", path + "?state=published")
    assert after["revision"] == 2
    assert after["published_by"] == f"staff:{workshop.staff['rose']['id']} (Rose Coordinator)"
    changed = story.people_whose_rounds_changed(before, after, workshop)
    assert report["notified"] == len(changed), "the preview names who notify emails"
    expected = {workshop.addresses[d] for d in changed}
    story.wait_for(
        lambda: (
            {
                str(m["To"])
                for _, m in mailsink.read_messages(site["mail"])
                if kind_of(m) == "schedule_changed"
            }
            >= expected
        ),
        60,
        "the change notices",
    )


def test_the_follow_up_board_and_an_activitys_allowed_moves(browse, spec, site):
    client, workshop = site["client"], site["workshop"]
    story.make_overdue(client, story.activities(client, workshop)[0])
    story.wait_for(
        lambda: any(
            a["lateness"] in ("overdue", "escalation") for a in story.activities(client, workshop)
        ),
        30,
        "followup to mark the activity overdue",
    )
    accessible(browse("followup", **spec))


def test_a_funding_selection_is_proposed_and_confirmed_by_a_coordinator(browse, spec, site):
    client, workshop = site["client"], site["workshop"]
    client.call(
        "followup",
        "PUT",
        f"/workshops/{workshop.id}/criteria",
        {
            "criteria": [
                {"key": "impact", "label": "Expected impact", "weight": 3},
                {"key": "feasibility", "label": "Feasibility", "weight": 1},
            ]
        },
    )
    for activity in story.activities(client, workshop):
        if activity["state"] == "proposed":
            client.call(
                "followup",
                "POST",
                f"/activities/{activity['id']}/transitions",
                {"to": "under_review", "reason": "complete", "by": "portal"},
            )
        client.call(
            "followup",
            "PUT",
            f"/activities/{activity['id']}/scores",
            {"scores": {"impact": 4, "feasibility": 3}, "estimated_cost": 15000, "currency": "USD"},
        )
    report = accessible(browse("funding", **spec))
    assert report["selected"] == 2 and report["scored"] == 3
    criteria = client.call("followup", "GET", f"/workshops/{workshop.id}/criteria")["criteria"]
    assert sorted((c["key"], c["weight"]) for c in criteria) == [
        ("feasibility", 1),
        ("impact", 3),
        ("reach", 2),
    ]
    assert {a["scores"].get("reach") for a in story.activities(client, workshop)} == {5, 4, 3}


def test_reports_show_their_tables_and_download(browse, spec):
    report = accessible(browse("reports", **spec))
    assert report["csv_lines"] >= 4 and "," in report["csv_header"]


def test_portuguese_and_french(browse, spec):
    accessible(browse("languages", **spec))


def test_mail_deliveries_by_kind_and_state(browse, spec):
    report = accessible(browse("mail", **spec))
    assert report["program_receipts"] >= 16


def test_a_failed_delivery_is_resent_from_the_mail_page(browse, spec, site):
    client, workshop = site["client"], site["workshop"]
    delegation = client.call(
        "intake",
        "GET",
        f"/workshops/{workshop.id}/delegations?status=registered&missing=interest&limit=1",
    )["items"][0]
    handler = site["sink"].handler
    handler.fail_code, handler.fail_left = 550, 1  # the next message is refused for good
    client.call(
        "intake",
        "POST",
        f"/workshops/{workshop.id}/reminders",
        {"delegation_ids": [delegation["id"]], "form": "interest"},
        expect=(202,),
    )

    def failed():
        return client.call("notify", "GET", "/deliveries?status=failed")["deliveries"]

    story.wait_for(lambda: len(failed()) == 1, 60, "one failed delivery")
    (email,) = failed()
    accessible(browse("resend", **spec))

    def logged():
        found = [
            d
            for d in client.call("notify", "GET", "/deliveries?limit=1000")["deliveries"]
            if d["id"] == email["id"]
        ]
        return found[0] if found and found[0]["status"] == "sent" else None

    story.wait_for(logged, 60, "the resent email sent")
    ana = workshop.staff["ana"]["name"]
    assert f"resent from the console by {ana}" in logged()["note"]


def test_the_console_reports_the_services_it_reaches(site):
    response = requests.get(site["base"] + "/health", timeout=5)
    assert response.status_code == 200
    assert response.json()["services"] == {
        s: "ok" for s in ("intake", "matching", "followup", "notify")
    }
