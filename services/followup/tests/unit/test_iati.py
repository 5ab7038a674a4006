"""The IATI 2.03 activity export: the Santa Marta example is valid against the
official schema (read from ../shared/schemas/iati-2.03, never copied here),
and says what IATI readers look for: roles, status codes, dates, sectors, the
workshop as the parent."""

import os
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from followup import domain, example, iati, usecases
from followup.exceptions import NotFound, WorkshopNotFound
from followup.models import Activity
from followup.settings import ReportingOrg, Settings
from rueda_backbone.outbox import UnitOfWork

from .conftest import NOW, delegation, expression, workshop

REPO = Path(__file__).resolve().parents[4]
SANTA_MARTA = REPO / "examples" / "santa-marta-2012.json"
# outside standards' schemas live beside the checkout (../shared/schemas)
SHARED_SCHEMAS = Path(os.environ.get("RUEDA_SHARED_SCHEMAS") or REPO.parent / "shared" / "schemas")
IATI_XSD = SHARED_SCHEMAS / "iati-2.03" / "iati-activities-schema.xsd"


@pytest.fixture(scope="module")
def schema():
    if not IATI_XSD.is_file():
        pytest.fail(f"the IATI 2.03 schema is not at {IATI_XSD} (shared/ beside the repo)")
    return etree.XMLSchema(etree.parse(str(IATI_XSD)))


@pytest.fixture
def santa_marta(uow):
    example.build(
        UnitOfWork(uow.session, producer="followup", correlation_id="t", origin="test"), SANTA_MARTA
    )
    uow.session.flush()
    return uow


def export(uow, workshop_id=example.WORKSHOP_ID, **settings):
    xml = usecases.get_iati(
        {"workshop_id": workshop_id}, uow=uow, now=example.AS_OF, settings=Settings(**settings)
    )
    return etree.fromstring(xml)


def by_id(root) -> dict:
    """The exported activities by followup's id (the identifier's last five parts)."""
    return {
        "-".join(a.findtext("iati-identifier").split("-")[-5:]): a
        for a in root.iter("iati-activity")
    }


def test_the_santa_marta_export_is_valid_iati_2_03(santa_marta, schema):
    root = export(santa_marta)
    assert schema.validate(root), schema.error_log
    assert root.get("version") == "2.03"
    assert len(root.findall("iati-activity")) == 46


def test_every_activity_is_a_child_of_the_workshop_under_the_reporting_org(santa_marta):
    org = ReportingOrg(ref="XM-OAS-IASPN", name="IASPN technical secretariat", type="40")
    root = export(santa_marta, reporting_org=org)
    for activity in root.iter("iati-activity"):
        assert activity.get("hierarchy") == "2"
        assert activity.findtext("iati-identifier").startswith("XM-OAS-IASPN-")
        reporting = activity.find("reporting-org")
        assert (reporting.get("ref"), reporting.get("type"), reporting.findtext("narrative")) == (
            "XM-OAS-IASPN",
            "40",
            "IASPN technical secretariat",
        )
        [parent] = activity.findall("related-activity")
        assert (parent.get("type"), parent.get("ref")) == ("1", "XM-OAS-IASPN-santa-marta-2012")


def test_participating_organisations_have_their_roles(santa_marta):
    root = export(santa_marta)
    activities = by_id(root)
    for activity in santa_marta.session.query(Activity):
        element = activities[activity.id]
        roles = [
            (p.get("role"), p.findtext("narrative")) for p in element.findall("participating-org")
        ]
        assert sum(r == "2" for r, _ in roles) == 1  # the demanding delegation
        assert sum(r == "4" for r, _ in roles) == len(activity.supplying_delegation_ids)
        assert ("3", "Technical secretariat of the cooperation network") in roles
        if activity.funding_source == "network_fund":
            assert ("1", "Technical secretariat of the cooperation network") in roles
        elif activity.state == domain.PROPOSED:
            assert "1" not in [r for r, _ in roles]


def test_status_follows_the_iati_activity_status_code_list(santa_marta):
    activities = by_id(export(santa_marta))
    expected = {
        "proposed": "1",
        "under_review": "1",
        "selected": "1",
        "planned": "1",
        "declined": "5",
        "withdrawn": "5",
    }
    seen = set()
    for activity in santa_marta.session.query(Activity):
        code = activities[activity.id].find("activity-status").get("code")
        assert code == expected[activity.state], activity.state
        seen.add(activity.state)
    assert {"proposed", "planned", "declined", "withdrawn"} <= seen
    assert iati.STATUS == {**expected, "in_progress": "2", "completed": "3", "evaluated": "4"}
    assert set(iati.STATUS) == set(domain.STATES)


def test_dates_sectors_and_budgets(santa_marta):
    activities = by_id(export(santa_marta))
    for activity in santa_marta.session.query(Activity):
        element = activities[activity.id]
        dates = {d.get("type"): d.get("iso-date") for d in element.findall("activity-date")}
        if activity.planned_start:
            assert dates == {
                "1": activity.planned_start.isoformat(),
                "3": activity.planned_end.isoformat(),
            }
            if activity.estimated_cost:
                value = element.find("budget/value")
                assert Decimal(value.text) * 100 == activity.estimated_cost
                assert value.get("currency") == "USD"
        else:  # IATI needs a start: the day it was signed, said as such
            assert dates == {"1": "2012-11-15"}
            assert "not planned yet" in element.find("activity-date/narrative").text
        sectors = element.findall("sector")
        assert {s.get("vocabulary") for s in sectors} == {"1"}
        assert sum(Decimal(s.get("percentage")) for s in sectors) == 100
        assert all(len(s.get("code")) == 5 for s in sectors)


def test_food_security_is_household_food_security_and_a_region_is_a_region(santa_marta):
    root = export(santa_marta)
    codes = [s.get("code") for s in root.iter("sector")]
    assert codes.count("43072") == 13  # the 13 activities on food security, as in 2012
    mercosur = [
        a
        for a in root.iter("iati-activity")
        if "ISM" in a.find("participating-org[@role='2']/narrative").text
    ]
    assert mercosur and all(a.find("recipient-country") is None for a in mercosur)
    assert {a.find("recipient-region").get("code") for a in mercosur} == {"489"}
    countries = {
        a.find("recipient-country").get("code")
        for a in root.iter("iati-activity")
        if a.find("recipient-country") is not None
    }
    assert {"BR", "CO", "PE", "UY"} <= countries


def test_the_dac_codes_are_social_protection_ones():
    assert iati.sectors(["conditional_cash_transfers"]) == [("16010", Decimal("100.00"))]
    assert iati.sectors(["food_security", "productive_inclusion", "care_economy"]) == [
        ("43072", Decimal("33.34")),
        ("16020", Decimal("33.33")),
        ("16015", Decimal("33.33")),
    ]
    # a topic outside the vocabulary ("other", under its label) is social protection
    assert iati.sectors(["More than 1 option"]) == [("16010", Decimal("100.00"))]
    assert iati.country_code("Perú") == "PE" and iati.country_code("BR") == "BR"
    assert iati.country_code("Atlantis") is None
    assert iati.region_code("Mesoamérica") == "389"


def test_an_activity_in_progress_and_completed_gives_its_actual_dates(uow, schema):
    usecases.record_workshop(workshop("w1", "America/Lima"), uow=uow, now=NOW)
    for args in (("d-pe", "MIDIS", "Peru"), ("d-br", "MDS", "Brazil")):
        usecases.record_delegation(delegation(*args, acronym=args[1]), uow=uow, now=NOW)
    made = usecases.record_expression(expression("x1"), uow=uow, now=NOW)
    steps = [
        {"to": "under_review"},
        {"to": "selected", "funding_source": "own_resources"},
        {
            "to": "planned",
            "planned_start": NOW.date(),
            "planned_end": NOW.date(),
            "terms_of_reference": "a week",
        },
        {"to": "in_progress"},
        {"to": "completed"},
    ]
    for step in steps:
        usecases.transition({"activity_id": made.id, "reason": "ok", **step}, uow=uow, now=NOW)
    root = etree.fromstring(usecases.get_iati({"workshop_id": "w1"}, uow=uow, now=NOW))
    assert schema.validate(root), schema.error_log
    [activity] = root.iter("iati-activity")
    assert activity.find("activity-status").get("code") == "3"
    assert {d.get("type") for d in activity.findall("activity-date")} == {"1", "2", "3", "4"}
    funders = [p.findtext("narrative") for p in activity.findall("participating-org[@role='1']")]
    # own resources: both delegations fund it
    assert funders == ["MIDIS, Peru", "MDS, Brazil"]


def test_an_unknown_workshop_or_one_without_activities_has_no_file(uow):
    with pytest.raises(WorkshopNotFound):
        usecases.get_iati({"workshop_id": "nowhere"}, uow=uow, now=NOW)
    usecases.record_workshop(workshop("w2"), uow=uow, now=NOW)
    with pytest.raises(NotFound, match="no activities"):
        usecases.get_iati({"workshop_id": "w2"}, uow=uow, now=NOW)
