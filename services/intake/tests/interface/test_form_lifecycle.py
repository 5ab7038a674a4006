"""Drafts, revisions and withdrawals as a consumer of intake's events sees them."""

import intake_forms
import pytest

pytestmark = pytest.mark.broker


def test_draft_submit_revise_withdraw_reaches_a_consumer_in_order(intake, spy):
    workshop = intake.workshop()
    delegation = intake.delegation(workshop["id"])
    draft = intake.made(
        "POST", "/programs/drafts", {"delegation_id": delegation["id"], "title": "PENNAT"}
    )
    assert (draft["status"], draft["version"], draft["form"]) == ("draft", 0, None)
    program_id = draft["id"]
    # a draft is checked for what it has, and in full only when submitted
    assert intake.put(f"/programs/{program_id}/draft", {"topics": ["astrology"]}).status_code == 422
    incomplete = intake.post(f"/programs/{program_id}/submit")
    assert incomplete.status_code == 422
    assert incomplete.json()["fields"] == [
        {"path": "topics", "message": "Missing data for required field."}
    ]
    intake.made("PUT", f"/programs/{program_id}/draft", intake_forms.program(delegation["id"]))
    submitted = intake.made("POST", f"/programs/{program_id}/submit", None, 200)
    assert (submitted["status"], submitted["version"], submitted["draft"]) == ("submitted", 1, None)
    revised = intake.made(
        "PUT",
        f"/programs/{program_id}",
        intake_forms.program(delegation["id"], title="PENNAT, second phase"),
    )
    assert (revised["version"], revised["title"]) == (2, "PENNAT, second phase")
    withdrawn = intake.made("POST", f"/programs/{program_id}/withdraw", None, 200)
    assert withdrawn["status"] == "withdrawn"
    assert intake.post(f"/programs/{program_id}/withdraw").status_code == 409

    events = [e for e in spy(6) if e["payload"].get("program_id") == program_id]
    assert [(e["event_type"], e["payload"]["version"]) for e in events] == [
        ("program_submitted", 1),
        ("program_submitted", 2),
        ("program_withdrawn", 2),
    ]
    assert events[1]["payload"]["title"] == "PENNAT, second phase"
    versions = intake.get(f"/programs/{program_id}/versions").json()["versions"]
    assert [(v["version"], v["action"]) for v in versions] == [
        (1, "submitted"),
        (2, "submitted"),
        (2, "withdrawn"),
    ]
    assert versions[0]["form"]["title"] == intake_forms.program("x")["title"]

    # a later submission re-opens it with a higher version
    reopened = intake.made("PUT", f"/programs/{program_id}", intake_forms.program(delegation["id"]))
    assert (reopened["status"], reopened["version"]) == ("submitted", 3)


def test_a_registration_is_revised_whole_and_a_withdrawal_is_published(intake, spy):
    workshop = intake.workshop()
    delegation = intake.delegation(workshop["id"])
    ana, luis = delegation["delegates"]
    body = intake_forms.registration(workshop["id"])
    body["delegates"] = [
        body["delegates"][1],
        {"name": "Eva Choque", "email": "eva@example.org", "language": "es"},
    ]
    revised = intake.made("PUT", f"/delegations/{delegation['id']}", body)
    assert revised["version"] == 2
    assert revised["delegates"][0]["id"] == luis["id"]  # same email, same delegate
    assert ana["id"] not in {d["id"] for d in revised["delegates"]}
    moved = intake.put(f"/delegations/{delegation['id']}", {**body, "workshop_id": "elsewhere"})
    assert moved.status_code == 422 and moved.json()["fields"][0]["path"] == "workshop_id"
    intake.made("POST", f"/delegations/{delegation['id']}/withdraw", None, 200)
    refused = intake.post("/programs", intake_forms.program(delegation["id"]))
    assert refused.status_code == 422
    events = spy(6)
    assert [(e["event_type"], e["payload"].get("version")) for e in events[1:]] == [
        ("delegation_registered", 1),
        ("delegation_contacts_updated", 1),
        ("delegation_registered", 2),
        ("delegation_contacts_updated", 2),
        ("delegation_withdrawn", 2),
    ]
    contacts = events[4]["payload"]["contacts"]
    assert [c["email"] for c in contacts] == ["luis@bolivia.example.org", "eva@example.org"]
