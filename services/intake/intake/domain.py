"""Intake's vocabularies and rules; no I/O here. A rule refuses with a domain
error (`exceptions`), never with an HTTP status."""

from __future__ import annotations

from datetime import datetime

from .exceptions import DeadlinePassed

LANGUAGES = ("es", "en", "pt", "fr")

DELEGATION_KINDS = (
    "ministry",
    "agency",
    "subregional_mechanism",
    "international_organisation",
    "civil_society",
)

# kinds that are not from one country: they give a region instead (MERCOSUR's
# Social Institute: "South America"; the Mesoamerican Project: "Mesoamerica")
REGIONAL_KINDS = ("subregional_mechanism", "international_organisation")

# the topics seen in real workshops (DOMAIN.md), as stable slugs
TOPICS = (
    "conditional_cash_transfers",
    "social_assistance",
    "eradicating_extreme_poverty",
    "evaluation_and_monitoring",
    "food_security",
    "productive_inclusion",
    "income_generation",
    "financial_inclusion",
    "early_childhood_development",
    "children_and_youth_services",
    "youth_employability",
    "pensions_and_elderly_care",
    "care_economy",
    "housing_and_habitability",
    "multidimensional_poverty_measurement",
    "targeting_and_beneficiary_registries",
    "social_information_systems",
    "interinstitutional_coordination",
    "rights_based_approach",
    "differential_approach",
    "social_inclusion",
    "prevention_of_child_recruitment",
    "family_support",
    "graduation_programs",
)

# a topic outside the vocabulary: said with a free-text label (`other_topic`),
# as real records have lines such as "More than 1 option"
OTHER_TOPIC = "other"
TOPIC_CHOICES = (*TOPICS, OTHER_TOPIC)

# what an expression of interest may leave open when it is signed
NOT_YET_KNOWN = "not_yet_known"

AREAS_OF_INFLUENCE = ("national", "departmental", "municipal", "community")

TARGET_POPULATIONS = (
    "children",
    "adolescents",
    "youth",
    "women",
    "adults",
    "elderly",
    "families",
    "ethnic_groups",
    "persons_with_disabilities",
    "other",
)

PROGRAM_STATUSES = ("design", "implementation", "monitoring", "evaluation")

EXCHANGE_METHODS = (
    "information_sharing",
    "study_tour",
    "expert_visits",
    "internships",
    "workshops",
    "seminars",
    "videoconferences",
)

ACTIVITY_TYPES = ("academic", "expert_visit", "virtual", "internship", "study_tour", NOT_YET_KNOWN)

MECHANISMS = (
    "inter_institutional_agreement",
    "bilateral_agreement",
    "regional_program",
    "other",
    NOT_YET_KNOWN,
)

FOCUS = ("general", "specific_components", NOT_YET_KNOWN)

# who supplies an expression of interest: the delegations it names, several
# that are not named yet, or nobody defined yet
SUPPLIER_STATUSES = ("named", "several_not_yet_named", "not_yet_defined")

STAFF_ROLES = ("secretariat", "coordinator", "focal_point_liaison", "funder_liaison")

REVIEW_DECISIONS = ("accepted", "returned")

# the forms that have a deadline, as named in workshop_published's deadlines
# and late windows
DEADLINE_FORMS = ("programs", "interests", "expressions_of_interest")

# a program profile is accepted without these, but the receipt asks for them
RECOMMENDED_PROGRAM_FIELDS = (
    "areas_of_influence",
    "target_populations",
    "statuses",
    "starts_on",
    "objectives",
    "achievements",
    "exchange_methods",
)


def focal_point_index(delegates: list[dict], focal_point_email: str | None) -> int:
    """The focal point is the named delegate, or the first one listed."""
    if focal_point_email:
        for index, delegate in enumerate(delegates):
            if delegate["email"].lower() == focal_point_email.lower():
                return index
        raise ValueError("focal_point_email must be the email of one of the delegates")
    return 0


def check_deadline(
    form: str, *, deadlines: dict, late_windows: list[dict], delegation_id: str, now: datetime
) -> None:
    """Refuse a submission after the form's deadline, unless the secretariat
    granted this delegation a late window for this form that is still open."""
    deadline = deadlines.get(form)
    if deadline is None or now <= deadline:
        return
    for window in late_windows:
        if (
            window["delegation_id"] == delegation_id
            and window["form"] == form
            and now <= window["until"]
        ):
            return
    raise DeadlinePassed(form, deadline)


def missing_program_fields(profile: dict) -> list[str]:
    """Recommended fields a program profile left empty, for the receipt."""
    return [name for name in RECOMMENDED_PROGRAM_FIELDS if not profile.get(name)]


def spoken_languages(delegate) -> list[str]:
    """The languages a delegate speaks: those they named, else their own."""
    return list(delegate.languages or [delegate.language])


def supplier_status(status: str | None, supplying_delegation_ids: list) -> str:
    """The status an expression of interest gives, or the one its list says."""
    if status:
        return status
    return "named" if supplying_delegation_ids else "not_yet_defined"


def duplicates(values: list) -> list:
    seen, repeated = set(), []
    for value in values:
        if value in seen and value not in repeated:
            repeated.append(value)
        seen.add(value)
    return repeated
