"""Delegations: registered, revised whole, withdrawn; names for everyone,
emails for notify only."""

import intake_forms
import pytest
from intake_scene import LATER, NOW, fields_of

from intake import schemas, usecases
from rueda_backbone import Conflict, Invalid, NotFound


def registration(workshop_id, **changes):
    return schemas.DelegationRegistrationForm().load(
        intake_forms.registration(workshop_id, **changes)
    )


def test_a_registration_publishes_the_delegation_then_its_contacts(scene):
    workshop = scene.workshop()
    scene.events()
    delegation = scene.delegation(workshop.id)
    assert (delegation.version, delegation.status, delegation.registered_at) == (
        1,
        "registered",
        NOW,
    )
    assert [d.is_focal_point for d in delegation.delegates] == [False, True]  # focal_point_email
    (registered, v1, public), (contacts, v2, private) = scene.events()
    assert (registered, v1, contacts, v2) == (
        "delegation_registered",
        3,
        "delegation_contacts_updated",
        2,
    )
    assert "@" not in str(public) and public["workshop_id"] == workshop.id
    assert [c["email"] for c in private["contacts"]] == [
        "ana@bolivia.example.org",
        "luis@bolivia.example.org",
    ]


def test_a_registration_for_an_unknown_workshop_names_the_field(scene):
    with pytest.raises(Invalid) as caught:
        scene.run(usecases.register_delegation, registration("nope"))
    assert fields_of(caught.value) == {"workshop_id": "no workshop is registered with this id"}


def test_a_sender_may_choose_the_id_a_delegation_is_registered_under(scene):
    workshop = scene.workshop()
    made = scene.run(
        usecases.register_delegation,
        {**registration(workshop.id), "delegation_id": "d-from-the-portal"},
    )
    assert made.id == "d-from-the-portal"


def test_a_revision_replaces_the_delegation_and_a_delegate_keeps_their_id_by_email(scene):
    workshop = scene.workshop()
    delegation = scene.delegation(workshop.id)
    ana, luis = [d.id for d in delegation.delegates]
    form = registration(workshop.id)
    form["delegates"] = [
        form["delegates"][1],
        {"name": "Eva Choque", "email": "eva@example.org", "language": "es"},
    ]
    form.pop("focal_point_email")
    scene.events()
    revised = scene.run(usecases.revise_delegation, {**form, "delegation_id": delegation.id}, LATER)
    assert (revised.version, revised.updated_at) == (2, LATER)
    assert revised.delegates[0].id == luis and ana not in {d.id for d in revised.delegates}
    assert revised.delegates[0].is_focal_point  # the first one, when none is named
    assert [(t, p["version"]) for t, _, p in scene.events()] == [
        ("delegation_registered", 2),
        ("delegation_contacts_updated", 2),
    ]


def test_a_delegation_cannot_move_to_another_workshop(scene):
    workshop, other = scene.workshop(), scene.workshop()
    delegation = scene.delegation(workshop.id)
    with pytest.raises(Invalid) as caught:
        scene.run(
            usecases.revise_delegation, {**registration(other.id), "delegation_id": delegation.id}
        )
    assert list(fields_of(caught.value)) == ["workshop_id"]


def test_a_withdrawal_is_published_once_and_a_revision_registers_it_again(scene):
    workshop = scene.workshop()
    delegation = scene.delegation(workshop.id)
    scene.events()
    withdrawn = scene.run(usecases.withdraw_delegation, {"delegation_id": delegation.id}, LATER)
    assert (withdrawn.status, withdrawn.withdrawn_at) == ("withdrawn", LATER)
    [(event_type, _, payload)] = scene.events()
    assert event_type == "delegation_withdrawn"
    assert payload == {
        "workshop_id": workshop.id,
        "delegation_id": delegation.id,
        "version": 1,
        "withdrawn_at": LATER.isoformat(),
    }
    with pytest.raises(Conflict):
        scene.run(usecases.withdraw_delegation, {"delegation_id": delegation.id})
    again = scene.run(
        usecases.revise_delegation, {**registration(workshop.id), "delegation_id": delegation.id}
    )
    assert (again.status, again.withdrawn_at, again.version) == ("registered", None, 2)


def test_a_delegation_is_found_by_its_id_or_not_at_all(scene):
    workshop = scene.workshop()
    delegation = scene.delegation(workshop.id)
    assert scene.run(usecases.get_delegation, {"delegation_id": delegation.id}) is delegation
    with pytest.raises(NotFound):
        scene.run(usecases.get_delegation, {"delegation_id": "nope"})
    with pytest.raises(NotFound):
        scene.run(usecases.withdraw_delegation, {"delegation_id": "nope"})
