"""Every change made from the console is recorded in intake's audit as made
by the signed-in person: the console's key holds intake:act-for-staff and
sends X-Rueda-Staff-Id / X-Rueda-Staff-Name; a key without the scope may not."""

import requests

from .conftest import Browser
from .test_workshops import FORM, _delegation, _workshop_body


def test_a_review_and_a_workshop_revision_name_the_signed_in_person(console, intake, password_for):
    ana = intake.staff("Ana", ["secretariat"])
    browser = Browser(console)
    browser.sign_in(password_for(ana))
    browser.page("/workshops")
    workshop = intake.call("POST", "/workshops", _workshop_body())
    bolivia = intake.call("POST", "/delegations", _delegation(workshop["id"], "Bolivia", "MINEDU"))
    program = intake.call(
        "POST",
        "/programs",
        {"delegation_id": bolivia["id"], "title": "PENNAT", "topics": ["food_security"]},
    )
    browser.page(f"/workshops/{workshop['id']}")
    answer = browser.submit(
        f"/workshops/{workshop['id']}/programs/{program['id']}/review",
        {"decision": "accepted", "version": "1"},
    )
    assert answer.status_code == 303
    who = f"staff:{ana['id']} (Ana)"
    assert intake.call("GET", f"/programs/{program['id']}")["review"]["reviewed_by"] == who
    assert workshop["updated_by"].startswith("http:portal@")
    browser.page(f"/workshops/{workshop['id']}/edit")
    assert browser.submit(f"/workshops/{workshop['id']}", FORM).status_code == 303
    assert intake.call("GET", f"/workshops/{workshop['id']}")["updated_by"] == who


def test_a_key_without_act_for_staff_cannot_name_a_person(intake):
    # a funder's reading key, without the scope
    refused = requests.get(
        intake.url + "/workshops",
        timeout=10,
        headers={
            "X-API-Key": intake.reader_key,
            "X-Rueda-Staff-Id": "x",
            "X-Rueda-Staff-Name": "X",
        },
    )
    assert refused.status_code == 403 and "intake:act-for-staff" in refused.text
