"""Intake's vocabularies and rules; no I/O here. A rule refuses with a domain
error (`exceptions`), never with an HTTP status."""
from __future__ import annotations

from datetime import datetime

from .exceptions import DeadlinePassed

LANGUAGES = ("es", "en", "pt", "fr")

DELEGATION_KINDS = (
    "ministry", "agency", "subregional_mechanism", "international_organisation", "civil_society",
)

# the topics seen in real workshops (DOMAIN.md), as stable slugs
TOPICS = (
    "conditional_cash_transfers", "social_assistance", "eradicating_extreme_poverty",
    "evaluation_and_monitoring", "food_security", "productive_inclusion", "income_generation",
    "financial_inclusion", "early_childhood_development", "children_and_youth_services",
    "youth_employability", "pensions_and_elderly_care", "care_economy", "housing_and_habitability",
    "multidimensional_poverty_measurement", "targeting_and_beneficiary_registries",
    "social_information_systems", "interinstitutional_coordination", "rights_based_approach",
    "differential_approach", "social_inclusion", "prevention_of_child_recruitment",
    "family_support", "graduation_programs",
)

AREAS_OF_INFLUENCE = ("national", "departmental", "municipal", "community")

TARGET_POPULATIONS = (
    "children", "adolescents", "youth", "women", "adults", "elderly", "families",
    "ethnic_groups", "persons_with_disabilities", "other",
)

PROGRAM_STATUSES = ("design", "implementation", "monitoring", "evaluation")

EXCHANGE_METHODS = (
    "information_sharing", "study_tour", "expert_visits", "internships", "workshops",
    "seminars", "videoconferences",
)

ACTIVITY_TYPES = ("academic", "expert_visit", "virtual", "internship", "study_tour")

MECHANISMS = ("inter_institutional_agreement", "bilateral_agreement", "regional_program", "other")

FOCUS = ("general", "specific_components")

STAFF_ROLES = ("secretariat", "coordinator", "focal_point_liaison", "funder_liaison")

REVIEW_DECISIONS = ("accepted", "returned")

# the forms that have a deadline, as named in workshop_published's deadlines
# and late windows
DEADLINE_FORMS = ("programs", "interests", "expressions_of_interest")

# a program profile is accepted without these, but the receipt asks for them
RECOMMENDED_PROGRAM_FIELDS = (
    "areas_of_influence", "target_populations", "statuses", "starts_on", "objectives",
    "achievements", "exchange_methods",
)


def focal_point_index(delegates: list[dict], focal_point_email: str | None) -> int:
    """The focal point is the named delegate, or the first one listed."""
    if focal_point_email:
        for index, delegate in enumerate(delegates):
            if delegate["email"].lower() == focal_point_email.lower():
                return index
        raise ValueError("focal_point_email must be the email of one of the delegates")
    return 0


def check_deadline(form: str, *, deadlines: dict, late_windows: list[dict], delegation_id: str,
                   now: datetime) -> None:
    """Refuse a submission after the form's deadline, unless the secretariat
    granted this delegation a late window for this form that is still open."""
    deadline = deadlines.get(form)
    if deadline is None or now <= deadline:
        return
    for window in late_windows:
        if window["delegation_id"] == delegation_id and window["form"] == form \
                and now <= window["until"]:
            return
    raise DeadlinePassed(form, deadline)


def missing_program_fields(profile: dict) -> list[str]:
    """Recommended fields a program profile left empty, for the receipt."""
    return [name for name in RECOMMENDED_PROGRAM_FIELDS if not profile.get(name)]


def duplicates(values: list) -> list:
    seen, repeated = set(), []
    for value in values:
        if value in seen and value not in repeated:
            repeated.append(value)
        seen.add(value)
    return repeated
