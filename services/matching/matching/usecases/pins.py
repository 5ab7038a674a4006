"""Staff's pins: a program kept in a session (and at a table) by every later
computation and re-plan until it is unpinned."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from rueda_backbone import NotFound

from ..exceptions import PinDoesNotFit
from ..models import Pin, Program
from .lookups import known_workshop


def pin_program(command: dict, *, uow, now: datetime) -> dict:
    """Pin (or move the pin of) `program_id` to `session` and, optionally, `table`."""
    workshop_id, program_id = command["workshop_id"], command["program_id"]
    session, table = command["session"], command.get("table")
    workshop = known_workshop(uow, workshop_id)
    program = uow.session.get(Program, program_id)
    if program is None or program.workshop_id != workshop_id or program.title is None:
        raise NotFound(f"workshop {workshop_id!r} has no program {program_id!r}")
    problems = []
    if not 1 <= session <= len(workshop.sessions):
        problems.append(
            {
                "path": "session",
                "message": f"session {session} is outside 1..{len(workshop.sessions)}",
            }
        )
    if table is not None and not 1 <= table <= workshop.tables_per_session:
        problems.append(
            {
                "path": "table",
                "message": f"table {table} is outside 1..{workshop.tables_per_session}",
            }
        )
    if table is not None:
        taken = uow.session.scalar(
            sa.select(Pin.program_id).where(
                Pin.workshop_id == workshop_id,
                Pin.session == session,
                Pin.table == table,
                Pin.program_id != program_id,
            )
        )
        if taken:
            problems.append(
                {"path": "table", "message": f"program {taken!r} is already pinned there"}
            )
    if problems:
        raise PinDoesNotFit("the pin cannot hold", problems)
    pin = uow.session.get(Pin, (workshop_id, program_id)) or Pin(
        workshop_id=workshop_id, program_id=program_id
    )
    pin.session, pin.table, pin.pinned_at = session, table, now
    pin.pinned_by = getattr(uow, "who", None)
    uow.session.add(pin)
    return pin_view(pin)


def unpin_program(command: dict, *, uow, now: datetime) -> None:
    """Let the solver place `program_id` again."""
    workshop_id, program_id = command["workshop_id"], command["program_id"]
    pin = uow.session.get(Pin, (workshop_id, program_id))
    if pin is None:
        raise NotFound(f"program {program_id!r} is not pinned in workshop {workshop_id!r}")
    uow.session.delete(pin)


def list_pins(query: dict, *, uow, now: datetime) -> dict:
    """The stored pins of a workshop, by session and table."""
    workshop_id = query["workshop_id"]
    known_workshop(uow, workshop_id)
    pins = uow.session.scalars(
        sa.select(Pin)
        .where(Pin.workshop_id == workshop_id)
        .order_by(Pin.session, Pin.table, Pin.program_id)
    )
    return {"pins": [pin_view(p) for p in pins]}


def pin_view(pin: Pin) -> dict:
    return {"program_id": pin.program_id, "session": pin.session, "table": pin.table}
