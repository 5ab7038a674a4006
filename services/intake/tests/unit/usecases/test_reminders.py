"""Reminding delegations that have not submitted: who is reminded of what,
with which deadline, and who is not and why."""

from datetime import timedelta

import pytest
from intake_scene import NOW, fields_of

from intake import schemas, usecases
from rueda_backbone import Invalid, NotFound

DEADLINE = NOW + timedelta(days=30)  # intake_forms.workshop's deadlines


@pytest.fixture
def three(scene):
    """Bolivia submitted a program, Chile nothing, Peru withdrew."""
    workshop = scene.workshop()
    bolivia, chile, peru = (
        scene.delegation(workshop.id, country) for country in ("Bolivia", "Chile", "Peru")
    )
    scene.program(bolivia.id)
    scene.run(usecases.withdraw_delegation, {"delegation_id": peru.id})
    scene.events()
    return workshop, bolivia, chile, peru


def test_every_registered_delegation_that_has_not_submitted_is_reminded_once(scene, three):
    workshop, bolivia, chile, _ = three
    answer = scene.run(
        usecases.request_reminders,
        {"workshop_id": workshop.id, "form": None, "delegation_ids": None},
    )
    assert answer == {
        "workshop_id": workshop.id,
        "not_reminded": [],
        "reminded": [
            {"delegation_id": bolivia.id, "missing": [{"form": "interest", "deadline": DEADLINE}]},
            {
                "delegation_id": chile.id,
                "missing": [
                    {"form": "program", "deadline": DEADLINE},
                    {"form": "interest", "deadline": DEADLINE},
                ],
            },
        ],
    }
    events = scene.events()
    assert [(t, v) for t, v, _ in events] == [("submission_reminder_requested", 1)] * 2
    assert events[1][2] == {
        "workshop_id": workshop.id,
        "delegation_id": chile.id,
        "missing": [
            {"form": "program", "deadline": DEADLINE.isoformat()},
            {"form": "interest", "deadline": DEADLINE.isoformat()},
        ],
        "requested_by": "internal",
        "requested_at": NOW.isoformat(),
    }


def test_only_the_form_asked_and_the_delegations_named_are_reminded(scene, three):
    workshop, bolivia, chile, _ = three
    answer = scene.run(
        usecases.request_reminders,
        {"workshop_id": workshop.id, "form": "program", "delegation_ids": [bolivia.id, chile.id]},
    )
    assert answer["reminded"] == [
        {"delegation_id": chile.id, "missing": [{"form": "program", "deadline": DEADLINE}]}
    ]
    assert answer["not_reminded"] == [{"delegation_id": bolivia.id, "reason": "submitted"}]
    assert [p["delegation_id"] for _, _, p in scene.events()] == [chile.id]


def test_after_the_deadline_only_a_late_window_makes_a_reminder(scene, three):
    workshop, bolivia, chile, _ = three
    late = DEADLINE + timedelta(days=1)
    window = schemas.LateWindowForm().load(
        {
            "delegation_id": chile.id,
            "form": "programs",
            "until": (late + timedelta(days=2)).isoformat(),
        }
    )
    scene.run(usecases.grant_late_window, {**window, "workshop_id": workshop.id})
    scene.events()
    answer = scene.run(
        usecases.request_reminders,
        {"workshop_id": workshop.id, "delegation_ids": [bolivia.id, chile.id]},
        late,
    )
    assert answer["reminded"] == [
        {
            "delegation_id": chile.id,
            "missing": [{"form": "program", "deadline": late + timedelta(days=2)}],
        }
    ]
    assert answer["not_reminded"] == [{"delegation_id": bolivia.id, "reason": "deadline_passed"}]


def test_an_unknown_or_withdrawn_delegation_is_refused_at_its_place(scene, three):
    workshop, _, chile, peru = three
    other = scene.delegation(scene.workshop().id, "Ecuador")
    for named, message in (
        (peru.id, "this delegation withdrew from the workshop"),
        (other.id, "no delegation of this workshop is registered with this id"),
        ("nope", "no delegation of this workshop is registered with this id"),
    ):
        with pytest.raises(Invalid) as caught:
            scene.run(
                usecases.request_reminders,
                {"workshop_id": workshop.id, "delegation_ids": [chile.id, named]},
            )
        assert fields_of(caught.value) == {"delegation_ids[1]": message}
    with pytest.raises(NotFound):
        scene.run(usecases.request_reminders, {"workshop_id": "nope"})


def test_the_request_form_refuses_repeats_and_unknown_forms():
    form = schemas.ReminderForm()
    assert form.load({}) == {"form": None, "delegation_ids": None}
    assert "delegation_ids" in form.validate({"delegation_ids": ["a", "a"]})
    assert "form" in form.validate({"form": "expression_of_interest"})
    assert "delegation_ids" in form.validate({"delegation_ids": []})
