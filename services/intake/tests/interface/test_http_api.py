"""intake's HTTP API in a real container, with the real broker and databases."""

import json

import intake_forms
import pytest

pytestmark = pytest.mark.broker


def test_a_registration_and_a_program_are_published_as_events(intake, spy):
    workshop = intake.workshop()
    response = intake.post(
        "/delegations", intake_forms.registration(workshop["id"]), {"X-Correlation-ID": "trace-1"}
    )
    assert response.status_code == 201
    delegation = response.json()
    assert "@" not in json.dumps(delegation)  # personal data stays in intake
    response = intake.post(
        "/programs",
        {"delegation_id": delegation["id"], "title": "Qali Warma", "topics": ["food_security"]},
        {"X-Correlation-ID": "trace-1"},
    )
    assert response.status_code == 201 and response.headers["X-Correlation-ID"] == "trace-1"
    program = response.json()
    events = spy(4)
    assert [(e["event_type"], e["schema_version"]) for e in events] == [
        ("workshop_published", 1),
        ("delegation_registered", 3),
        ("delegation_contacts_updated", 2),
        ("program_submitted", 3),
    ]
    assert {e["correlation_id"] for e in events[1:]} == {"trace-1"}
    assert "@" not in json.dumps(events[1]["payload"])
    assert events[2]["payload"]["contacts"][1] == {
        "delegate_id": delegation["delegates"][1]["id"],
        "name": "Luis Mamani",
        "email": "luis@bolivia.example.org",
        "language": "en",
        "is_focal_point": True,
    }
    submitted = events[3]["payload"]
    assert submitted["workshop_id"] == workshop["id"] and submitted["program_id"] == program["id"]
    assert submitted["country"] == "Bolivia"
    assert submitted["missing_fields"] == [
        "areas_of_influence",
        "target_populations",
        "statuses",
        "starts_on",
        "objectives",
        "achievements",
        "exchange_methods",
    ]


def test_invalid_forms_get_field_level_errors(intake):
    workshop = intake.workshop()
    response = intake.post(
        "/delegations",
        {
            **intake_forms.registration(workshop["id"]),
            "kind": "ngo",
            "delegates": [{"name": "", "email": "x", "language": "es"}],
            "focal_point_email": None,
        },
    )
    assert response.status_code == 422
    paths = {f["path"] for f in response.json()["fields"]}
    assert paths == {"kind", "delegates[0].name", "delegates[0].email", "focal_point_email"}


def test_errors_come_in_the_language_the_caller_asks_for(intake):
    body = {"delegation_id": "nope", "title": "PENNAT", "topics": ["food_security"], "colour": 1}
    response = intake.post("/programs", body, {"Accept-Language": "pt-BR, es;q=0.5"})
    assert response.status_code == 422
    assert response.json()["message"] == "alguns campos são inválidos"
    assert response.json()["fields"] == [{"path": "colour", "message": "Campo desconhecido."}]
    response = intake.post(
        "/programs", {**body, "colour": None} | {"topics": ["astrology"]}, {"Accept-Language": "fr"}
    )
    messages = {f["path"]: f["message"] for f in response.json()["fields"]}
    assert messages["colour"] == "Champ inconnu."
    assert messages["topics[0]"].startswith("Doit être l'un de : conditional_cash_transfers")


def test_a_program_for_an_unknown_delegation_is_refused(intake):
    response = intake.post(
        "/programs",
        {"delegation_id": "nope", "title": "PENNAT", "topics": ["food_security"]},
        {"Accept-Language": "es"},
    )
    assert response.status_code == 422
    assert response.json()["fields"] == [
        {"path": "delegation_id", "message": "no hay ninguna delegación registrada con este id"}
    ]


@pytest.mark.parametrize(
    "body, headers, status, code",
    [
        ("{broken", {}, 400, "malformed_json"),
        ("[1]", {}, 400, "malformed_json"),
        ({"country": "Peru"}, {"X-API-Key": "rk_wrong"}, 401, "unauthorized"),
        ({"country": "Peru"}, {"Content-Type": "text/plain"}, 415, "unsupported_media_type"),
        ("x" * 300_000, {}, 413, "too_large"),
        (
            {"country": "Peru"},
            {"Idempotency-Key": "a key with spaces"},
            400,
            "invalid_idempotency_key",
        ),
    ],
)
def test_bad_requests_get_a_json_error_and_never_a_stack_trace(intake, body, headers, status, code):
    response = intake.post("/delegations", body, headers)
    assert response.status_code == status
    assert response.json()["error"] == code
    assert "Traceback" not in response.text


def test_an_idempotent_retry_creates_one_submission(intake, spy):
    workshop = intake.workshop()
    delegation = intake.delegation(workshop["id"])
    body = intake_forms.program(delegation["id"])
    first = intake.post("/programs", body, {"Idempotency-Key": "pennat-1"})
    again = intake.post("/programs", body, {"Idempotency-Key": "pennat-1"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    other = intake.post(
        "/programs", {**body, "title": "Another program"}, {"Idempotency-Key": "pennat-1"}
    )
    assert other.status_code == 422 and other.json()["error"] == "idempotency_key_reused"
    events = spy(4)
    assert [e["event_type"] for e in events][-1] == "program_submitted"
    versions = intake.get(f"/programs/{first.json()['id']}/versions").json()["versions"]
    assert [v["version"] for v in versions] == [1]
    # one program_submitted only: a second one would be on the queue right behind
    fresh = intake.program(delegation["id"], title="Sentinel program")
    (sentinel,) = spy(1)
    assert sentinel["payload"]["program_id"] == fresh["id"]


def test_a_late_submission_is_refused_until_the_secretariat_grants_a_late_window(intake):
    workshop = intake.workshop(deadline_days=-1)
    delegation = intake.delegation(workshop["id"])
    response = intake.post(
        "/programs", intake_forms.program(delegation["id"]), {"Accept-Language": "en"}
    )
    assert response.status_code == 409
    assert response.json()["error"] == "deadline_passed"
    assert "ask the secretariat for a late window" in response.json()["message"]
    until = intake_forms.workshop(deadline_days=1)["deadlines"]["programs"]
    granted = intake.made(
        "POST",
        f"/workshops/{workshop['id']}/late-windows",
        {"delegation_id": delegation["id"], "form": "programs", "until": until},
    )
    assert granted["version"] == 2
    assert intake.post("/programs", intake_forms.program(delegation["id"])).status_code == 201
    # the window is for program profiles only
    response = intake.post("/interests", intake_forms.interest(delegation["id"], ["x"]))
    assert response.status_code == 409


def test_the_secretariat_returns_a_program_with_a_reason_and_accepts_its_revision(intake, spy):
    workshop = intake.workshop()
    delegation = intake.delegation(workshop["id"])
    program = intake.program(delegation["id"])
    response = intake.post(f"/programs/{program['id']}/review", {"decision": "returned"})
    assert response.status_code == 422 and response.json()["fields"][0]["path"] == "reason"
    returned = intake.made(
        "POST",
        f"/programs/{program['id']}/review",
        {"decision": "returned", "reason": "Add the achievements"},
        200,
    )
    assert returned["review"]["decision"] == "returned"
    revised = intake.made(
        "PUT",
        f"/programs/{program['id']}",
        intake_forms.program(delegation["id"], achievements="More children in school"),
    )
    assert revised["version"] == 2 and revised["review"] is None
    stale = intake.post(f"/programs/{program['id']}/review", {"decision": "accepted", "version": 1})
    assert stale.status_code == 409
    intake.made(
        "POST", f"/programs/{program['id']}/review", {"decision": "accepted", "version": 2}, 200
    )
    events = [e for e in spy(7) if e["event_type"] == "program_reviewed"]
    assert [
        (e["payload"]["version"], e["payload"]["decision"], e["payload"]["reason"]) for e in events
    ] == [(1, "returned", "Add the achievements"), (2, "accepted", None)]


def test_interest_and_expression_of_interest_are_checked_against_the_workshop(intake, spy):
    workshop = intake.workshop()
    bolivia = intake.delegation(workshop["id"], "Bolivia")
    brazil = intake.delegation(workshop["id"], "Brazil")
    pennat = intake.program(bolivia["id"])
    paa = intake.program(brazil["id"], title="Food Acquisition Program (PAA)")
    response = intake.post(
        "/interests", intake_forms.interest(bolivia["id"], [paa["id"], pennat["id"], "unknown"])
    )
    assert response.status_code == 422
    assert {f["path"]: f["message"] for f in response.json()["fields"]} == {
        "programs[1]": "a delegation cannot ask for its own program",
        "programs[2]": "no submitted program of this workshop has this id",
    }
    listed = intake.get(f"/workshops/{workshop['id']}/programs").json()["items"]
    assert [p["id"] for p in listed] == [pennat["id"], paa["id"]]
    luis = bolivia["delegates"][1]["id"]
    interest = intake.made(
        "POST",
        "/interests",
        intake_forms.interest(bolivia["id"], [paa["id"]], attending_delegate_ids=[luis]),
    )
    twice = intake.post("/interests", intake_forms.interest(bolivia["id"], [paa["id"]]))
    assert twice.status_code == 409 and interest["id"] in twice.json()["message"]

    response = intake.post(
        "/expressions-of-interest",
        intake_forms.expression(bolivia["id"], [bolivia["id"]], paa["id"], topic="food_security"),
    )
    assert {f["path"] for f in response.json()["fields"]} == {"$", "supplying_delegation_ids"}
    expression = intake.made(
        "POST",
        "/expressions-of-interest",
        intake_forms.expression(
            bolivia["id"],
            [brazil["id"]],
            paa["id"],
            contact_delegate_ids=[luis],
            round={"session": 1, "table": 2, "program_id": paa["id"]},
        ),
    )
    undefined = intake.made(
        "POST",
        "/expressions-of-interest",
        intake_forms.expression(bolivia["id"], [], None, topic="food_security"),
    )
    events = spy(10)
    submitted = [
        e["payload"] for e in events if e["event_type"] == "expression_of_interest_submitted"
    ]
    assert submitted[0]["expression_id"] == expression["id"]
    assert submitted[0]["round"] == {"session": 1, "table": 2, "program_id": paa["id"]}
    assert (
        submitted[1]["supplying_delegation_ids"] == [] and submitted[1]["topic"] == "food_security"
    )
    assert undefined["status"] == "submitted"
    (interest_event,) = [e["payload"] for e in events if e["event_type"] == "interest_submitted"]
    assert interest_event["programs"] == [paa["id"]]
    assert interest_event["attending_delegate_ids"] == [luis]


def test_a_delegate_is_erased_and_notify_is_told(intake, spy):
    workshop = intake.workshop()
    delegation = intake.delegation(workshop["id"])
    luis = delegation["delegates"][1]["id"]
    erased = intake.made("POST", f"/delegates/{luis}/erasure", None, 200)
    assert erased["delegation_id"] == delegation["id"]
    after = intake.get(f"/delegations/{delegation['id']}").json()
    assert [d["name"] for d in after["delegates"]] == ["Ana Quispe"]
    assert after["delegates"][0]["is_focal_point"] and after["version"] == 2
    versions = intake.get(f"/delegations/{delegation['id']}/versions").json()["versions"]
    assert "Luis" not in json.dumps(versions)
    events = spy(6)
    assert [e["event_type"] for e in events[3:]] == [
        "delegate_erased",
        "delegation_registered",
        "delegation_contacts_updated",
    ]
    assert events[3]["payload"]["delegate_id"] == luis
    assert "luis@" not in json.dumps(events[5]["payload"])
    assert intake.post(f"/delegates/{luis}/erasure").status_code == 404


def test_staff_are_published_with_their_email_only_for_notify(intake, spy):
    staff = intake.made(
        "POST",
        "/staff",
        {
            "name": "María Fernández",
            "email": "mf@example.org",
            "language": "es",
            "roles": ["secretariat", "coordinator"],
        },
    )
    intake.made(
        "PUT",
        f"/staff/{staff['id']}",
        {
            "name": "María Fernández",
            "email": "mf@example.org",
            "language": "es",
            "roles": ["secretariat"],
            "active": False,
        },
    )
    events = spy(4)
    assert [(e["event_type"], e["payload"]["version"]) for e in events] == [
        ("staff_member_registered", 1),
        ("staff_contacts_updated", 1),
        ("staff_member_registered", 2),
        ("staff_contacts_updated", 2),
    ]
    assert "email" not in events[0]["payload"] and events[3]["payload"]["active"] is False


def test_the_served_openapi_document_is_the_committed_one(intake):
    import requests

    from intake import api

    served = requests.get(intake.base + "/openapi.json", timeout=10).json()
    assert served == json.loads(api.DOCUMENT.read_text(encoding="utf-8"))


def test_the_same_idempotent_request_sent_at_once_makes_one_submission(intake):
    import eventlet

    workshop = intake.workshop()
    delegation = intake.delegation(workshop["id"])
    body = intake_forms.program(delegation["id"])
    pool = eventlet.GreenPool()
    responses = list(
        pool.imap(lambda _: intake.post("/programs", body, {"Idempotency-Key": "burst"}), range(5))
    )
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["id"] for r in responses}) == 1
    listed = intake.get(f"/workshops/{workshop['id']}/programs").json()["items"]
    assert len(listed) == 1
