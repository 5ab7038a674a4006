"""What each kind of form checks against the rest of its workshop (the form's
own fields were checked by its schema): programs, delegations and delegates
it names must exist there and be the right ones."""

from __future__ import annotations

import sqlalchemy as sa

from rueda_backbone import Conflict

from ..exceptions import invalid_fields
from ..models import Delegation, FormRecord
from . import lookup


def _submitted_programs(session, workshop_id: str) -> dict[str, FormRecord]:
    return {
        r.id: r
        for r in session.scalars(
            sa.select(FormRecord).where(
                FormRecord.kind == "program",
                FormRecord.workshop_id == workshop_id,
                FormRecord.status == "submitted",
            )
        )
    }


def _delegate_ids(delegations) -> set[str]:
    return {d.id for delegation in delegations for d in delegation.delegates}


def _own_delegates(form, name: str, delegation, errors: dict) -> None:
    if not form.get(name):
        return  # none named: no need to load the delegation's delegates
    known = _delegate_ids([delegation])
    for index, delegate_id in enumerate(form.get(name) or []):
        if delegate_id not in known:
            errors.setdefault(name, {})[index] = ["not a delegate of this delegation"]


def check_program(form, *, delegation, workshop, session, form_id):
    errors: dict = {}
    _own_delegates(form, "presenting_delegate_ids", delegation, errors)
    if errors:
        raise invalid_fields(errors)


def check_interest(form, *, delegation, workshop, session, form_id):
    errors: dict = {}
    programs = _submitted_programs(session, workshop.id)
    for index, program_id in enumerate(form["programs"]):
        program = programs.get(program_id)
        if program is None:
            errors.setdefault("programs", {})[index] = [
                "no submitted program of this workshop has this id"
            ]
        elif program.delegation_id == delegation.id:
            errors.setdefault("programs", {})[index] = [
                "a delegation cannot ask for its own program"
            ]
    _own_delegates(form, "attending_delegate_ids", delegation, errors)
    if errors:
        raise invalid_fields(errors)
    other = session.scalars(
        sa.select(FormRecord).where(
            FormRecord.kind == "interest",
            FormRecord.delegation_id == delegation.id,
            FormRecord.status == "submitted",
        )
    ).first()
    if other is not None and other.id != form_id:
        raise Conflict(
            f"this delegation already has an interest form ({other.id}); "
            f"revise it with PUT /interests/{other.id}"
        )


def check_expression(form, *, delegation, workshop, session, form_id):
    errors: dict = {}
    parties = [delegation]
    for index, supplier_id in enumerate(form.get("supplying_delegation_ids") or []):
        supplier = session.get(Delegation, supplier_id)
        if (
            supplier is None
            or supplier.workshop_id != workshop.id
            or supplier.status != "registered"
        ):
            errors.setdefault("supplying_delegation_ids", {})[index] = [
                "no delegation of this workshop has this id"
            ]
        else:
            parties.append(supplier)
    programs = _submitted_programs(session, workshop.id)
    if form.get("program_id") and form["program_id"] not in programs:
        errors["program_id"] = ["no submitted program of this workshop has this id"]
    known = _delegate_ids(parties)
    for index, delegate_id in enumerate(form.get("contact_delegate_ids") or []):
        if delegate_id not in known:
            errors.setdefault("contact_delegate_ids", {})[index] = [
                "not a delegate of the demanding or supplying delegations"
            ]
    round_ = form.get("round")
    if round_:
        grid = lookup.workshop_form(workshop)
        if round_["session"] > len(grid["sessions"]):
            errors.setdefault("round", {})["session"] = [
                f"this workshop has {len(grid['sessions'])} sessions"
            ]
        if round_["table"] > grid["tables_per_session"]:
            errors.setdefault("round", {})["table"] = [
                f"this workshop has {grid['tables_per_session']} tables per session"
            ]
        if round_["program_id"] not in programs:
            errors.setdefault("round", {})["program_id"] = [
                "no submitted program of this workshop has this id"
            ]
    if errors:
        raise invalid_fields(errors)


CHECKS = {
    "program": check_program,
    "interest": check_interest,
    "expression_of_interest": check_expression,
}
