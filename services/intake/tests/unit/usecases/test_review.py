"""The secretariat's review of a program profile."""

import pytest
from intake_scene import LATER

from intake import usecases
from rueda_backbone import Conflict, NotFound


@pytest.fixture
def program(scene):
    delegation = scene.delegation(scene.workshop().id)
    program = scene.program(delegation.id)
    scene.events()
    return program


def test_a_returned_program_carries_the_reason_and_an_accepted_one_none(scene, program):
    returned = scene.run(
        usecases.review_program,
        {"program_id": program.id, "decision": "returned", "reason": "Add more"},
        LATER,
    )
    assert returned.review == {
        "decision": "returned",
        "reason": "Add more",
        "version": 1,
        "reviewed_at": LATER.isoformat(),
        "reviewed_by": "internal",
    }
    scene.run(
        usecases.review_program,
        {
            "program_id": program.id,
            "decision": "accepted",
            "reason": "ignored when accepted",
            "version": 1,
        },
    )
    assert [(p["decision"], p["reason"]) for _, _, p in scene.events()] == [
        ("returned", "Add more"),
        ("accepted", None),
    ]


def test_a_review_of_a_stale_revision_is_refused_at_its_version(scene, program):
    with pytest.raises(Conflict) as caught:
        scene.run(
            usecases.review_program,
            {"program_id": program.id, "decision": "accepted", "version": 2},
        )
    assert caught.value.fields == [{"path": "version", "message": "a newer revision was submitted"}]


def test_only_a_submitted_program_is_reviewed(scene, program):
    scene.run(usecases.withdraw_form, {"kind": "program", "form_id": program.id})
    with pytest.raises(Conflict):
        scene.run(usecases.review_program, {"program_id": program.id, "decision": "accepted"})
    with pytest.raises(NotFound):
        scene.run(usecases.review_program, {"program_id": "nope", "decision": "accepted"})
