"""Staff: registered and revised; the email goes only to notify's event."""

import pytest
from intake_scene import LATER, NOW

from intake import schemas, usecases
from rueda_backbone import NotFound

MARIA = {
    "name": "María Fernández",
    "email": "mf@example.org",
    "language": "es",
    "roles": ["secretariat", "coordinator"],
}


def test_a_staff_member_is_published_twice_and_only_notify_gets_the_email(scene):
    staff = scene.run(usecases.register_staff, schemas.StaffForm().load(MARIA))
    assert (staff.version, staff.active, staff.created_at) == (1, True, NOW)
    (member, _, public), (contacts, _, private) = scene.events()
    assert (member, contacts) == ("staff_member_registered", "staff_contacts_updated")
    assert "email" not in public and private["email"] == "mf@example.org"
    assert public["staff_id"] == private["staff_id"] == staff.id


def test_a_revision_replaces_the_member_with_the_next_version(scene):
    staff = scene.run(usecases.register_staff, schemas.StaffForm().load(MARIA))
    scene.events()
    form = schemas.StaffForm().load({**MARIA, "roles": ["secretariat"], "active": False})
    revised = scene.run(usecases.revise_staff, {**form, "staff_id": staff.id}, LATER)
    assert (revised.version, revised.roles, revised.active, revised.updated_at) == (
        2,
        ["secretariat"],
        False,
        LATER,
    )
    assert [(t, p["version"], p["active"]) for t, _, p in scene.events()] == [
        ("staff_member_registered", 2, False),
        ("staff_contacts_updated", 2, False),
    ]


def test_revising_an_unknown_staff_member_is_not_found(scene):
    with pytest.raises(NotFound):
        scene.run(usecases.revise_staff, {**schemas.StaffForm().load(MARIA), "staff_id": "nope"})
