"""A delegation's forms through their use cases: drafts, submissions,
revisions, withdrawals, the deadline and the checks against the workshop."""

from datetime import timedelta

import intake_forms
import pytest
from intake_scene import LATER, NOW, fields_of

from intake import schemas, usecases
from intake.exceptions import DeadlinePassed
from rueda_backbone import Conflict, DomainError, Invalid, NotFound


@pytest.fixture
def bolivia(scene):
    workshop = scene.workshop()
    delegation = scene.delegation(workshop.id)
    scene.events()
    return delegation


def program_form(delegation_id, **changes):
    return schemas.ProgramProfileForm().load(intake_forms.program(delegation_id, **changes))


def test_a_program_profile_is_published_with_what_the_receipt_asks_for(scene, bolivia):
    program = scene.run(
        usecases.submit_form,
        {
            "kind": "program",
            **schemas.ProgramProfileForm().load(
                {"delegation_id": bolivia.id, "title": "Qali Warma", "topics": ["food_security"]}
            ),
        },
    )
    assert (program.status, program.version, program.submitted_at) == ("submitted", 1, NOW)
    assert program.data["country"] == "Bolivia"  # the delegation's, when the form has none
    [(event_type, version, payload)] = scene.events()
    assert (event_type, version) == ("program_submitted", 3)
    assert payload["missing_fields"] == [
        "areas_of_influence",
        "target_populations",
        "statuses",
        "starts_on",
        "objectives",
        "achievements",
        "exchange_methods",
    ]
    assert (
        payload["submitted_at"] == NOW.isoformat() and payload["workshop_id"] == bolivia.workshop_id
    )


def test_a_form_after_its_deadline_is_refused_unless_a_late_window_is_open(scene):
    workshop = scene.workshop(deadline_days=-1)
    delegation = scene.delegation(workshop.id)
    with pytest.raises(DeadlinePassed) as caught:
        scene.program(delegation.id)
    assert caught.value.code == "deadline_passed"
    assert isinstance(caught.value, DomainError) and "late window" in caught.value.message
    scene.run(
        usecases.grant_late_window,
        {
            "workshop_id": workshop.id,
            "delegation_id": delegation.id,
            "form": "programs",
            "until": LATER,
        },
    )
    assert scene.program(delegation.id).version == 1
    with pytest.raises(DeadlinePassed):  # the window closed
        scene.program(delegation.id, now=LATER + timedelta(seconds=1))


def test_a_withdrawn_delegation_submits_no_more_forms(scene, bolivia):
    scene.run(usecases.withdraw_delegation, {"delegation_id": bolivia.id})
    with pytest.raises(Invalid) as caught:
        scene.program(bolivia.id)
    assert fields_of(caught.value) == {
        "delegation_id": "this delegation withdrew from the workshop"
    }


def test_a_revision_is_the_next_version_and_clears_the_review(scene, bolivia):
    program = scene.program(bolivia.id)
    scene.run(usecases.review_program, {"program_id": program.id, "decision": "accepted"})
    scene.events()
    revised = scene.run(
        usecases.revise_form,
        {"kind": "program", "form_id": program.id, **program_form(bolivia.id, title="PENNAT II")},
        LATER,
    )
    assert (revised.version, revised.title, revised.review, revised.submitted_at) == (
        2,
        "PENNAT II",
        None,
        LATER,
    )
    [(_, _, payload)] = scene.events()
    assert (payload["version"], payload["title"]) == (2, "PENNAT II")


def test_a_form_cannot_change_hands_nor_be_revised_as_another_kind(scene, bolivia):
    brazil = scene.delegation(bolivia.workshop_id, "Brazil")
    program = scene.program(bolivia.id)
    with pytest.raises(Invalid) as caught:
        scene.run(
            usecases.revise_form,
            {"kind": "program", "form_id": program.id, **program_form(brazil.id)},
        )
    assert fields_of(caught.value) == {"delegation_id": "a form cannot change hands"}
    with pytest.raises(NotFound):
        scene.run(
            usecases.revise_form,
            {"kind": "interest", "form_id": program.id, **intake_forms.interest(bolivia.id, [])},
        )


def test_a_draft_says_whose_it_is_and_is_checked_in_full_only_when_submitted(scene, bolivia):
    with pytest.raises(Invalid) as caught:
        scene.run(usecases.save_draft, {"kind": "program", "title": "PENNAT"})
    assert list(fields_of(caught.value)) == ["delegation_id"]
    draft = scene.run(
        usecases.save_draft, {"kind": "program", "delegation_id": bolivia.id, "title": "PENNAT"}
    )
    assert (draft.status, draft.version, draft.data, draft.draft) == (
        "draft",
        0,
        None,
        {"delegation_id": bolivia.id, "title": "PENNAT"},
    )
    with pytest.raises(Invalid) as caught:
        scene.run(usecases.submit_draft, {"kind": "program", "form_id": draft.id})
    assert fields_of(caught.value) == {"topics": "Missing data for required field."}
    scene.run(
        usecases.save_draft,
        {"kind": "program", "form_id": draft.id, **program_form(bolivia.id)},
        LATER,
    )
    assert draft.updated_at == LATER
    submitted = scene.run(usecases.submit_draft, {"kind": "program", "form_id": draft.id})
    assert (submitted.status, submitted.version, submitted.draft) == ("submitted", 1, None)
    assert [t for t, _, _ in scene.events()] == ["program_submitted"]
    with pytest.raises(Conflict):
        scene.run(usecases.submit_draft, {"kind": "program", "form_id": draft.id})


def test_a_draft_cannot_change_hands(scene, bolivia):
    brazil = scene.delegation(bolivia.workshop_id, "Brazil")
    draft = scene.run(usecases.save_draft, {"kind": "program", "delegation_id": bolivia.id})
    with pytest.raises(Invalid):
        scene.run(
            usecases.save_draft,
            {"kind": "program", "form_id": draft.id, "delegation_id": brazil.id},
        )
    with pytest.raises(Invalid):
        scene.run(usecases.save_draft, {"kind": "program", "delegation_id": "nope"})


def test_a_withdrawal_is_published_at_the_current_version_and_only_once(scene, bolivia):
    program = scene.program(bolivia.id)
    scene.events()
    withdrawn = scene.run(usecases.withdraw_form, {"kind": "program", "form_id": program.id}, LATER)
    assert (withdrawn.status, withdrawn.withdrawn_at) == ("withdrawn", LATER)
    [(event_type, _, payload)] = scene.events()
    assert (event_type, payload["program_id"], payload["version"]) == (
        "program_withdrawn",
        program.id,
        1,
    )
    with pytest.raises(Conflict):
        scene.run(usecases.withdraw_form, {"kind": "program", "form_id": program.id})
    reopened = scene.run(
        usecases.revise_form, {"kind": "program", "form_id": program.id, **program_form(bolivia.id)}
    )
    assert (reopened.status, reopened.version, reopened.withdrawn_at) == ("submitted", 2, None)


def test_an_interest_names_programs_of_others_in_its_workshop_and_comes_once(scene, bolivia):
    brazil = scene.delegation(bolivia.workshop_id, "Brazil")
    own, paa = scene.program(bolivia.id), scene.program(brazil.id, title="PAA")
    with pytest.raises(Invalid) as caught:
        scene.interest(
            bolivia.id, [paa.id, own.id, "unknown"], attending_delegate_ids=[brazil.delegates[0].id]
        )
    assert fields_of(caught.value) == {
        "programs[1]": "a delegation cannot ask for its own program",
        "programs[2]": "no submitted program of this workshop has this id",
        "attending_delegate_ids[0]": "not a delegate of this delegation",
    }
    scene.events()
    interest = scene.interest(
        bolivia.id, [paa.id], attending_delegate_ids=[bolivia.delegates[0].id]
    )
    [(event_type, _, payload)] = scene.events()
    assert event_type == "interest_submitted" and payload["programs"] == [paa.id]
    with pytest.raises(Conflict, match=interest.id):
        scene.interest(bolivia.id, [paa.id])
    # its own revision is no second form
    assert (
        scene.run(
            usecases.revise_form,
            {
                "kind": "interest",
                "form_id": interest.id,
                **schemas.InterestForm().load(intake_forms.interest(bolivia.id, [paa.id])),
            },
        ).version
        == 2
    )


def test_an_expression_of_interest_is_checked_against_the_parties_and_the_grid(scene, bolivia):
    brazil = scene.delegation(bolivia.workshop_id, "Brazil")
    stranger = scene.delegation(scene.workshop().id, "Peru")
    paa = scene.program(brazil.id, title="PAA")
    with pytest.raises(Invalid) as caught:
        scene.expression(
            bolivia.id,
            [stranger.id],
            "unknown",
            contact_delegate_ids=[stranger.delegates[0].id],
            round={"session": 9, "table": 9, "program_id": "unknown"},
        )
    assert set(fields_of(caught.value)) == {
        "supplying_delegation_ids[0]",
        "program_id",
        "contact_delegate_ids[0]",
        "round.session",
        "round.table",
        "round.program_id",
    }
    scene.events()
    expression = scene.expression(
        bolivia.id,
        [brazil.id],
        paa.id,
        contact_delegate_ids=[brazil.delegates[0].id],
        round={"session": 1, "table": 2, "program_id": paa.id},
    )
    [(event_type, _, payload)] = scene.events()
    assert event_type == "expression_of_interest_submitted"
    assert payload["round"] == {"session": 1, "table": 2, "program_id": paa.id}
    assert expression.delegation_id == bolivia.id  # the demanding delegation owns it
    scene.run(usecases.withdraw_form, {"kind": "expression_of_interest", "form_id": expression.id})
    [(_, _, withdrawn)] = scene.events()
    assert "delegation_id" not in withdrawn and withdrawn["expression_id"] == expression.id


def test_a_form_is_found_by_its_kind_and_id(scene, bolivia):
    program = scene.program(bolivia.id)
    assert scene.run(usecases.get_form, {"kind": "program", "form_id": program.id}) is program
    with pytest.raises(NotFound):
        scene.run(usecases.get_form, {"kind": "interest", "form_id": program.id})


def test_a_workshop_lists_its_submitted_programs_in_the_order_they_came(scene, bolivia):
    brazil = scene.delegation(bolivia.workshop_id, "Brazil")
    first = scene.program(bolivia.id)
    second = scene.program(brazil.id, now=LATER)
    withdrawn = scene.program(brazil.id, title="Withdrawn one")
    scene.run(usecases.withdraw_form, {"kind": "program", "form_id": withdrawn.id})
    scene.run(usecases.save_draft, {"kind": "program", "delegation_id": bolivia.id})
    listed = scene.run(usecases.workshop_programs, {"workshop_id": bolivia.workshop_id})
    assert [p.id for p in listed] == [first.id, second.id]
    with pytest.raises(NotFound):
        scene.run(usecases.workshop_programs, {"workshop_id": "nope"})
