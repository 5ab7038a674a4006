"""followup end to end on the real broker and databases: expressions in,
activities and their events out, transitions over HTTP, the timer."""

import base64
import json
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa
from lxml import etree

from followup import api
from rueda_backbone import tables
from rueda_backbone.database import Store
from rueda_backbone.parking import list_parked
from rueda_backbone.testing import free_port, publish_event, wait_for

pytestmark = pytest.mark.broker
# the official schema, read where the steering repository keeps it (never copied here)
IATI_XSD = (
    Path(__file__).resolve().parents[4].parent
    / "shared"
    / "schemas"
    / "iati-2.03"
    / "iati-activities-schema.xsd"
)


def IATI_SCHEMA():  # noqa: N802 - reads like the constant it stands for
    if not IATI_XSD.is_file():
        pytest.fail(f"the IATI 2.03 schema is not at {IATI_XSD}")
    return etree.XMLSchema(etree.parse(str(IATI_XSD)))


EXPRESSION = {
    "expression_id": "3d2c1b0a-9f8e-4d7c-a6b5-c4d3e2f1a0b9",
    "workshop_id": "4b3f1d2a-7c1e-4f0a-9d7e-2f1b8c3a5e10",
    "version": 1,
    "demanding_delegation_id": "d-pe",
    "supplying_delegation_ids": ["d-br"],
    "program_id": None,
    "topic": "food_security",
    "activity_types": ["expert_visit"],
    "mechanism": "bilateral_agreement",
    "focus": "general",
    "description": "a visit to PAA",
    "contact_delegate_ids": [],
    "round": {"session": 1, "table": 2, "program_id": None},
    "submitted_at": "2026-05-14T16:20:00+00:00",
    "a_field_added_later": True,
}
WORKSHOP = EXPRESSION["workshop_id"]


def test_an_expression_delivered_twice_becomes_one_proposed_activity(
    start, spy, http, followup_config
):
    spy.bind("activity_proposed")
    start(FOLLOW_UP_TIMER_ENABLED=False)
    for _ in range(2):  # the second delivery is a new event id: the version keeps it one
        publish_event(
            followup_config["AMQP_URI"], "intake", "expression_of_interest_submitted", EXPRESSION
        )

    def both_handled():
        with Store.for_url(followup_config["DATABASE_URL"]).transaction() as session:
            return session.scalar(sa.select(sa.func.count()).select_from(tables.inbox)) == 2

    wait_for(both_handled, what="both deliveries to be handled")
    [event] = spy("activity_proposed")
    assert event["producer"] == "followup"
    payload = event["payload"]
    assert (payload["expression_id"], payload["topic"], payload["supplying_delegation_ids"]) == (
        EXPRESSION["expression_id"],
        "food_security",
        ["d-br"],
    )
    activities = wait_for(
        lambda: http("GET", "/activities", workshop_id=WORKSHOP).json()["activities"],
        what="the activity",
    )
    assert [a["id"] for a in activities] == [payload["activity_id"]]
    assert activities[0]["follow_up_on"] == "2026-05-27"  # proposed: a week from the fixed today


def test_an_expression_without_its_demanding_delegation_is_parked_with_the_field(
    start, http, followup_config
):
    start(FOLLOW_UP_TIMER_ENABLED=False)
    broken = {k: v for k, v in EXPRESSION.items() if k != "demanding_delegation_id"}
    publish_event(followup_config["AMQP_URI"], "intake", "expression_of_interest_submitted", broken)
    [parked] = wait_for(
        lambda: list_parked(Store.for_url(followup_config["DATABASE_URL"])),
        what="the parked message",
    )
    assert parked.queue == "followup.handle_expression_of_interest_submitted"
    assert "demanding_delegation_id" in parked.reason
    assert http("GET", "/activities").json()["activities"] == []


def test_a_transition_over_http_is_published_and_an_illegal_one_refused(start, spy, http, known):
    spy.bind("activity_status_changed")
    start(FOLLOW_UP_TIMER_ENABLED=False)
    known(WORKSHOP, ("d-pe", "Peru"))
    created = http(
        "POST",
        "/activities",
        {
            "workshop_id": WORKSHOP,
            "demanding_delegation_id": "d-pe",
            "topic": "food_security",
            "activity_types": ["virtual"],
            "by": "ana",
        },
    )
    assert created.status_code == 201, created.text
    activity_id = created.json()["id"]

    refused = http(
        "POST", f"/activities/{activity_id}/transitions", {"to": "completed", "reason": "x"}
    )
    assert refused.status_code == 409 and refused.json()["fields"][0]["path"] == "to"
    assert "proposed cannot become completed" in refused.json()["message"]
    invalid = http("POST", f"/activities/{activity_id}/transitions", {"to": "sideways", "reasn": 1})
    assert invalid.status_code == 422
    assert {f["path"] for f in invalid.json()["fields"]} == {"to", "reason", "reasn"}

    moved = http(
        "POST",
        f"/activities/{activity_id}/transitions",
        {"to": "under_review", "reason": "complete form", "by": "ana"},
    )
    assert moved.status_code == 200 and moved.json()["state"] == "under_review"
    [event] = spy("activity_status_changed")
    assert {k: event["payload"][k] for k in ("from_state", "to_state", "changed_by", "reason")} == {
        "from_state": "proposed",
        "to_state": "under_review",
        "changed_by": "ana",
        "reason": "complete form",
    }
    trail = http("GET", f"/activities/{activity_id}").json()["trail"]
    assert [(c["kind"], c["actor"], c["to_state"]) for c in trail] == [
        ("created", "ana", "proposed"),
        ("transition", "ana", "under_review"),
    ]
    assert trail[1]["origin"].startswith("http:secretariat-app@")

    report = http("GET", f"/workshops/{WORKSHOP}/reports/supply_demand.csv")
    # a `format` sent beside the extension is still checked (found by the fuzzer)
    assert (
        http("GET", f"/workshops/{WORKSHOP}/reports/supply_demand.csv?format=HH").status_code == 400
    )
    assert report.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert report.content.startswith(b"\xef\xbb\xbf")  # spreadsheets read accents right
    # labelled for people, in English unless ?lang= says otherwise
    assert (
        report.content.decode("utf-8-sig")
        .splitlines()[1]
        .endswith(",Ministry d-pe (Peru),Peru,,not yet defined,food_security,under review,")
    )
    spanish = http("GET", f"/workshops/{WORKSHOP}/reports/supply_demand.csv", lang="es")
    head, line = spanish.content.decode("utf-8-sig").splitlines()[:2]
    assert head.startswith("Id de la actividad,Título,Delegación demandante,País demandante,")
    assert line.endswith(",Ministry d-pe (Perú),Perú,,aún no definido,food_security,en revisión,")
    french = http("GET", f"/workshops/{WORKSHOP}/reports/status_by_delegation", lang="fr")
    [row] = french.json()["rows"]
    assert (row["État"], row["Rôle"], row["En retard"]) == ("en examen", "demandeuse", "non")
    unknown = http("GET", f"/workshops/{WORKSHOP}/reports/counts", lang="de")
    assert unknown.status_code == 400 and unknown.json()["fields"][0]["path"] == "lang"
    iati = http("GET", f"/workshops/{WORKSHOP}/reports/iati.xml")
    assert iati.status_code == 200 and iati.headers["Content-Type"].startswith("application/xml")
    assert IATI_SCHEMA().validate(etree.fromstring(iati.content))
    assert http("GET", "/workshops/nowhere/reports/iati.xml").status_code == 404
    chart = http("GET", f"/workshops/{WORKSHOP}/charts/demand_by_topic.png")
    assert chart.headers["Content-Type"] == "image/png" and chart.content.startswith(b"\x89PNG")
    assert http("GET", f"/workshops/{WORKSHOP}/charts/nothing.png").status_code == 404


def test_the_timer_publishes_a_follow_up_that_fell_due_and_the_owners_digest(
    start, spy, http, followup_config, known
):
    spy.bind("activity_follow_up_due", "weekly_digest_prepared")
    start(FOLLOW_UP_TIMER_ENABLED=False)
    known(WORKSHOP, ("d-pe", "Peru"))
    publish_event(
        followup_config["AMQP_URI"],
        "intake",
        "staff_member_registered",
        {
            "staff_id": "staff-ana",
            "name": "Ana",
            "roles": ["secretariat"],
            "language": "es",
            "active": True,
            "version": 1,
        },
    )

    def create():
        response = http(
            "POST",
            "/activities",
            {
                "workshop_id": WORKSHOP,
                "demanding_delegation_id": "d-pe",
                "topic": "food_security",
                "owner_staff_id": "staff-ana",
                "follow_up_on": "2026-05-18",
            },
        )
        return response.json() if response.status_code == 201 else None

    created = wait_for(create, what="ana to be known as staff")
    # a second replica, with the timer; the clock says 2026-05-20
    start(WEB_SERVER_ADDRESS=f"127.0.0.1:{free_port()}")
    [event] = spy("activity_follow_up_due")
    assert {
        k: event["payload"][k]
        for k in ("activity_id", "level", "days_overdue", "follow_up_on", "owner_staff_id")
    } == {
        "activity_id": created["id"],
        "level": "overdue",
        "days_overdue": 2,
        "follow_up_on": "2026-05-18",
        "owner_staff_id": "staff-ana",
    }
    [digest] = spy("weekly_digest_prepared")
    assert (digest["payload"]["owner_staff_id"], digest["payload"]["week_of"]) == (
        "staff-ana",
        "2026-05-18",
    )
    assert [i["activity_id"] for i in digest["payload"]["overdue"]] == [created["id"]]
    assert base64.b64decode(digest["payload"]["charts"][0]["data_base64"]).startswith(b"\x89PNG")
    overdue = http("GET", "/activities", overdue="true").json()["activities"]
    assert [a["id"] for a in overdue] == [created["id"]]


def test_staff_select_within_a_budget_over_http_and_the_result_is_published(
    start, spy, http, known
):
    spy.bind("funding_selection_confirmed")
    start(FOLLOW_UP_TIMER_ENABLED=False)
    known(WORKSHOP, ("d-pe", "Peru"))
    criteria = http(
        "PUT",
        f"/workshops/{WORKSHOP}/criteria",
        {
            "criteria": [
                {"key": "alignment", "label": "Alignment with network priorities", "weight": 3},
                {"key": "co_funding", "label": "Co-funding", "weight": 1},
            ]
        },
    )
    assert criteria.status_code == 200, criteria.text
    ids = []
    for cost, alignment in ((600_000, 5), (500_000, 4), (500_000, 4)):
        activity = http(
            "POST",
            "/activities",
            {"workshop_id": WORKSHOP, "topic": "food_security", "demanding_delegation_id": "d-pe"},
        ).json()
        http(
            "POST",
            f"/activities/{activity['id']}/transitions",
            {"to": "under_review", "reason": "ok"},
        )
        scored = http(
            "PUT",
            f"/activities/{activity['id']}/scores",
            {
                "scores": {"alignment": alignment, "co_funding": 2},
                "estimated_cost": cost,
                "currency": "USD",
            },
        )
        assert scored.status_code == 200 and scored.json()["score"] == 3 * alignment + 2
        ids.append(activity["id"])
    bad = http("PUT", f"/activities/{ids[0]}/scores", {"scores": {"beauty": 9}})
    assert bad.status_code == 422
    assert {f["path"] for f in bad.json()["fields"]} == {"scores.beauty.value"}

    proposal = http(
        "POST", f"/workshops/{WORKSHOP}/selections", {"budget": 1_000_000, "currency": "USD"}
    )
    assert proposal.status_code == 201, proposal.text
    assert sorted(s["activity_id"] for s in proposal.json()["selected"]) == sorted(ids[1:])
    confirmed = http("POST", f"/selections/{proposal.json()['id']}/confirm", {"by": "ana"})
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"
    [event] = spy("funding_selection_confirmed")
    assert (
        event["payload"]["total_cost"],
        event["payload"]["total_score"],
        event["payload"]["confirmed_by"],
    ) == (1_000_000, 28, "ana")
    # v2: each activity with its delegations and its cost's currency
    assert event["schema_version"] == 2
    assert {
        (s["currency"], s["demanding"]["country"], s["supplier_status"])
        for s in event["payload"]["selected"]
    } == {("USD", "Peru", "not_yet_defined")}
    assert event["payload"]["selected"][0]["demanding"] == {
        "delegation_id": "d-pe",
        "acronym": None,
        "institution": "Ministry d-pe",
        "country": "Peru",
        "region": None,
    }
    selected = http("GET", "/activities", state="selected").json()["activities"]
    assert {a["funding_source"] for a in selected} == {"network_fund"} and len(selected) == 2
    again = http("POST", f"/selections/{proposal.json()['id']}/confirm", {})
    assert again.status_code == 409


def test_the_served_openapi_document_is_the_committed_one_and_needs_no_key(start, followup_config):
    start()
    response = requests.get(
        f"http://{followup_config['WEB_SERVER_ADDRESS']}/openapi.json", timeout=10
    )
    assert response.status_code == 200
    assert response.json() == json.loads(api.DOCUMENT.read_text(encoding="utf-8"))


def test_an_activity_naming_an_unknown_workshop_or_delegation_is_refused_with_the_field(
    start, http, known
):
    start(FOLLOW_UP_TIMER_ENABLED=False)
    known(WORKSHOP, ("d-pe", "Peru"), ("d-br", "Brazil"))
    body = {
        "workshop_id": WORKSHOP,
        "demanding_delegation_id": "d-pe",
        "topic": "food_security",
        "supplying_delegation_ids": ["d-br"],
    }
    nowhere = http("POST", "/activities", {**body, "workshop_id": "nowhere"})
    assert nowhere.status_code == 404
    assert [f["path"] for f in nowhere.json()["fields"]] == ["workshop_id"]
    stranger = http("POST", "/activities", {**body, "demanding_delegation_id": "d-xx"})
    assert stranger.status_code == 422
    assert [f["path"] for f in stranger.json()["fields"]] == ["demanding_delegation_id"]
    second = http("POST", "/activities", {**body, "supplying_delegation_ids": ["d-br", "d-zz"]})
    assert second.status_code == 422
    assert [f["path"] for f in second.json()["fields"]] == ["supplying_delegation_ids[1]"]
    broken = http("POST", "/activities", {**body, "title": "two\nlines", "description": "a\x00"})
    assert broken.status_code == 422
    assert {f["path"] for f in broken.json()["fields"]} == {"title", "description"}
    assert http("GET", "/activities").json()["activities"] == []
    assert http("POST", "/activities", {**body, "description": "two\nlines"}).status_code == 201
