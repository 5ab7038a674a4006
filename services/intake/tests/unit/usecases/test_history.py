"""Every revision and withdrawal is kept, with the time it happened."""

import intake_forms
import pytest
from intake_scene import LATER, NOW

from intake import schemas, usecases
from rueda_backbone import NotFound


def test_a_forms_versions_are_every_submission_and_withdrawal_in_order(scene):
    delegation = scene.delegation(scene.workshop().id)
    program = scene.program(delegation.id)
    scene.run(usecases.withdraw_form, {"kind": "program", "form_id": program.id}, LATER)
    versions = scene.run(usecases.form_versions, {"kind": "program", "form_id": program.id})
    assert [(v.version, v.action, v.recorded_at) for v in versions] == [
        (1, "submitted", NOW),
        (1, "withdrawn", LATER),
    ]
    assert versions[0].data["title"] == intake_forms.program("x")["title"]
    with pytest.raises(NotFound):
        scene.run(usecases.form_versions, {"kind": "interest", "form_id": program.id})


def test_a_registrations_versions_hold_each_revision_as_published(scene):
    workshop = scene.workshop()
    delegation = scene.delegation(workshop.id)
    scene.run(
        usecases.revise_delegation,
        {
            "delegation_id": delegation.id,
            **schemas.DelegationRegistrationForm().load(intake_forms.registration(workshop.id)),
        },
        LATER,
    )
    versions = scene.run(usecases.delegation_versions, {"delegation_id": delegation.id})
    assert [(v.version, v.action, v.recorded_at) for v in versions] == [
        (1, "submitted", NOW),
        (2, "submitted", LATER),
    ]
    assert versions[1].data["version"] == 2 and "delegates" in versions[1].data
    with pytest.raises(NotFound):
        scene.run(usecases.delegation_versions, {"delegation_id": "nope"})
