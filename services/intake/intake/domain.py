"""Intake's vocabularies and rules; no I/O here."""
from __future__ import annotations

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


def focal_point_index(delegates: list[dict], focal_point_email: str | None) -> int:
    """The focal point is the named delegate, or the first one listed."""
    if focal_point_email:
        for index, delegate in enumerate(delegates):
            if delegate["email"].lower() == focal_point_email.lower():
                return index
        raise ValueError("focal_point_email must be the email of one of the delegates")
    return 0
