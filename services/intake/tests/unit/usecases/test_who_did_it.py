"""Every change made from the console is recorded as made by the signed-in
person (`uow.actor`, set by the backbone from X-Rueda-Staff-* of a key with
intake:act-for-staff); without one, by the request's origin."""

import sqlalchemy as sa
from intake_forms import workshop as workshop_form
from intake_scene import LATER

from intake import schemas, usecases
from intake.models import FormVersion
from rueda_backbone.outbox import StaffActor

ROSE = StaffActor("8c1f-rose", "Rose Coordinator")


def versions(uow, subject_id):
    return [
        (v.kind, v.version, v.action, v.changed_by)
        for v in uow.session.scalars(
            sa.select(FormVersion)
            .where(FormVersion.subject_id == subject_id)
            .order_by(FormVersion.id)
        )
    ]


def test_a_review_from_the_console_names_the_person(scene, uow):
    delegation = scene.delegation(scene.workshop().id)
    program = scene.program(delegation.id)
    uow.actor = ROSE
    reviewed = scene.run(
        usecases.review_program,
        {"program_id": program.id, "decision": "returned", "reason": "More"},
        LATER,
    )
    assert reviewed.review["reviewed_by"] == "staff:8c1f-rose (Rose Coordinator)"


def test_form_versions_name_who_submitted_and_who_withdrew(scene, uow):
    uow.origin = "http:portal@10.0.0.9"
    delegation = scene.delegation(scene.workshop().id)
    program = scene.program(delegation.id)
    uow.actor = ROSE
    scene.run(usecases.withdraw_form, {"kind": "program", "form_id": program.id})
    assert versions(uow, program.id) == [
        ("program", 1, "submitted", "http:portal@10.0.0.9"),
        ("program", 1, "withdrawn", "staff:8c1f-rose (Rose Coordinator)"),
    ]
    assert versions(uow, delegation.id)[0][3] == "http:portal@10.0.0.9"


def test_every_workshop_revision_is_kept_with_who_made_it(scene, uow):
    uow.origin = "http:console@10.0.0.5"
    workshop = scene.workshop()
    assert workshop.updated_by == "http:console@10.0.0.5"
    uow.actor = ROSE
    revised = scene.run(
        usecases.revise_workshop,
        {
            "workshop_id": workshop.id,
            **schemas.WorkshopForm().load(workshop_form(now=LATER, title="Santa Marta II")),
        },
    )
    assert revised.updated_by == "staff:8c1f-rose (Rose Coordinator)"
    assert versions(uow, workshop.id) == [
        ("workshop", 1, "created", "http:console@10.0.0.5"),
        ("workshop", 2, "revised", "staff:8c1f-rose (Rose Coordinator)"),
    ]
