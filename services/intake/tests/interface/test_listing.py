"""The read-only lists the staff console pages through: workshops, staff,
a workshop's delegations with their forms' states, and its forms."""

import intake_forms
import pytest

pytestmark = pytest.mark.broker


def staff(intake, name, roles, active=True):
    return intake.made(
        "POST",
        "/staff",
        {
            "name": name,
            "email": f"{name.lower()}@sec.example.org",
            "language": "es",
            "roles": roles,
            "active": active,
        },
    )


def test_workshops_are_listed_newest_first_page_by_page(intake):
    first = intake.workshop(title="First workshop")
    second = intake.workshop(title="Second workshop")
    page = intake.get("/workshops?limit=1").json()
    assert page["total"] >= 2 and page["limit"] == 1 and page["offset"] == 0
    assert [w["id"] for w in page["items"]] == [second["id"]]
    following = intake.get("/workshops?limit=1&offset=1").json()
    assert [w["id"] for w in following["items"]] == [first["id"]]
    assert following["items"][0]["form"]["title"] == "First workshop"


def test_staff_are_listed_by_name_filtered_by_role_and_read_one_by_one(intake):
    ana = staff(intake, "Ana", ["coordinator"])
    staff(intake, "Bea", ["secretariat"])
    staff(intake, "Carla", ["secretariat"], active=False)
    everyone = intake.get("/staff").json()
    assert [m["name"] for m in everyone["items"]] == ["Ana", "Bea", "Carla"]
    assert "@" not in str(everyone)
    active = intake.get("/staff?active=true&role=secretariat").json()
    assert [m["name"] for m in active["items"]] == ["Bea"] and active["total"] == 1
    assert intake.get(f"/staff/{ana['id']}").json()["roles"] == ["coordinator"]
    assert intake.get("/staff/nobody").status_code == 404


def test_a_workshops_delegations_say_which_forms_they_have_not_submitted(intake):
    workshop = intake.workshop()
    bolivia = intake.delegation(workshop["id"], "Bolivia")
    brazil = intake.delegation(workshop["id"], "Brazil")
    chile = intake.delegation(workshop["id"], "Chile")
    pennat = intake.program(bolivia["id"])
    paa = intake.program(brazil["id"], title="Food Acquisition Program (PAA)")
    intake.made("POST", "/interests", intake_forms.interest(bolivia["id"], [paa["id"]]))
    intake.made("POST", f"/delegations/{chile['id']}/withdraw", None, 200)
    listed = intake.get(f"/workshops/{workshop['id']}/delegations").json()
    assert [(d["country"], d["missing"]) for d in listed["items"]] == [
        ("Bolivia", []),
        ("Brazil", ["interest"]),
        ("Chile", ["program", "interest"]),
    ]
    forms = {f["kind"]: f for f in listed["items"][0]["forms"]}
    assert forms["program"]["id"] == pennat["id"] and forms["program"]["status"] == "submitted"
    chased = intake.get(
        f"/workshops/{workshop['id']}/delegations?missing=interest&status=registered"
    ).json()
    assert [d["id"] for d in chased["items"]] == [brazil["id"]] and chased["total"] == 1
    assert intake.get("/workshops/nope/delegations").status_code == 404


def test_the_review_queue_holds_submitted_programs_nobody_reviewed(intake):
    workshop = intake.workshop()
    bolivia = intake.delegation(workshop["id"], "Bolivia")
    pennat = intake.program(bolivia["id"])
    other = intake.program(bolivia["id"], title="Another program")
    intake.made(
        "POST",
        f"/programs/{other['id']}/review",
        {"decision": "returned", "reason": "Add the achievements"},
        200,
    )
    queue = intake.get(f"/workshops/{workshop['id']}/forms?kind=program&review=pending").json()
    assert [f["id"] for f in queue["items"]] == [pennat["id"]] and queue["total"] == 1
    returned = intake.get(f"/workshops/{workshop['id']}/forms?review=returned").json()
    assert [f["review"]["reason"] for f in returned["items"]] == ["Add the achievements"]


@pytest.mark.parametrize(
    "query", ["limit=0", "limit=201", "offset=-1", "limit=many", "kind=poem", "colour=red"]
)
def test_a_bad_query_is_a_422_naming_the_parameter(intake, query):
    workshop = intake.workshop()
    response = intake.get(f"/workshops/{workshop['id']}/forms?{query}")
    assert response.status_code == 422
    assert response.json()["fields"][0]["path"] == query.split("=")[0]
