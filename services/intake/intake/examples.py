"""Example messages for docs/events, from a real run of intake's use cases on
a throw-away SQLite database: each example is exactly what intake emits."""

from __future__ import annotations

import json
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path

from rueda_backbone import Envelope, Event
from rueda_backbone.testing import sqlite_unit_of_work

from . import inbound, schemas, usecases
from .models import Base
from .schemas import (
    DelegationRegistrationForm,
    ExpressionOfInterestForm,
    InterestForm,
    LateWindowForm,
    ProgramProfileForm,
    ReviewForm,
    StaffForm,
    WorkshopForm,
)

WORKSHOP = {
    "title": "Fourth Workshop on Social Policy and International Cooperation",
    "place": "Santa Marta, Colombia",
    "time_zone": "America/Bogota",
    "starts_on": "2027-10-24",
    "ends_on": "2027-10-25",
    "languages": ["es", "en", "pt"],
    "sessions": [
        {"starts_at": "2027-10-24T09:00:00-05:00"},
        {"starts_at": "2027-10-24T11:00:00-05:00"},
        {"starts_at": "2027-10-24T14:30:00-05:00"},
        {"starts_at": "2027-10-24T16:30:00-05:00"},
    ],
    "tables_per_session": 4,
    "table_capacity": 8,
    "round_minutes": 45,
    "max_runs_per_program": 1,
    "rank_weights": [5, 3, 2, 1],
    "deadlines": {
        "programs": "2027-09-30T23:59:00-05:00",
        "interests": "2027-10-10T23:59:00-05:00",
        "expressions_of_interest": "2027-11-30T23:59:00-05:00",
    },
}


def _registration(workshop_id, country, institution, acronym, people, **changes):
    delegates = []
    for name, email, role, language, *presence in people:
        delegate = {"name": name, "email": email, "role": role, "language": language}
        if presence:
            delegate["languages"], delegate["sessions"] = presence
        delegates.append(delegate)
    form = {
        "workshop_id": workshop_id,
        "country": country,
        "institution": institution,
        "acronym": acronym,
        "kind": "ministry",
        "working_languages": ["es"],
        "delegates": delegates,
        **changes,
    }
    return {name: value for name, value in form.items() if value is not None}


def _program(delegation_id, title, topics, **changes):
    return {
        "delegation_id": delegation_id,
        "title": title,
        "topics": topics,
        **changes,
        "areas_of_influence": ["national"],
        "target_populations": ["families"],
        "starts_on": "2003-07-02",
        "ends_on": None,
        "statuses": ["implementation", "evaluation"],
        "objectives": "Buy food from family farmers for public programs.",
        "exchange_methods": ["study_tour", "expert_visits"],
    }


# the scenario's day, before the workshop's deadlines
NOW = datetime(2027, 9, 20, 14, 30, tzinfo=UTC)


def scenario(uow, now: datetime = NOW) -> None:
    """A workshop's life in a few steps, each publishing its events."""

    def run(use_case, command):
        return use_case(command, uow=uow, now=now)

    workshop = run(usecases.create_workshop, WorkshopForm().load(WORKSHOP))
    bolivia = run(
        usecases.register_delegation,
        DelegationRegistrationForm().load(
            _registration(
                workshop.id,
                "Bolivia",
                "Ministerio de Educación",
                "MINEDU",
                [
                    (
                        "Ana Quispe",
                        "ana.quispe@example.org",
                        "International cooperation manager",
                        "es",
                        ["es", "en"],
                        [1, 2],
                    ),
                    ("Luis Mamani", "luis.mamani@example.org", None, "es"),
                ],
            )
        ),
    )
    brazil = run(
        usecases.register_delegation,
        DelegationRegistrationForm().load(
            _registration(
                workshop.id,
                "Brazil",
                "Ministério do Desenvolvimento Social",
                "MDS",
                [
                    (
                        "Carla Souza",
                        "carla.souza@example.org",
                        "Program coordinator",
                        "pt",
                        ["pt", "es"],
                        None,
                    )
                ],
            )
        ),
    )
    run(
        usecases.grant_late_window,
        {
            "workshop_id": workshop.id,
            **LateWindowForm().load(
                {
                    "delegation_id": bolivia.id,
                    "form": "programs",
                    "until": "2027-10-03T18:00:00-05:00",
                }
            ),
        },
    )
    run(
        usecases.register_staff,
        StaffForm().load(
            {
                "name": "María Fernández",
                "email": "maria.fernandez@example.org",
                "language": "es",
                "roles": ["secretariat", "coordinator"],
            }
        ),
    )
    # the secretariat reminds Bolivia, which has submitted nothing yet
    run(
        usecases.request_reminders,
        {"workshop_id": workshop.id, "form": None, "delegation_ids": [bolivia.id]},
    )
    paa = run(
        usecases.submit_form,
        {
            "kind": "program",
            **ProgramProfileForm().load(
                _program(
                    brazil.id,
                    "Food Acquisition Program (PAA)",
                    ["food_security", "other"],
                    other_topic="Public procurement from family farming",
                    presenting_delegate_ids=[brazil.delegates[0].id],
                )
            ),
        },
    )
    run(
        usecases.review_program,
        {
            "program_id": paa.id,
            **ReviewForm().load(
                {"decision": "returned", "reason": "Please add the program's achievements."}
            ),
        },
    )
    interest = run(
        usecases.submit_form,
        {
            "kind": "interest",
            **InterestForm().load(
                {
                    "delegation_id": bolivia.id,
                    "programs": [paa.id],
                    "topics": ["food_security", "other"],
                    "other_topic": "More than 1 option",
                    "attending_delegate_ids": [bolivia.delegates[0].id],
                }
            ),
        },
    )
    expression = run(
        usecases.submit_form,
        {
            "kind": "expression_of_interest",
            **ExpressionOfInterestForm().load(
                {
                    "demanding_delegation_id": bolivia.id,
                    "supplying_delegation_ids": [brazil.id],
                    "supplier_status": "named",
                    "program_id": paa.id,
                    "activity_types": ["expert_visit", "virtual"],
                    "mechanism": "bilateral_agreement",
                    "focus": "not_yet_known",
                    "description": "Two expert visits on buying from family farmers for school meals.",
                    "contact_delegate_ids": [bolivia.delegates[0].id, brazil.delegates[0].id],
                    "round": {"session": 1, "table": 2, "program_id": paa.id},
                }
            ),
        },
    )
    run(usecases.withdraw_form, {"kind": "expression_of_interest", "form_id": expression.id})
    run(usecases.withdraw_form, {"kind": "interest", "form_id": interest.id})
    run(usecases.withdraw_form, {"kind": "program", "form_id": paa.id})
    run(usecases.erase_delegate, {"delegate_id": bolivia.delegates[1].id})
    run(usecases.withdraw_delegation, {"delegation_id": brazil.id})
    # a subregional mechanism gives a region instead of a country
    run(
        usecases.register_delegation,
        DelegationRegistrationForm().load(
            _registration(
                workshop.id,
                None,
                "Instituto Social del MERCOSUR",
                "ISM",
                [
                    (
                        "Paula Ferreira",
                        "paula.ferreira@example.org",
                        "Researcher",
                        "es",
                        ["es", "pt"],
                        None,
                    )
                ],
                kind="subregional_mechanism",
                region="South America",
                working_languages=["es", "pt"],
            )
        ),
    )


def published_examples() -> dict[tuple[str, int], dict]:
    with tempfile.TemporaryDirectory() as directory:
        with sqlite_unit_of_work(
            Path(directory) / "examples.sqlite3", Base.metadata, producer="intake"
        ) as uow:
            uow.correlation_id = uuid.uuid4().hex
            scenario(uow)
            envelopes = list(uow.envelopes)
    found: dict = {}
    for envelope in envelopes:
        # the last of each kind: the workshop with its late window, the revised delegation
        found[(envelope.event_type, envelope.schema_version)] = envelope.to_dict()
    return found


def consumed_examples() -> dict[tuple[str, int], dict]:
    """What the portal would publish to register a delegation and submit its forms."""
    delegation_id, program_id = str(uuid.uuid4()), str(uuid.uuid4())
    workshop_id, other_program = str(uuid.uuid4()), str(uuid.uuid4())
    payloads = {
        "delegation_form_submitted": {
            "delegation_id": delegation_id,
            **_registration(
                workshop_id,
                "Peru",
                "Ministerio de Desarrollo e Inclusión Social",
                "MIDIS",
                [("Rosa Huamán", "rosa.huaman@example.org", "Cooperation manager", "es")],
            ),
            "focal_point_email": "rosa.huaman@example.org",
        },
        "program_form_submitted": {
            "program_id": program_id,
            **_program(delegation_id, "Qali Warma school meals", ["food_security"]),
        },
        "interest_form_submitted": {
            "interest_id": str(uuid.uuid4()),
            "delegation_id": delegation_id,
            "programs": [other_program],
            "topics": ["multidimensional_poverty_measurement"],
            "attending_delegate_ids": [],
        },
        "expression_of_interest_form_submitted": {
            "expression_id": str(uuid.uuid4()),
            "demanding_delegation_id": delegation_id,
            "supplying_delegation_ids": [],
            "program_id": None,
            "topic": "food_security",
            "activity_types": ["academic"],
            "mechanism": "regional_program",
            "focus": "general",
            "description": "A regional seminar on school meals.",
            "contact_delegate_ids": [],
            "round": None,
        },
    }
    out = {}
    for event_type, payload in payloads.items():
        row = inbound.CONSUMES.row(inbound.PORTAL, event_type)
        version = max(row.versions)
        row.reader_for(version)().load(payload)  # an example must be valid
        # the portal's message, as it would build it: not one of intake's events
        out[(event_type, version)] = Envelope.wrap(
            Event(event_type, payload, version), producer=row.producer
        ).to_dict()
    return out


def write_examples(directory: Path, only: set | None = None) -> None:
    """Every example (or `only` those (type, version)), retired ones excepted."""
    examples = {**published_examples(), **consumed_examples()}
    for (event_type, version), message in examples.items():
        if (event_type, version) in schemas.PUBLISHED.retired:
            continue  # their hand-written examples stay as they were
        if only is not None and (event_type, version) not in only:
            continue
        (directory / f"{event_type}.v{version}.example.json").write_text(
            json.dumps(message, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
