"""Workshop pages through intake's API: list, create, edit, refusals shown
on the form, the delegations' form states and the review queue."""

import pytest

from .conftest import Browser

pytestmark = pytest.mark.broker

FORM = {
    "title": "Fourth Workshop on Social Policy",
    "place": "Santa Marta, Colombia",
    "time_zone": "America/Bogota",
    "starts_on": "2027-10-24",
    "ends_on": "2027-10-25",
    "languages": ["es", "en"],
    "sessions": "2027-10-24 09:00\n2027-10-24 11:00",
    "tables_per_session": "4",
    "table_capacity": "8",
    "round_minutes": "45",
    "deadline_programs": "2027-09-30T23:59",
    "deadline_interests": "2027-10-10T23:59",
    "deadline_expressions_of_interest": "2027-11-30T23:59",
}


@pytest.fixture
def ana(console, intake, password_for):
    browser = Browser(console)
    browser.sign_in(password_for(intake.staff("Ana", ["secretariat"])))
    browser.page("/workshops")
    return browser


def test_a_workshop_created_on_the_page_is_in_intake_with_its_local_times(ana, intake):
    answer = ana.submit("/workshops", FORM)
    assert answer.status_code == 303
    workshop_id = answer.headers["Location"].rsplit("/", 1)[1]
    stored = intake.call("GET", f"/workshops/{workshop_id}")["form"]
    assert (
        stored["sessions"][0]["starts_at"].startswith("2027-10-24T09:00:00-05:00")
        or stored["sessions"][0]["starts_at"] == "2027-10-24T14:00:00+00:00"
    )
    listing = ana.page("/workshops")
    assert "Fourth Workshop on Social Policy" in listing.text
    edit = ana.page(f"/workshops/{workshop_id}/edit")
    assert "2027-10-24 09:00" in edit.text
    revised = ana.submit(f"/workshops/{workshop_id}", {**FORM, "place": "Cartagena, Colombia"})
    assert revised.status_code == 303
    assert intake.call("GET", f"/workshops/{workshop_id}")["version"] == 2
    shown = ana.page(f"/workshops/{workshop_id}")
    assert "Workshop saved (version 2)." in shown.text and "Cartagena" in shown.text


def test_intakes_refusal_is_shown_beside_the_field(ana, intake):
    answer = ana.submit("/workshops", {**FORM, "ends_on": "2027-10-20"})
    assert answer.status_code == 422
    assert 'id="ends_on-error"' in answer.text and "must not be before starts_on" in answer.text


def test_the_workshop_page_says_who_has_not_submitted_and_reviews_a_program(ana, intake):
    workshop = intake.call("POST", "/workshops", _workshop_body())
    bolivia = intake.call("POST", "/delegations", _delegation(workshop["id"], "Bolivia", "MINEDU"))
    intake.call("POST", "/delegations", _delegation(workshop["id"], "Peru", "MIDIS"))
    program = intake.call(
        "POST",
        "/programs",
        {"delegation_id": bolivia["id"], "title": "PENNAT", "topics": ["food_security"]},
    )
    page = ana.page(f"/workshops/{workshop['id']}")
    assert "2 delegation(s) have not submitted their interest form." in page.text
    assert "MIDIS (Peru)" in page.text and "PENNAT" in page.text
    answer = ana.submit(
        f"/workshops/{workshop['id']}/programs/{program['id']}/review",
        {"decision": "returned", "reason": "Add the achievements", "version": "1"},
    )
    assert answer.status_code == 303
    assert (
        intake.call("GET", f"/programs/{program['id']}")["review"]["reason"]
        == "Add the achievements"
    )
    after = ana.page(f"/workshops/{workshop['id']}")
    assert "Program returned to its delegation." in after.text
    assert "No program is waiting for review." in after.text


def _workshop_body():
    return {
        "title": "Third Workshop",
        "place": "Santa Marta",
        "time_zone": "America/Bogota",
        "starts_on": "2027-10-24",
        "ends_on": "2027-10-25",
        "languages": ["es", "en"],
        "sessions": [{"starts_at": "2027-10-24T09:00:00-05:00"}],
        "tables_per_session": 2,
        "table_capacity": 8,
        "round_minutes": 45,
        "deadlines": {
            "programs": "2027-09-30T23:59:00-05:00",
            "interests": "2027-10-10T23:59:00-05:00",
            "expressions_of_interest": "2027-11-30T23:59:00-05:00",
        },
    }


def _delegation(workshop_id, country, acronym):
    return {
        "workshop_id": workshop_id,
        "country": country,
        "institution": f"Ministry of {country}",
        "acronym": acronym,
        "kind": "ministry",
        "working_languages": ["es"],
        "delegates": [
            {
                "name": f"Delegate of {country}",
                "email": f"d@{country.lower()}.example.org",
                "language": "es",
            }
        ],
    }
