"""Forms other systems publish as events, read by `inbound.CONSUMES` and
taken by the same use cases as HTTP ones; a refusal is a domain error the
backbone parks with its reason."""

import uuid

import intake_forms
import pytest
from intake_scene import LATER, NOW

from intake import inbound, usecases
from rueda_backbone import DomainError, Envelope, Event


def read(event_type: str, payload: dict) -> dict:
    """The message a use case gets: the payload through its row's reader."""
    envelope = Envelope.wrap(Event(event_type, payload), producer="portal")
    return inbound.CONSUMES.read(envelope)


def test_every_form_event_has_one_row_with_its_use_case():
    assert {(row.producer, row.event_type, row.use_case) for row in inbound.CONSUMES} == {
        ("portal", "delegation_form_submitted", usecases.accept_delegation_form),
        ("portal", "program_form_submitted", usecases.accept_program_form),
        ("portal", "interest_form_submitted", usecases.accept_interest_form),
        (
            "portal",
            "expression_of_interest_form_submitted",
            usecases.accept_expression_of_interest_form,
        ),
    }


def test_a_published_registration_registers_under_the_senders_id_then_revises(scene):
    workshop = scene.workshop()
    sender_id = str(uuid.uuid4())
    message = read(
        "delegation_form_submitted",
        {
            "delegation_id": sender_id,
            **intake_forms.registration(workshop.id),
            "from_the_portal": "ignored",
        },
    )
    made = usecases.accept_delegation_form(message, uow=scene.uow, now=NOW)
    assert (made.id, made.version, made.registered_at) == (sender_id, 1, NOW)
    again = usecases.accept_delegation_form(message, uow=scene.uow, now=LATER)
    assert (again.id, again.version, again.updated_at) == (sender_id, 2, LATER)


def test_a_published_program_is_submitted_under_the_senders_id_then_revised(scene):
    delegation = scene.delegation(scene.workshop().id)
    sender_id = str(uuid.uuid4())
    first = usecases.accept_program_form(
        read(
            "program_form_submitted",
            {"program_id": sender_id, **intake_forms.program(delegation.id)},
        ),
        uow=scene.uow,
        now=NOW,
    )
    revised = usecases.accept_program_form(
        read(
            "program_form_submitted",
            {"program_id": sender_id, **intake_forms.program(delegation.id, title="PENNAT II")},
        ),
        uow=scene.uow,
        now=LATER,
    )
    assert (first.id, revised.id, revised.version, revised.title) == (
        sender_id,
        sender_id,
        2,
        "PENNAT II",
    )
    anonymous = usecases.accept_program_form(
        read("program_form_submitted", intake_forms.program(delegation.id)), uow=scene.uow, now=NOW
    )
    assert anonymous.id not in (sender_id, None)


def test_a_published_interest_and_expression_of_interest_are_submitted(scene):
    workshop = scene.workshop()
    bolivia, brazil = scene.delegation(workshop.id), scene.delegation(workshop.id, "Brazil")
    paa = scene.program(brazil.id, title="PAA")
    interest_id, expression_id = str(uuid.uuid4()), str(uuid.uuid4())
    interest = usecases.accept_interest_form(
        read(
            "interest_form_submitted",
            {"interest_id": interest_id, **intake_forms.interest(bolivia.id, [paa.id])},
        ),
        uow=scene.uow,
        now=NOW,
    )
    expression = usecases.accept_expression_of_interest_form(
        read(
            "expression_of_interest_form_submitted",
            {
                "expression_id": expression_id,
                **intake_forms.expression(bolivia.id, [brazil.id], paa.id),
            },
        ),
        uow=scene.uow,
        now=NOW,
    )
    assert (interest.id, interest.kind, interest.version) == (interest_id, "interest", 1)
    assert (expression.id, expression.kind) == (expression_id, "expression_of_interest")
    revised = usecases.accept_interest_form(
        read(
            "interest_form_submitted",
            {"interest_id": interest_id, **intake_forms.interest(bolivia.id, [paa.id])},
        ),
        uow=scene.uow,
        now=LATER,
    )
    assert revised.version == 2


def test_a_late_published_form_is_refused_with_a_reason_to_park(scene):
    delegation = scene.delegation(scene.workshop(deadline_days=-1).id)
    with pytest.raises(DomainError) as caught:
        usecases.accept_program_form(
            read("program_form_submitted", intake_forms.program(delegation.id)),
            uow=scene.uow,
            now=NOW,
        )
    assert caught.value.describe().startswith("deadline_passed: the deadline for programs")


def test_a_published_form_for_an_unknown_delegation_is_refused_at_its_field(scene):
    with pytest.raises(DomainError) as caught:
        usecases.accept_program_form(
            read("program_form_submitted", intake_forms.program("nope")), uow=scene.uow, now=NOW
        )
    assert caught.value.describe() == (
        "invalid: some fields are invalid (delegation_id: no delegation is registered with this id)"
    )
