"""Archive imports: a past workshop's records come in without deadlines,
each revision kept as "imported" with the import, all or nothing."""

import intake_forms
import pytest
from intake_scene import NOW, fields_of

from intake import schemas, usecases
from intake.exceptions import DeadlinePassed
from intake.models import ArchiveImport
from rueda_backbone import Invalid


def archive(workshop_id, **changes):
    bolivia = {**intake_forms.registration(workshop_id), "delegation_id": "d-bolivia"}
    del bolivia["workshop_id"]
    bolivia["delegates"][0]["delegate_id"] = "p-ana"
    ism = {
        key: value
        for key, value in intake_forms.registration(
            workshop_id,
            "MERCOSUR",
            kind="subregional_mechanism",
            region="South America",
            institution="Instituto Social del MERCOSUR",
            acronym="ISM",
        ).items()
        if key not in ("workshop_id", "country")
    }
    ism["delegation_id"] = "d-ism"
    body = {
        "source": "Santa Marta 2012: the secretariat's tables",
        "delegations": [bolivia, ism],
        "programs": [{**intake_forms.program("d-ism"), "program_id": "p-1"}],
        "interests": [
            {
                **intake_forms.interest("d-bolivia", ["p-1"]),
                "interest_id": "i-1",
                "attending_delegate_ids": ["p-ana"],
            }
        ],
        "expressions_of_interest": [
            {
                **intake_forms.expression(
                    "d-bolivia",
                    [],
                    None,
                    topic="other",
                    other_topic="More than 1 option",
                    supplier_status="several_not_yet_named",
                    mechanism="not_yet_known",
                    focus="not_yet_known",
                    activity_types=["not_yet_known"],
                    contact_delegate_ids=["p-ana"],
                ),
                "expression_id": "e-1",
            }
        ],
    }
    body.update(changes)
    return {**schemas.ArchiveImportForm().load(body), "workshop_id": workshop_id}


@pytest.fixture
def past(scene):
    """A workshop whose deadlines all passed."""
    workshop = scene.workshop(deadline_days=-400, days_ahead=-365)
    scene.events()
    return workshop


def test_a_past_workshops_records_are_imported_past_their_deadlines(scene, past):
    with pytest.raises(DeadlinePassed):  # what a form sent today meets
        scene.program(scene.delegation(past.id, "Peru").id)
    scene.events()
    made = scene.run(usecases.import_archive, archive(past.id))
    assert made["ids"] == {
        "delegations": ["d-bolivia", "d-ism"],
        "programs": ["p-1"],
        "interests": ["i-1"],
        "expressions_of_interest": ["e-1"],
    }
    record = scene.uow.session.get(ArchiveImport, made["import"].id)
    assert (record.source, record.counts, record.imported_at, record.workshop_id) == (
        "Santa Marta 2012: the secretariat's tables",
        {"delegations": 2, "programs": 1, "interests": 1, "expressions_of_interest": 1},
        NOW,
        past.id,
    )
    assert record.origin  # who asked: the unit of work's origin
    published = [
        (t, p.get("imported")) for t, _, p in scene.events() if not t.endswith("_contacts_updated")
    ]
    assert published == [
        ("delegation_registered", True),
        ("delegation_registered", True),
        ("program_submitted", True),
        ("interest_submitted", True),
        ("expression_of_interest_submitted", True),
    ]


def test_every_imported_revision_is_kept_as_imported_with_its_import(scene, past):
    made = scene.run(usecases.import_archive, archive(past.id))
    for use_case, query in (
        (usecases.delegation_versions, {"delegation_id": "d-bolivia"}),
        (usecases.form_versions, {"kind": "expression_of_interest", "form_id": "e-1"}),
    ):
        [version] = scene.run(use_case, query)
        assert (version.action, version.import_id) == ("imported", made["import"].id)


def test_a_refused_record_refuses_the_whole_import_at_its_place(scene, past):
    body = archive(past.id)
    body["expressions_of_interest"][0]["contact_delegate_ids"] = ["nobody"]
    with pytest.raises(Invalid) as caught:
        scene.run(usecases.import_archive, body)
    assert fields_of(caught.value) == {
        "expressions_of_interest[0].contact_delegate_ids[0]": "not a delegate of the demanding or supplying delegations"
    }


def test_an_import_only_adds_records_never_overwrites_one(scene, past):
    scene.run(usecases.import_archive, archive(past.id))
    again = archive(past.id)
    again["delegations"][0]["delegation_id"] = "d-other"
    again["delegations"][0]["delegates"][0]["delegate_id"] = "p-other"
    again["delegations"] = again["delegations"][:1]
    again["programs"] = again["interests"] = again["expressions_of_interest"] = []
    again["delegations"][0]["delegates"][1]["delegate_id"] = "p-ana"
    with pytest.raises(Invalid) as caught:
        scene.run(usecases.import_archive, again)
    assert list(fields_of(caught.value)) == ["delegations[0].delegates[1].delegate_id"]


def test_a_record_may_only_name_a_delegation_of_the_imported_workshop(scene, past):
    other = scene.delegation(scene.workshop().id, "Peru")
    body = archive(past.id, delegations=[])
    body["programs"][0]["delegation_id"] = other.id
    body["interests"] = body["expressions_of_interest"] = []
    with pytest.raises(Invalid) as caught:
        scene.run(usecases.import_archive, body)
    assert fields_of(caught.value) == {
        "programs[0].delegation_id": "this delegation is not registered for this workshop"
    }
