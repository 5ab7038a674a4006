"""matching's use cases: keep its read model in step with intake."""
from __future__ import annotations

from .models import Delegation, Program


def record_delegation(event: dict, *, uow) -> Delegation:
    delegation = uow.session.get(Delegation, event["delegation_id"]) or Delegation(
        id=event["delegation_id"])
    delegation.name = event["institution"]
    delegation.country = event["country"]
    delegation.delegates = len(event["delegates"])
    delegation.registered_at = event["registered_at"]
    uow.session.add(delegation)
    return delegation


def record_program(event: dict, *, uow) -> Program:
    """Keep the latest version; an older revision arriving late changes nothing."""
    program = uow.session.get(Program, event["program_id"])
    if program is not None and program.version >= event["version"]:
        return program
    program = program or Program(id=event["program_id"])
    program.host_delegation_id = event["delegation_id"]
    program.title = event["title"]
    program.topics = event["topics"]
    program.version = event["version"]
    program.submitted_at = event["submitted_at"]
    uow.session.add(program)
    return program
