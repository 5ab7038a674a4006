"""Workshops: the secretariat announces one (its grid and deadlines), revises
it, and grants late windows; every change re-publishes the whole workshop."""

from __future__ import annotations

from datetime import UTC, datetime

from rueda_backbone import Invalid

from .. import schemas
from ..models import Workshop
from . import history, lookup


def _utc(instant: datetime) -> datetime:
    return instant.astimezone(UTC)


def _revised(workshop: Workshop, uow, now: datetime, action: str) -> None:
    """Who made this revision (`uow.who`), kept on the workshop and in its history."""
    workshop.updated_by = uow.who
    history.record_version(
        uow.session,
        workshop.id,
        "workshop",
        workshop.version,
        action,
        {"form": workshop.form, "late_windows": workshop.late_windows},
        now=now,
        by=uow.who,
    )


def _publish(workshop: Workshop, uow) -> None:
    """Every instant in the event is in UTC, as everywhere in the suite; the
    time zone travels beside them for those who show local times."""
    form = lookup.workshop_form(workshop)
    form["deadlines"] = {name: _utc(instant) for name, instant in form["deadlines"].items()}
    uow.publish(
        schemas.PUBLISHED.event(
            "workshop_published",
            {
                "workshop_id": workshop.id,
                "version": workshop.version,
                **{
                    name: form[name]
                    for name in (
                        "title",
                        "place",
                        "time_zone",
                        "starts_on",
                        "ends_on",
                        "languages",
                        "tables_per_session",
                        "table_capacity",
                        "round_minutes",
                        "max_runs_per_program",
                        "rank_weights",
                        "deadlines",
                    )
                },
                "sessions": [
                    {"number": n, "starts_at": _utc(s["starts_at"])}
                    for n, s in enumerate(form["sessions"], start=1)
                ],
                "late_windows": [
                    {**w, "until": _utc(w["until"])} for w in lookup.late_windows(workshop)
                ],
            },
        )
    )


def create_workshop(command: dict, *, uow, now: datetime) -> Workshop:
    """The secretariat announces a workshop: its grid and its deadlines
    (a loaded `WorkshopForm`)."""
    workshop = Workshop(
        id=lookup.new_id(),
        version=1,
        form=schemas.WorkshopForm().dump(command),
        late_windows=[],
        created_at=now,
        updated_at=now,
    )
    uow.session.add(workshop)
    _revised(workshop, uow, now, "created")
    _publish(workshop, uow)
    return workshop


def revise_workshop(command: dict, *, uow, now: datetime) -> Workshop:
    """A new revision of the whole workshop: {"workshop_id", **WorkshopForm}."""
    workshop = lookup.workshop(uow.session, command["workshop_id"])
    workshop.form = schemas.WorkshopForm().dump(command)
    workshop.version += 1
    workshop.updated_at = now
    _revised(workshop, uow, now, "revised")
    _publish(workshop, uow)
    return workshop


def grant_late_window(command: dict, *, uow, now: datetime) -> Workshop:
    """Let one delegation submit one form after its deadline, until a given
    time: {"workshop_id", **LateWindowForm}. A new window for the same
    delegation and form replaces the old one."""
    workshop = lookup.workshop(uow.session, command["workshop_id"])
    delegation = lookup.delegation(uow.session, command["delegation_id"], field="delegation_id")
    if delegation.workshop_id != workshop.id:
        raise Invalid.field("delegation_id", "this delegation is not registered for this workshop")
    windows = [
        w
        for w in workshop.late_windows
        if not (w["delegation_id"] == command["delegation_id"] and w["form"] == command["form"])
    ]
    windows.append(schemas.LateWindowForm().dump(command))
    workshop.late_windows = windows
    workshop.version += 1
    workshop.updated_at = now
    _revised(workshop, uow, now, "late_window")
    _publish(workshop, uow)
    return workshop


def get_workshop(query: dict, *, uow, now: datetime) -> Workshop:
    """{"workshop_id"}."""
    return lookup.workshop(uow.session, query["workshop_id"])
