"""A workshop's cooperation activities as IATI 2.03 activity XML, the
aid-transparency standard funders and development-cooperation agencies
report in (https://iatistandard.org/en/iati-standard/203/).

One `iati-activity` per activity, each a child (hierarchy 2) of the workshop,
which is named as its parent `related-activity`:

- identifiers: `<reporting-org ref>-<activity id>`, and `<ref>-<workshop id>`
  for the workshop;
- participating organisations: the secretariat (the reporting org) extends
  (role 3), the demanding delegation is accountable (2), the supplying
  delegations implement (4), and the funder of a selected activity funds
  (1): the network's fund is the reporting org's, own resources are the
  delegations', a subregional mechanism or bilateral agency is named by kind;
- status: followup's lifecycle on IATI's ActivityStatus code list (`STATUS`);
- dates: planned start and end (types 1 and 3), the actual start and end
  from the audit trail (2 and 4); an activity not planned yet gives the day
  its expression of interest was signed as its planned start, with a
  narrative saying so (IATI requires a start date);
- sector: OECD DAC 5-digit purpose codes (vocabulary 1) for the topics
  (`SECTORS`), split evenly; a topic outside the vocabulary is social
  protection (16010);
- recipient country (ISO 3166-1) or region (DAC regions) of the demanding
  delegation, when followup can tell it;
- budget: the estimated cost (kept in cents) over the planned dates.

No I/O here: the builder takes the rows and returns bytes.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from lxml import etree

from . import domain

IATI_VERSION = "2.03"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

# followup's states on IATI's ActivityStatus code list
# (1 pipeline/identification, 2 implementation, 3 finalisation, 4 closed, 5 cancelled)
STATUS = {
    domain.PROPOSED: "1",
    domain.UNDER_REVIEW: "1",
    domain.SELECTED: "1",
    domain.PLANNED: "1",
    domain.IN_PROGRESS: "2",
    # done, its evaluation still owed
    domain.COMPLETED: "3",
    domain.EVALUATED: "4",
    domain.DECLINED: "5",
    domain.WITHDRAWN: "5",
}

# ActivityDateType
PLANNED_START, ACTUAL_START, PLANNED_END, ACTUAL_END = "1", "2", "3", "4"
# OrganisationRole
FUNDING, ACCOUNTABLE, EXTENDING, IMPLEMENTING = "1", "2", "3", "4"

# OrganisationType of each kind of delegation
ORGANISATION_TYPES = {
    "ministry": "10",
    "agency": "10",
    "subregional_mechanism": "40",
    "international_organisation": "40",
    "civil_society": "22",
}

SOCIAL_PROTECTION = "16010"
# intake's topics (DOMAIN.md) on OECD DAC 5-digit purpose codes (IATI Sector, vocabulary 1)
SECTORS = {
    "conditional_cash_transfers": "16010",  # Social Protection (social transfers)
    "social_assistance": "16010",
    "eradicating_extreme_poverty": "16010",
    "graduation_programs": "16010",
    "social_inclusion": "16010",
    "evaluation_and_monitoring": "16011",  # Social protection ... policy, planning and admin.
    "targeting_and_beneficiary_registries": "16011",
    "social_information_systems": "16011",
    "interinstitutional_coordination": "16011",
    "pensions_and_elderly_care": "16013",  # General pensions
    "children_and_youth_services": "16015",  # Social services (incl youth, women, children)
    "care_economy": "16015",
    "family_support": "16015",
    "productive_inclusion": "16020",  # Employment creation
    "income_generation": "16020",
    "youth_employability": "16020",
    "housing_and_habitability": "16030",  # Housing policy and administrative management
    "multidimensional_poverty_measurement": "16062",  # Statistical capacity building
    "food_security": "43072",  # Household food security programmes
    "financial_inclusion": "24040",  # Informal/semi-formal financial intermediaries
    "early_childhood_development": "11240",  # Early childhood education
    "rights_based_approach": "15160",  # Human rights
    "differential_approach": "15160",
    "prevention_of_child_recruitment": "15261",  # Child soldiers (prevention and demobilisation)
}

# the countries of the Americas as delegations name them (en, es, pt, fr) -> ISO 3166-1
COUNTRIES = {
    "AG": ("antigua and barbuda",),
    "AR": ("argentina",),
    "BS": ("bahamas", "the bahamas"),
    "BB": ("barbados",),
    "BZ": ("belize", "belice"),
    "BO": ("bolivia",),
    "BR": ("brazil", "brasil", "bresil"),
    "CA": ("canada",),
    "CL": ("chile", "chili"),
    "CO": ("colombia", "colombie"),
    "CR": ("costa rica",),
    "CU": ("cuba",),
    "DM": ("dominica",),
    "DO": ("dominican republic", "republica dominicana"),
    "EC": ("ecuador", "equateur"),
    "SV": ("el salvador", "salvador"),
    "GD": ("grenada",),
    "GT": ("guatemala",),
    "GY": ("guyana",),
    "HT": ("haiti",),
    "HN": ("honduras",),
    "JM": ("jamaica", "jamaique"),
    "MX": ("mexico", "mexique"),
    "NI": ("nicaragua",),
    "PA": ("panama",),
    "PY": ("paraguay",),
    "PE": ("peru", "perou"),
    "KN": ("saint kitts and nevis",),
    "LC": ("saint lucia",),
    "VC": ("saint vincent and the grenadines",),
    "SR": ("suriname",),
    "TT": ("trinidad and tobago",),
    "US": ("united states", "united states of america"),
    "UY": ("uruguay",),
    "VE": ("venezuela",),
}
# regions as subregional mechanisms give them -> DAC region codes (IATI Region, vocabulary 1)
REGIONS = {
    "489": ("south america", "america del sur", "sudamerica", "suramerica", "america do sul"),
    "389": (
        "central america",
        "mesoamerica",
        "caribbean",
        "centroamerica",
        "america central",
        "caribe",
    ),
    "498": (
        "america",
        "americas",
        "the americas",
        "latin america",
        "america latina",
        "latin america and the caribbean",
        "america latina y el caribe",
    ),
}


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip().lower()


_COUNTRY_CODES = {name: code for code, names in COUNTRIES.items() for name in names}
_REGION_CODES = {name: code for code, names in REGIONS.items() for name in names}


def country_code(country: str | None) -> str | None:
    """ISO 3166-1 alpha-2 of a country as delegations write it, if known."""
    if not country:
        return None
    if len(country) == 2 and country.isalpha() and country.upper() in COUNTRIES:
        return country.upper()
    return _COUNTRY_CODES.get(_plain(country))


def region_code(region: str | None) -> str | None:
    """The DAC region code of a region as mechanisms give it, if known."""
    return _REGION_CODES.get(_plain(region)) if region else None


def sectors(topics: list[str]) -> list[tuple[str, Decimal]]:
    """DAC codes of the topics with percentages that add up to 100."""
    codes = list(dict.fromkeys(SECTORS.get(t, SOCIAL_PROTECTION) for t in topics)) or [
        SOCIAL_PROTECTION
    ]
    share = (Decimal(100) / len(codes)).quantize(Decimal("0.01"))
    shares = [share] * len(codes)
    shares[0] += Decimal(100) - sum(shares)
    return list(zip(codes, shares, strict=True))


@dataclass(frozen=True)
class Organisation:
    name: str
    type: str | None = None
    ref: str | None = None


@dataclass(frozen=True)
class ActivityRecord:
    """What the export says of one activity (gathered by the use case)."""

    id: str
    title: str
    description: str
    state: str
    topics: list[str]
    demanding: Organisation
    supplying: list[Organisation]
    funders: list[Organisation]
    proposed_on: date
    planned_start: date | None
    planned_end: date | None
    started_on: date | None
    ended_on: date | None
    country: str | None
    region: str | None
    estimated_cost: int | None
    currency: str | None
    updated_at: datetime


def _narrative(parent, text: str) -> None:
    etree.SubElement(parent, "narrative").text = text


def _org(parent, tag: str, org: Organisation, role: str | None = None) -> None:
    element = etree.SubElement(parent, tag)
    if org.ref:
        element.set("ref", org.ref)
    if org.type:
        element.set("type", org.type)
    if role:
        element.set("role", role)
    _narrative(element, org.name)


def _date(parent, kind: str, day: date, note: str | None = None) -> None:
    element = etree.SubElement(parent, "activity-date", {"type": kind, "iso-date": day.isoformat()})
    if note:
        _narrative(element, note)


def identifier(reporting_org: Organisation, local_id: str) -> str:
    return f"{reporting_org.ref}-{local_id}"


def _activity(
    root, record: ActivityRecord, *, reporting_org: Organisation, workshop_id: str
) -> None:
    attributes = {
        "last-updated-datetime": record.updated_at.isoformat(timespec="seconds"),
        XML_LANG: "en",
        "hierarchy": "2",
    }
    if record.currency:
        attributes["default-currency"] = record.currency
    activity = etree.SubElement(root, "iati-activity", attributes)
    etree.SubElement(activity, "iati-identifier").text = identifier(reporting_org, record.id)
    _org(activity, "reporting-org", reporting_org)
    _narrative(etree.SubElement(activity, "title"), record.title)
    _narrative(etree.SubElement(activity, "description", {"type": "1"}), record.description)
    for funder in record.funders:
        _org(activity, "participating-org", funder, FUNDING)
    _org(activity, "participating-org", record.demanding, ACCOUNTABLE)
    _org(activity, "participating-org", reporting_org, EXTENDING)
    for supplier in record.supplying:
        _org(activity, "participating-org", supplier, IMPLEMENTING)
    etree.SubElement(activity, "activity-status", {"code": STATUS[record.state]})
    if record.planned_start:
        _date(activity, PLANNED_START, record.planned_start)
    elif not record.started_on:
        _date(
            activity,
            PLANNED_START,
            record.proposed_on,
            "not planned yet: the day the expression of interest was signed",
        )
    if record.started_on:
        _date(activity, ACTUAL_START, record.started_on)
    if record.planned_end:
        _date(activity, PLANNED_END, record.planned_end)
    if record.ended_on:
        _date(activity, ACTUAL_END, record.ended_on)
    if record.country and country_code(record.country):
        etree.SubElement(activity, "recipient-country", {"code": country_code(record.country)})
    elif record.region and region_code(record.region):
        etree.SubElement(
            activity, "recipient-region", {"code": region_code(record.region), "vocabulary": "1"}
        )
    for code, percentage in sectors(record.topics):
        etree.SubElement(
            activity, "sector", {"vocabulary": "1", "code": code, "percentage": str(percentage)}
        )
    if (
        record.estimated_cost is not None
        and record.currency
        and record.planned_start
        and record.planned_end
    ):
        # original (1), indicative (1): an estimate over the planned dates
        budget = etree.SubElement(activity, "budget", {"type": "1", "status": "1"})
        etree.SubElement(budget, "period-start", {"iso-date": record.planned_start.isoformat()})
        etree.SubElement(budget, "period-end", {"iso-date": record.planned_end.isoformat()})
        value = etree.SubElement(
            budget,
            "value",
            {"currency": record.currency, "value-date": record.planned_start.isoformat()},
        )
        value.text = str(Decimal(record.estimated_cost) / 100)
    # the workshop the activity was agreed at is its parent (RelatedActivityType 1)
    etree.SubElement(
        activity, "related-activity", {"ref": identifier(reporting_org, workshop_id), "type": "1"}
    )


def activities_xml(
    records: list[ActivityRecord],
    *,
    reporting_org: Organisation,
    workshop_id: str,
    generated_at: datetime,
) -> bytes:
    """The `iati-activities` document of a workshop's activities (at least one)."""
    if not records:
        raise ValueError("an IATI activity file holds at least one activity")
    root = etree.Element(
        "iati-activities",
        {"version": IATI_VERSION, "generated-datetime": generated_at.isoformat(timespec="seconds")},
    )
    for record in records:
        _activity(root, record, reporting_org=reporting_org, workshop_id=workshop_id)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
