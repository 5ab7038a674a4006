"""Archive imports: the secretariat loads a past workshop's records (its
delegations, program profiles, interest forms and expressions of interest)
so the network's history comes into the suite.

Each record goes through the same use case and checks as a form sent today,
except the deadline (the workshop is over); every revision it makes is kept
as "imported" with the import, which is itself kept: who, when, from what.
It is all or nothing: one refused record refuses the import, with the path
of that record (`expressions_of_interest[12].mechanism`)."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime

from rueda_backbone import DomainError, Invalid

from ..models import ArchiveImport, Delegate, Delegation, ErasedDelegate, FormRecord
from . import lookup
from .delegations import register
from .forms import KINDS, submit_imported

# section of the import -> (form kind, the id field its records may give)
FORM_SECTIONS = {
    "programs": ("program", "program_id"),
    "interests": ("interest", "interest_id"),
    "expressions_of_interest": ("expression_of_interest", "expression_id"),
}
SECTIONS = ("delegations", *FORM_SECTIONS)


@contextmanager
def _at(prefix: str):
    """A refusal of one record, re-told at that record's place in the import."""
    try:
        yield
    except DomainError as exc:
        fields = [
            {
                "path": f"{prefix}.{f['path']}" if f["path"] not in ("", "$") else prefix,
                "message": f["message"],
            }
            for f in exc.fields
        ]
        raise Invalid(
            "the archive was not imported: a record is refused",
            fields or [{"path": prefix, "message": exc.message}],
        ) from None


def _unused(session, model, record_id: str | None, field: str) -> None:
    if record_id and session.get(model, record_id) is not None:
        raise Invalid.field(
            field,
            "this id is already used in intake; an import only adds "
            "records (revise existing ones through their own endpoints)",
        )


def _delegation(entry: dict, *, workshop_id: str, uow, now: datetime, import_id: str):
    _unused(uow.session, Delegation, entry.get("delegation_id"), "delegation_id")
    for index, delegate in enumerate(entry["delegates"]):
        for model in (Delegate, ErasedDelegate):
            _unused(
                uow.session, model, delegate.get("delegate_id"), f"delegates[{index}].delegate_id"
            )
    return register({**entry, "workshop_id": workshop_id}, uow=uow, now=now, import_id=import_id)


def _form(
    kind: str,
    id_field: str,
    entry: dict,
    *,
    owner_field: str,
    workshop_id: str,
    uow,
    now: datetime,
    import_id: str,
):
    _unused(uow.session, FormRecord, entry.get(id_field), id_field)
    owner = lookup.delegation(uow.session, entry[owner_field], field=owner_field)
    if owner.workshop_id != workshop_id:
        raise Invalid.field(owner_field, "this delegation is not registered for this workshop")
    form = {name: value for name, value in entry.items() if name != id_field}
    return submit_imported(
        kind, form, uow=uow, now=now, import_id=import_id, create_id=entry.get(id_field)
    )


def import_archive(command: dict, *, uow, now: datetime) -> dict:
    """{"workshop_id", "source", "delegations": [...], "programs": [...],
    "interests": [...], "expressions_of_interest": [...]} (a loaded
    `ArchiveImportForm`): register and submit every record, in that order, so
    later records may name earlier ones by the ids the archive gives them."""
    workshop = lookup.workshop(uow.session, command["workshop_id"])
    record = ArchiveImport(
        id=lookup.new_id(),
        workshop_id=workshop.id,
        source=command["source"],
        origin=uow.origin,
        counts={},
        imported_at=now,
    )
    uow.session.add(record)
    made: dict[str, list[str]] = {section: [] for section in SECTIONS}
    for index, entry in enumerate(command.get("delegations") or []):
        with _at(f"delegations[{index}]"):
            made["delegations"].append(
                _delegation(
                    entry, workshop_id=workshop.id, uow=uow, now=now, import_id=record.id
                ).id
            )
    for section, (kind, id_field) in FORM_SECTIONS.items():
        for index, entry in enumerate(command.get(section) or []):
            with _at(f"{section}[{index}]"):
                made[section].append(
                    _form(
                        kind,
                        id_field,
                        entry,
                        owner_field=KINDS[kind]["owner"],
                        workshop_id=workshop.id,
                        uow=uow,
                        now=now,
                        import_id=record.id,
                    ).id
                )
    record.counts = {section: len(ids) for section, ids in made.items()}
    return {"import": record, "ids": made}
