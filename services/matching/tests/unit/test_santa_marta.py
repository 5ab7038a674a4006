"""The project's demo workshop, Santa Marta 2012, fed to matching as intake's
events: the service schedules all 40 interests without over-booking anybody."""

import json
import uuid
from datetime import timedelta
from pathlib import Path

from matching import inbound, planning, usecases
from matching.solver import check, load_scenario, load_schedule

from .conftest import T0, workshop_event

EXAMPLE = Path(__file__).resolve().parents[4] / "examples" / "santa-marta-2012.json"


def uid(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"santa-marta/{name}"))


def test_santa_marta_through_the_read_model_serves_every_interest(db):
    example = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    grid = example["workshop"]
    workshop_id = uid("workshop")
    event = workshop_event(
        workshop_id=workshop_id,
        tables_per_session=grid["tables_per_session"],
        table_capacity=grid["table_capacity"],
        sessions=[
            {"number": n, "starts_at": T0 + timedelta(hours=n)}
            for n in range(1, grid["sessions"] + 1)
        ],
    )
    with db.transaction() as uow:
        usecases.record_workshop(event, uow=uow, now=T0)
        for d in example["delegations"]:
            usecases.record_delegation(
                inbound.DelegationRegistered().load(
                    {
                        "delegation_id": uid(d["id"]),
                        "workshop_id": workshop_id,
                        "version": 1,
                        "country": d["name"],
                        "institution": d["name"],
                        "registered_at": T0.isoformat(),
                        "delegates": [
                            {"delegate_id": str(uuid.uuid4())} for _ in range(d["delegates"])
                        ],
                    }
                ),
                uow=uow,
                now=T0,
            )
        for p in example["programs"]:
            usecases.record_program(
                inbound.ProgramSubmitted().load(
                    {
                        "program_id": uid(p["id"]),
                        "workshop_id": workshop_id,
                        "delegation_id": uid(p["host"]),
                        "title": p["title"],
                        "version": 1,
                        "submitted_at": T0.isoformat(),
                    }
                ),
                uow=uow,
                now=T0,
            )
        for n, i in enumerate(example["interests"]):
            usecases.record_interest(
                inbound.InterestSubmitted().load(
                    {
                        "interest_id": uid(f"interest-{n}"),
                        "workshop_id": workshop_id,
                        "delegation_id": uid(i["delegation"]),
                        "version": 1,
                        "programs": [uid(p) for p in i["programs"]],
                        "submitted_at": T0.isoformat(),
                    }
                ),
                uow=uow,
                now=T0,
            )
    view = planning.compute(
        {"workshop_id": workshop_id, "trigger": "staff", "time_limit": 10},
        transaction=db.transaction,
        clock=lambda: T0,
        solver=planning.solve_in_process,
    )
    assert (view["status"], view["objective"], view["bound"], view["unmet"]) == (
        "optimal",
        40,
        40,
        [],
    )
    with db.transaction() as uow:
        scenario = load_scenario(
            usecases.read_problem({"workshop_id": workshop_id}, uow=uow, now=T0).scenario
        )
    rounds = load_schedule(
        {
            "rounds": [
                {
                    "session": r["session"],
                    "table": r["table"],
                    "program": r["program_id"],
                    "host": r["host_delegation_id"],
                    "attendees": r["attendee_delegation_ids"],
                }
                for r in view["rounds"]
            ]
        }
    ).rounds
    assert check(scenario, rounds, 40) == []  # nobody needs more seats than delegates
