"""Real records in the forms: who sits where (each delegate's languages and
sessions, a program's presenters), regions instead of countries, topics
outside the vocabulary, suppliers not yet named, what is not yet known; and
what the events carry of it (delegation_registered v3, program_submitted v3,
interest_submitted v2, expression_of_interest_submitted v2)."""

import intake_forms
import pytest
from intake_scene import fields_of

from intake import schemas, usecases
from intake.models import Delegation
from rueda_backbone import Invalid


def registration(workshop_id, **changes):
    return schemas.DelegationRegistrationForm().load(
        intake_forms.registration(workshop_id, **changes)
    )


def regional(workshop_id, **changes):
    form = intake_forms.registration(
        workshop_id,
        "MERCOSUR",
        kind="subregional_mechanism",
        region="South America",
        institution="Instituto Social del MERCOSUR",
        acronym="ISM",
        **changes,
    )
    del form["country"]
    return schemas.DelegationRegistrationForm().load(form)


@pytest.fixture
def workshop(scene):
    made = scene.workshop()
    scene.events()
    return made


def test_each_delegate_says_the_sessions_they_are_present_at_and_the_languages_they_speak(
    scene, workshop
):
    delegates = intake_forms.registration(workshop.id)["delegates"]
    delegates[0].update(languages=["es", "pt"], sessions=[1, 2])
    delegation = scene.run(
        usecases.register_delegation, registration(workshop.id, delegates=delegates)
    )
    (registered, version, payload), _contacts = scene.events()
    assert (registered, version) == ("delegation_registered", 3)
    ana, luis = payload["delegates"]
    assert (ana["languages"], ana["sessions"]) == (["es", "pt"], [1, 2])
    # nothing said: every session, and only the language they are written to in
    assert (luis["languages"], luis["sessions"]) == (["en"], None)
    assert [d.sessions for d in delegation.delegates] == [[1, 2], None]


def test_a_session_outside_the_workshops_grid_is_refused_at_its_place(scene, workshop):
    delegates = intake_forms.registration(workshop.id)["delegates"]
    delegates[1]["sessions"] = [1, 5]
    with pytest.raises(Invalid) as caught:
        scene.run(usecases.register_delegation, registration(workshop.id, delegates=delegates))
    assert fields_of(caught.value) == {
        "delegates[1].sessions[1]": "this workshop has 4 sessions (1 to 4)"
    }


def test_a_revision_is_checked_against_the_grid_too(scene, workshop):
    delegation = scene.delegation(workshop.id)
    delegates = intake_forms.registration(workshop.id)["delegates"]
    delegates[0]["sessions"] = [9]
    with pytest.raises(Invalid) as caught:
        scene.run(
            usecases.revise_delegation,
            {**registration(workshop.id, delegates=delegates), "delegation_id": delegation.id},
        )
    assert set(fields_of(caught.value)) == {"delegates[0].sessions[0]"}


def test_a_subregional_mechanism_gives_a_region_and_is_not_counted_as_a_country(scene, workshop):
    delegation = scene.run(usecases.register_delegation, regional(workshop.id))
    assert (delegation.country_of_its_own, delegation.region) == (None, "South America")
    assert schemas.DelegationView().dump(delegation)["country"] is None
    (_, version, payload), _contacts = scene.events()
    # readers of v1 and v2 still find a place name; v3 readers see it is a region
    assert (version, payload["region"], payload["country"]) == (3, "South America", "South America")
    program = scene.program(delegation.id)
    [(_, version, published)] = scene.events()
    assert (version, published["region"], published["country"]) == (
        3,
        "South America",
        "South America",
    )
    assert program.data["country"] is None


def test_a_program_names_its_presenting_delegates_among_its_own_delegation(scene, workshop):
    bolivia = scene.delegation(workshop.id)
    peru = scene.delegation(workshop.id, "Peru")
    scene.events()
    scene.program(bolivia.id, presenting_delegate_ids=[bolivia.delegates[1].id])
    [(_, _, payload)] = scene.events()
    assert payload["presenting_delegate_ids"] == [bolivia.delegates[1].id]
    with pytest.raises(Invalid) as caught:
        scene.program(bolivia.id, presenting_delegate_ids=[peru.delegates[0].id])
    assert fields_of(caught.value) == {
        "presenting_delegate_ids[0]": "not a delegate of this delegation"
    }


def test_a_program_without_presenters_says_none_are_named_yet(scene, workshop):
    bolivia = scene.delegation(workshop.id)
    scene.events()
    scene.program(bolivia.id)
    [(_, _, payload)] = scene.events()
    assert (payload["presenting_delegate_ids"], payload["other_topic"], payload["imported"]) == (
        [],
        None,
        False,
    )


def test_a_topic_outside_the_vocabulary_travels_with_its_label(scene, workshop):
    bolivia = scene.delegation(workshop.id)
    peru = scene.delegation(workshop.id, "Peru")
    program = scene.program(peru.id, topics=["other"], other_topic="More than 1 option")
    scene.events()
    scene.interest(bolivia.id, [program.id], topics=["other"], other_topic="Care of the elderly")
    scene.expression(bolivia.id, [], None, topic="other", other_topic="More than 1 option")
    (interest, v_interest, wanted), (expression, v_expression, signed) = scene.events()
    assert (interest, v_interest, wanted["topics"], wanted["other_topic"]) == (
        "interest_submitted",
        2,
        ["other"],
        "Care of the elderly",
    )
    assert (expression, v_expression, signed["topic"], signed["other_topic"]) == (
        "expression_of_interest_submitted",
        2,
        "other",
        "More than 1 option",
    )


def test_several_suppliers_not_yet_named_is_not_the_same_as_not_yet_defined(scene, workshop):
    bolivia = scene.delegation(workshop.id)
    peru = scene.delegation(workshop.id, "Peru")
    program = scene.program(peru.id)
    scene.events()
    scene.expression(bolivia.id, [], program.id, supplier_status="several_not_yet_named")
    scene.expression(bolivia.id, [], program.id)
    scene.expression(bolivia.id, [peru.id], program.id)
    statuses = [(p["supplier_status"], p["supplying_delegation_ids"]) for _, _, p in scene.events()]
    assert statuses == [
        ("several_not_yet_named", []),
        ("not_yet_defined", []),
        ("named", [peru.id]),
    ]


def test_activity_types_mechanism_and_focus_may_be_not_yet_known(scene, workshop):
    bolivia = scene.delegation(workshop.id)
    peru = scene.delegation(workshop.id, "Peru")
    program = scene.program(peru.id)
    scene.events()
    scene.expression(
        bolivia.id,
        [peru.id],
        program.id,
        activity_types=["not_yet_known"],
        mechanism="not_yet_known",
        focus="not_yet_known",
    )
    [(_, _, payload)] = scene.events()
    assert (payload["activity_types"], payload["mechanism"], payload["focus"]) == (
        ["not_yet_known"],
        "not_yet_known",
        "not_yet_known",
    )


def test_a_delegation_registered_before_0004_still_reads_as_one_language_and_every_session(
    scene, workshop
):
    delegation = scene.delegation(workshop.id)
    for delegate in delegation.delegates:
        delegate.languages = None
    scene.uow.session.flush()
    found = scene.uow.session.get(Delegation, delegation.id)
    assert [schemas.DelegateView().dump(d)["languages"] for d in found.delegates] == [
        ["es"],
        ["en"],
    ]
