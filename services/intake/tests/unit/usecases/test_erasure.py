"""Erasure: a delegate is forgotten here and the suite is told."""

import json

import pytest
from intake_scene import LATER

from intake import usecases
from rueda_backbone import NotFound


def test_an_erased_delegate_is_gone_from_the_delegation_and_its_kept_revisions(scene):
    workshop = scene.workshop()
    delegation = scene.delegation(workshop.id)
    luis = delegation.delegates[1]  # the focal point
    luis_id = luis.id
    scene.events()
    erased = scene.run(usecases.erase_delegate, {"delegate_id": luis_id}, LATER)
    assert erased == {"delegate_id": luis_id, "delegation_id": delegation.id, "erased_at": LATER}
    assert [d.name for d in delegation.delegates] == ["Ana Quispe"]
    assert delegation.delegates[0].is_focal_point and delegation.version == 2
    versions = scene.run(usecases.delegation_versions, {"delegation_id": delegation.id})
    assert "Luis" not in json.dumps([v.data for v in versions])
    events = scene.events()
    assert [t for t, _, _ in events] == [
        "delegate_erased",
        "delegation_registered",
        "delegation_contacts_updated",
    ]
    assert events[0][2] == {
        "workshop_id": workshop.id,
        "delegation_id": delegation.id,
        "delegate_id": luis_id,
        "erased_at": LATER.isoformat(),
    }
    assert "luis@" not in json.dumps(events[2][2])
    with pytest.raises(NotFound):
        scene.run(usecases.erase_delegate, {"delegate_id": luis_id})


def test_erasing_the_last_delegate_publishes_no_empty_registration(scene):
    workshop = scene.workshop()
    delegation = scene.delegation(workshop.id)
    for delegate_id in [d.id for d in delegation.delegates]:
        scene.run(usecases.erase_delegate, {"delegate_id": delegate_id})
    assert delegation.delegates == []
    assert [t for t, _, _ in scene.events()][-1] == "delegate_erased"
