"""The Santa Marta 2012 workshop as followup would have tracked it: 46 proposed
activities built from examples/santa-marta-2012.json, for the docs' charts
and for trying the reports without a running suite.

The delegations, programs and interest forms are the example file's; the
topics of each program are read from its title; types, mechanisms, states,
dates, costs and scores are invented (deterministically) to look like a
follow-up a few months after the workshop. Two activities end up funded by
the network, as in 2012.
"""

from __future__ import annotations

import json
import random
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from . import domain, inbound, usecases

WORKSHOP_ID = "santa-marta-2012"
TIME_ZONE = "America/Bogota"
SIGNED_AT = datetime(2012, 11, 15, 22, 0, tzinfo=UTC)
# "today" for the example's reports: three months after the workshop
AS_OF = datetime(2013, 2, 15, 15, 0, tzinfo=UTC)

TOPICS = {
    "BR-PAA": ["food_security"],
    "BR-SSC": ["interinstitutional_coordination"],
    "PA-RED": ["conditional_cash_transfers", "eradicating_extreme_poverty"],
    "CL-YOUTH": ["youth_employability"],
    "CO-UNIDOS": ["eradicating_extreme_poverty", "family_support"],
    "CO-RESA": ["food_security"],
    "BO-PENNAT": ["children_and_youth_services"],
    "CO-MPI": ["multidimensional_poverty_measurement"],
    "UY-MPI": ["multidimensional_poverty_measurement"],
    "CO-DESV": ["prevention_of_child_recruitment"],
    "SV-CUS": ["social_inclusion"],
    "EC-CNF": ["early_childhood_development"],
    "CL-SEMILLA": ["income_generation", "productive_inclusion"],
    "HN-CENISS": ["social_information_systems"],
    "CO-ETHNIC": ["differential_approach"],
    "PE-QALIWARMA": ["food_security"],
}
# expressions signed about a topic, the supplying side left to be found
TOPIC_ONLY = [
    ("GT", "food_security"),
    ("PY", "food_security"),
    ("MERCOSUR", "multidimensional_poverty_measurement"),
    ("HN", "food_security"),
    ("SV", "care_economy"),
    ("BO", "social_information_systems"),
]
STAFF = [
    ("staff-ana", "Ana", ["secretariat"]),
    ("staff-bruno", "Bruno", ["secretariat"]),
    ("staff-carla", "Carla", ["secretariat", "funder_liaison"]),
    ("staff-diego", "Diego", ["coordinator"]),
]
CRITERIA = [
    ("alignment", "Alignment with network priorities", 3),
    ("demand_driven", "Demand-driven", 2),
    ("feasibility", "Feasibility", 2),
    ("multiplier", "Multiplier effect", 2),
    ("co_funding", "Co-funding", 1),
]
BUDGET_CENTS = 3_000_000  # USD 30,000 for the network's fund
# the example's subregional mechanisms: acronym and region
REGIONS = {"MERCOSUR": ("ISM", "South America")}
# what was signed in 2012 was always known: the example draws from these
KNOWN_TYPES = tuple(t for t in domain.ACTIVITY_TYPES if t != domain.NOT_YET_KNOWN)
KNOWN_MECHANISMS = tuple(m for m in domain.MECHANISMS if m != domain.NOT_YET_KNOWN)
KNOWN_FOCUSES = tuple(f for f in domain.FOCUSES if f != domain.NOT_YET_KNOWN)


def _id(kind: str, key: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"rueda:santa-marta:{kind}:{key}"))


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


STAFF_MEMBER = "staff-ana"  # who does the staff's part of the example


def build(uow, example_path: Path) -> dict:
    """Fill an empty followup database with the example; returns what it did.

    Events go through followup's readers and use cases as the consumer edge
    would pass them; staff's changes are the commands the HTTP API would."""
    data = _load(example_path)
    rng = random.Random(2012)
    by = {"by": STAFF_MEMBER}
    registered = SIGNED_AT - timedelta(days=45)
    usecases.record_workshop(
        inbound.WorkshopPublished().load(
            {
                "workshop_id": WORKSHOP_ID,
                "version": 1,
                "title": data["workshop"]["title"],
                "time_zone": TIME_ZONE,
            }
        ),
        uow=uow,
        now=registered,
    )
    for staff_id, name, roles in STAFF:
        usecases.record_staff_member(
            inbound.StaffMemberRegistered().load(
                {"staff_id": staff_id, "name": name, "roles": roles, "active": True, "version": 1}
            ),
            uow=uow,
            now=registered,
        )
    for d in data["delegations"]:
        regional = d["id"] in REGIONS
        usecases.record_delegation(
            inbound.DelegationRegistered().load(
                {
                    "delegation_id": _id("delegation", d["id"]),
                    "institution": d["name"],
                    "acronym": REGIONS[d["id"]][0] if regional else None,
                    # a subregional mechanism gives its region, not a country
                    "country": None if regional else d["name"],
                    "region": REGIONS[d["id"]][1] if regional else None,
                    "kind": "subregional_mechanism" if regional else "ministry",
                    "registered_at": "2012-10-01T12:00:00+00:00",
                    "delegates": [
                        {"delegate_id": _id("delegate", d["id"]), "is_focal_point": True}
                    ],
                }
            ),
            uow=uow,
            now=registered,
        )
    for p in data["programs"]:
        usecases.record_program(
            inbound.ProgramSubmitted().load(
                {
                    "program_id": _id("program", p["id"]),
                    "delegation_id": _id("delegation", p["host"]),
                    "title": p["title"],
                    "topics": TOPICS[p["id"]],
                    "version": 1,
                    "submitted_at": "2012-10-15T12:00:00+00:00",
                }
            ),
            uow=uow,
            now=registered,
        )
    hosts = {p["id"]: p["host"] for p in data["programs"]}
    signed = [(i["delegation"], program) for i in data["interests"] for program in i["programs"]]
    signed += [(delegation, None, topic) for delegation, topic in TOPIC_ONLY]
    activities = []
    for n, (demanding, program, *topic) in enumerate(signed):
        types = rng.sample(KNOWN_TYPES, rng.choice((1, 1, 2)))
        event = inbound.ExpressionOfInterestSubmitted().load(
            {
                "expression_id": _id("expression", str(n)),
                "workshop_id": WORKSHOP_ID,
                "version": 1,
                "demanding_delegation_id": _id("delegation", demanding),
                "supplying_delegation_ids": [_id("delegation", hosts[program])] if program else [],
                "program_id": _id("program", program) if program else None,
                "topic": topic[0] if topic else None,
                "activity_types": types,
                "mechanism": rng.choice(KNOWN_MECHANISMS),
                "focus": rng.choice(KNOWN_FOCUSES),
                "description": None,
                "contact_delegate_ids": [],
                "round": None,
                "submitted_at": SIGNED_AT.isoformat(),
            }
        )
        activities.append(usecases.record_expression(event, uow=uow, now=SIGNED_AT))
    uow.session.flush()
    usecases.set_criteria(
        {
            "workshop_id": WORKSHOP_ID,
            "criteria": [{"key": k, "label": label, "weight": w} for k, label, w in CRITERIA],
        },
        uow=uow,
        now=SIGNED_AT,
    )
    review_day = SIGNED_AT + timedelta(days=20)
    for activity in activities[:30]:
        usecases.transition(
            {
                "activity_id": activity.id,
                "to": domain.UNDER_REVIEW,
                "reason": "expression complete",
                **by,
            },
            uow=uow,
            now=review_day,
        )
        usecases.score_activity(
            {
                "activity_id": activity.id,
                "scores": {k: rng.randint(1, 5) for k, _, _ in CRITERIA},
                "estimated_cost": rng.randrange(800_000, 4_000_000, 50_000),
                "currency": "USD",
                **by,
            },
            uow=uow,
            now=review_day,
        )
    proposal = usecases.propose_selection(
        {
            "workshop_id": WORKSHOP_ID,
            "budget": BUDGET_CENTS,
            "currency": "USD",
            "funding_source": "network_fund",
            **by,
        },
        uow=uow,
        now=review_day + timedelta(days=10),
    )
    selection = usecases.confirm_selection(
        {"selection_id": proposal["id"], **by}, uow=uow, now=review_day + timedelta(days=12)
    )
    funded = {item["activity_id"] for item in selection["selected"]}
    rest = [a for a in activities[:30] if a.id not in funded]
    later = review_day + timedelta(days=30)
    # shared with other funders, as in 2012
    for activity, source in zip(
        rest[:6],
        ["subregional_mechanism", "bilateral_cooperation", "own_resources"] * 2,
        strict=True,
    ):
        usecases.transition(
            {
                "activity_id": activity.id,
                "to": domain.SELECTED,
                "funding_source": source,
                "reason": f"taken up ({source.replace('_', ' ')})",
                **by,
            },
            uow=uow,
            now=later,
        )
    for activity in rest[6:10]:
        usecases.transition(
            {
                "activity_id": activity.id,
                "to": domain.DECLINED,
                "reason": "outside the network's priorities",
                **by,
            },
            uow=uow,
            now=later,
        )
    planned = [a for a in activities if a.id in funded] + rest[:2]
    for activity in planned:
        usecases.transition(
            {
                "activity_id": activity.id,
                "to": domain.PLANNED,
                "planned_start": date(2013, 3, 4),
                "planned_end": date(2013, 3, 8),
                "terms_of_reference": "expert visit, one week",
                "reason": "terms of reference agreed",
                **by,
            },
            uow=uow,
            now=later,
        )
    usecases.transition(
        {
            "activity_id": activities[40].id,
            "to": domain.WITHDRAWN,
            "reason": "the demanding ministry was restructured",
            **by,
        },
        uow=uow,
        now=later,
    )
    # counterparts reported progress on most activities in the weeks before AS_OF
    for activity in activities:
        if activity.state in domain.FOLLOWED_STATES and rng.random() < 0.6:
            usecases.post_update(
                {
                    "activity_id": activity.id,
                    "delegation_id": activity.demanding_delegation_id,
                    "text": "still interested; waiting for dates",
                },
                uow=uow,
                now=AS_OF - timedelta(days=rng.randint(1, 40), hours=rng.randint(0, 23)),
            )
    return {"activities": len(activities), "funded": sorted(funded), "selection": selection}
