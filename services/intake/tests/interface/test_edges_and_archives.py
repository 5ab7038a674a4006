"""The HTTP edge on both databases: input that used to crash or slip through
(NUL characters, the ends of the datetime range, addresses that cannot go
into a header) is refused with 422 and its field; an archive import loads a
past workshop's records, all or nothing."""

import intake_forms
import pytest

pytestmark = pytest.mark.broker

ENCODED_WORD = "=?utf-8?q?x?=@example.org"


def fields_of(response) -> dict[str, str]:
    assert response.status_code == 422, response.text
    return {f["path"]: f["message"] for f in response.json()["fields"]}


def test_a_nul_in_a_name_an_institution_or_a_title_is_a_422_not_a_500(intake):
    staff = {
        "name": "María\x00",
        "email": "m@example.org",
        "language": "es",
        "roles": ["secretariat"],
    }
    assert fields_of(intake.post("/staff", staff)) == {
        "name": "must not contain control characters (such as NUL)"
    }
    workshop = intake.workshop()
    registration = intake_forms.registration(workshop["id"], institution="MIDIS\x00")
    assert list(fields_of(intake.post("/delegations", registration))) == ["institution"]
    assert list(
        fields_of(intake.post("/workshops", intake_forms.workshop(title="Santa Marta\x00")))
    ) == ["title"]


def test_instants_at_the_ends_of_the_range_are_a_422_not_a_500(intake):
    workshop = intake.workshop()
    sessions = [{"starts_at": "9999-12-31T23:59:00-05:00"}]
    assert fields_of(intake.post("/workshops", intake_forms.workshop(sessions=sessions))) == {
        "sessions[0].starts_at": "must be between 1900 and 2199"
    }
    delegation = intake.delegation(workshop["id"])
    late = {
        "delegation_id": delegation["id"],
        "form": "programs",
        "until": "0001-01-01T00:01:00+00:05",
    }
    assert fields_of(intake.post(f"/workshops/{workshop['id']}/late-windows", late)) == {
        "until": "must be between 1900 and 2199"
    }


def test_an_address_notify_could_not_send_to_is_refused_at_intake(intake):
    workshop = intake.workshop()
    registration = intake_forms.registration(workshop["id"])
    registration["delegates"][0]["email"] = ENCODED_WORD
    found = fields_of(intake.post("/delegations", registration, {"Accept-Language": "en"}))
    assert found["delegates[0].email"].startswith("this address cannot be used in an email header")


def test_a_line_break_in_a_one_line_field_is_refused_but_kept_in_free_text(intake):
    workshop = intake.workshop()
    delegation = intake.delegation(workshop["id"])
    assert list(
        fields_of(
            intake.post("/programs", intake_forms.program(delegation["id"], title="PENNAT\nII"))
        )
    ) == ["title"]
    made = intake.made(
        "POST",
        "/programs",
        intake_forms.program(
            delegation["id"], objectives="Keep children in school.\nAnd in health."
        ),
    )
    assert made["form"]["objectives"].endswith("\nAnd in health.")


def _archive(workshop_id):
    bolivia = intake_forms.registration(workshop_id)
    del bolivia["workshop_id"]
    bolivia["delegation_id"] = "d-bolivia-2012"
    bolivia["delegates"][0]["delegate_id"] = "p-ana-2012"
    ism = intake_forms.registration(
        workshop_id,
        "MERCOSUR",
        kind="subregional_mechanism",
        region="South America",
        acronym="ISM",
        institution="Instituto Social del MERCOSUR",
    )
    del ism["workshop_id"], ism["country"]
    ism["delegation_id"] = "d-ism-2012"
    return {
        "source": "Santa Marta 2012: the secretariat's tables",
        "delegations": [bolivia, ism],
        "programs": [{**intake_forms.program("d-ism-2012"), "program_id": "p-ism-2012"}],
        "expressions_of_interest": [
            {
                **intake_forms.expression(
                    "d-bolivia-2012",
                    [],
                    "p-ism-2012",
                    supplier_status="several_not_yet_named",
                    mechanism="not_yet_known",
                    contact_delegate_ids=["p-ana-2012"],
                ),
                "expression_id": "e-2012-01",
            }
        ],
    }


def test_a_past_workshop_is_loaded_by_an_archive_import_without_late_windows(intake, spy):
    past = intake.workshop(days_ahead=-365, deadline_days=-400)
    spy(1)
    response = intake.post(
        f"/workshops/{past['id']}/archive-imports",
        _archive(past["id"]),
        {"Idempotency-Key": "santa-marta-2012"},
    )
    assert response.status_code == 201, response.text
    made = response.json()
    assert made["counts"] == {
        "delegations": 2,
        "programs": 1,
        "interests": 0,
        "expressions_of_interest": 1,
    }
    assert made["ids"]["expressions_of_interest"] == ["e-2012-01"]
    assert made["imported_by"].startswith("http:portal")
    # a retry after a lost answer gets the same answer and imports nothing twice
    again = intake.post(
        f"/workshops/{past['id']}/archive-imports",
        _archive(past["id"]),
        {"Idempotency-Key": "santa-marta-2012"},
    )
    assert again.status_code == 201 and again.json()["id"] == made["id"]
    versions = intake.get("/expressions-of-interest/e-2012-01/versions").json()["versions"]
    assert [(v["action"], v["import_id"]) for v in versions] == [("imported", made["id"])]
    ism = intake.get("/delegations/d-ism-2012").json()
    assert (ism["country"], ism["region"]) == (None, "South America")
    events = spy(6)
    assert [
        (e["event_type"], e["payload"].get("imported"))
        for e in events
        if e["event_type"] != "delegation_contacts_updated"
    ] == [
        ("delegation_registered", True),
        ("delegation_registered", True),
        ("program_submitted", True),
        ("expression_of_interest_submitted", True),
    ]


def test_an_archive_with_one_refused_record_imports_nothing(intake):
    past = intake.workshop(days_ahead=-365, deadline_days=-400)
    archive = _archive(past["id"])
    archive["expressions_of_interest"][0]["round"] = {
        "session": 9,
        "table": 1,
        "program_id": "p-ism-2012",
    }
    assert fields_of(intake.post(f"/workshops/{past['id']}/archive-imports", archive)) == {
        "expressions_of_interest[0].round.session": "this workshop has 4 sessions"
    }
    assert intake.get("/delegations/d-bolivia-2012").status_code == 404
    assert intake.get(f"/workshops/{past['id']}/programs").json()["items"] == []
