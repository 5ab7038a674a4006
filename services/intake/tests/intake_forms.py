"""Complete, valid example forms for intake's tests (Santa Marta 2012 flavour)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def workshop(
    *, days_ahead: int = 60, deadline_days: int = 30, now: datetime | None = None, **changes
) -> dict:
    """A four-session workshop starting `days_ahead` days from now, whose form
    deadlines are `deadline_days` from now (negative: already passed); `now`
    is the real time unless a test fixes it."""
    now = now or datetime.now(UTC)
    start = now.date() + timedelta(days=days_ahead)
    deadline = (now + timedelta(days=deadline_days)).isoformat()
    body = {
        "title": "Third Workshop on Social Policy and International Cooperation",
        "place": "Santa Marta, Colombia",
        "time_zone": "America/Bogota",
        "starts_on": start.isoformat(),
        "ends_on": (start + timedelta(days=1)).isoformat(),
        "languages": ["es", "en"],
        "sessions": [
            {"starts_at": f"{start.isoformat()}T{hour:02d}:00:00-05:00"} for hour in (9, 11, 14, 16)
        ],
        "tables_per_session": 4,
        "table_capacity": 8,
        "round_minutes": 45,
        "deadlines": {
            "programs": deadline,
            "interests": deadline,
            "expressions_of_interest": deadline,
        },
    }
    body.update(changes)
    return body


def registration(workshop_id: str, country: str = "Bolivia", **changes) -> dict:
    slug = country.lower().replace(" ", "")
    body = {
        "workshop_id": workshop_id,
        "country": country,
        "institution": f"Ministerio de Desarrollo Social de {country}",
        "acronym": "MDS",
        "kind": "ministry",
        "delegates": [
            {
                "name": "Ana Quispe",
                "email": f"ana@{slug}.example.org",
                "role": "Cooperation manager",
                "language": "es",
            },
            {"name": "Luis Mamani", "email": f"luis@{slug}.example.org", "language": "en"},
        ],
        "focal_point_email": f"luis@{slug}.example.org",
        "working_languages": ["es", "en"],
    }
    body.update(changes)
    return body


def program(delegation_id: str, **changes) -> dict:
    body = {
        "delegation_id": delegation_id,
        "title": "School Enrollment of Child and Youth Workers (PENNAT)",
        "topics": ["children_and_youth_services", "social_inclusion"],
        "areas_of_influence": ["national"],
        "target_populations": ["children", "adolescents", "other"],
        "other_population": "working children",
        "starts_on": "2008-01-01",
        "ends_on": None,
        "statuses": ["implementation", "evaluation"],
        "objectives": "Keep working children in school.",
        "achievements": "Enrollment rose in the pilot municipalities.",
        "other_organisations": ["UNICEF"],
        "exchange_methods": ["study_tour", "expert_visits"],
    }
    body.update(changes)
    return body


def interest(delegation_id: str, programs: list[str], **changes) -> dict:
    body = {
        "delegation_id": delegation_id,
        "programs": programs,
        "topics": ["food_security"],
        "attending_delegate_ids": [],
    }
    body.update(changes)
    return body


def expression(demanding: str, supplying: list[str], program_id: str | None, **changes) -> dict:
    body = {
        "demanding_delegation_id": demanding,
        "supplying_delegation_ids": supplying,
        "program_id": program_id,
        "topic": None,
        "activity_types": ["expert_visit", "virtual"],
        "mechanism": "bilateral_agreement",
        "focus": "specific_components",
        "description": "Two expert visits on the targeting of the transfer.",
        "contact_delegate_ids": [],
        "round": None,
    }
    body.update(changes)
    return body
