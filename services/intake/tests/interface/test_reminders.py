"""POST /workshops/{id}/reminders: the secretariat reminds the delegations
that have not submitted; intake answers who will be reminded and publishes
one submission_reminder_requested each."""

import pytest

from rueda_backbone.apikeys import create_api_key
from rueda_backbone.database import Store

pytestmark = pytest.mark.broker


def test_the_delegations_that_have_not_submitted_are_reminded_one_event_each(intake, spy):
    workshop = intake.workshop()
    bolivia = intake.delegation(workshop["id"], "Bolivia")
    chile = intake.delegation(workshop["id"], "Chile")
    intake.program(bolivia["id"])
    response = intake.post(
        f"/workshops/{workshop['id']}/reminders",
        {"form": "program"},
        {"X-Correlation-ID": "remind-1"},
    )
    assert response.status_code == 202, response.text
    answer = response.json()
    assert [r["delegation_id"] for r in answer["reminded"]] == [chile["id"]]
    assert [m["form"] for m in answer["reminded"][0]["missing"]] == ["program"]
    assert answer["not_reminded"] == []
    reminder = spy(7)[-1]
    assert (reminder["event_type"], reminder["schema_version"]) == (
        "submission_reminder_requested",
        1,
    )
    assert reminder["correlation_id"] == "remind-1"
    payload = reminder["payload"]
    assert payload["delegation_id"] == chile["id"] and payload["workshop_id"] == workshop["id"]
    assert payload["missing"][0]["deadline"] == workshop["form"]["deadlines"]["programs"]
    named = intake.post(
        f"/workshops/{workshop['id']}/reminders",
        {"delegation_ids": [bolivia["id"]], "form": "program"},
    ).json()
    assert named == {
        "workshop_id": workshop["id"],
        "reminded": [],
        "not_reminded": [{"delegation_id": bolivia["id"], "reason": "submitted"}],
    }


def test_refusals_name_the_field_and_a_key_without_the_scope_gets_403(intake, config):
    workshop = intake.workshop()
    chile = intake.delegation(workshop["id"], "Chile")
    intake.made("POST", f"/delegations/{chile['id']}/withdraw", None, 200)
    path = f"/workshops/{workshop['id']}/reminders"
    withdrawn = intake.post(path, {"delegation_ids": [chile["id"]]})
    assert withdrawn.status_code == 422
    assert withdrawn.json()["fields"] == [
        {"path": "delegation_ids[0]", "message": "this delegation withdrew from the workshop"}
    ]
    for body, field in (
        ({"form": "poem"}, "form"),
        ({"colour": "red"}, "colour"),
        ({"delegation_ids": ["x", "x"]}, "delegation_ids"),
    ):
        refused = intake.post(path, body)
        assert refused.status_code == 422 and refused.json()["fields"][0]["path"] == field
    assert intake.post("/workshops/nope/reminders", {}).status_code == 404
    reader = type(intake)(
        intake.base,
        create_api_key(Store.for_url(config["DATABASE_URL"]), "reader", scopes=("intake:read",)),
    )
    assert reader.post(path, {}).status_code == 403
