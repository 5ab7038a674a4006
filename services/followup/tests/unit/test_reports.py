"""Reports and charts computed from a known set of activities."""
import io
import json
from datetime import date
from xml.etree import ElementTree

import pytest
from PIL import Image

from followup import reports, usecases
from followup.inbound import ProgramSubmitted

from .conftest import NOW, delegation, expression


@pytest.fixture
def ids(uow):
    for args in (("d-pe", "Ministerio de Desarrollo e Inclusión Social", "Peru", "MIDIS"),
                 ("d-br", "Ministério do Desenvolvimento Social", "Brazil", "MDS"),
                 ("d-uy", "Ministerio de Desarrollo Social", "Uruguay", "MIDES")):
        usecases.record_delegation(delegation(*args[:3], acronym=args[3]), uow=uow, now=NOW)
    usecases.record_program(ProgramSubmitted().load({
        "program_id": "p-paa", "delegation_id": "d-br", "title": "Food Acquisition Program (PAA)",
        "topics": ["food_security", "productive_inclusion"], "version": 1,
        "submitted_at": "2026-03-02T10:00:00+00:00"}), uow=uow, now=NOW)
    signed = [
        expression("x1", demanding="d-pe", supplying=("d-br",), program_id="p-paa", topic=None,
                   activity_types=["expert_visit", "study_tour"], submitted_at="2026-05-14T10:00:00+00:00"),
        expression("x2", demanding="d-uy", supplying=(), topic="multidimensional_poverty",
                   activity_types=["virtual"], mechanism="regional_program",
                   focus="specific_components", submitted_at="2026-05-14T11:00:00+00:00"),
        expression("x3", demanding="d-pe", supplying=("d-br", "d-uy"), topic="food_security",
                   mechanism="other", submitted_at="2026-05-14T12:00:00+00:00"),
    ]
    out = [usecases.record_expression(e, uow=uow, now=NOW).id for e in signed]
    usecases.set_follow_up({"activity_id": out[1], "follow_up_on": date(2026, 5, 10),
                            "by": "ana"}, uow=uow, now=NOW)
    uow.session.flush()
    return out


def test_supply_and_demand_has_one_line_per_activity(uow, ids):
    rows = reports.build(uow.session, "w1", "supply_demand", NOW)
    assert reports.to_csv(rows) == (
        "activity_id,title,demanding,demanding_country,supplying,topic,state\n"
        f"{ids[0]},Food Acquisition Program (PAA),MIDIS,Peru,MDS,food_security; productive_inclusion,proposed\n"
        f"{ids[1]},Multidimensional poverty,MIDES,Uruguay,not yet defined,multidimensional_poverty,proposed\n"
        f"{ids[2]},Food security,MIDIS,Peru,MDS; MIDES,food_security,proposed\n")


def test_counts_by_type_mechanism_and_focus(uow, ids):
    rows = reports.build(uow.session, "w1", "counts", NOW)
    assert [(r["dimension"], r["value"], r["activities"]) for r in rows] == [
        ("activity_type", "expert_visit", 2), ("activity_type", "study_tour", 1),
        ("activity_type", "virtual", 1),
        ("mechanism", "bilateral_agreement", 1), ("mechanism", "other", 1),
        ("mechanism", "regional_program", 1),
        ("focus", "general", 2), ("focus", "specific_components", 1)]


def test_demand_by_topic_and_by_country(uow, ids):
    assert reports.build(uow.session, "w1", "demand_by_topic", NOW) == [
        {"topic": "food_security", "activities": 2},
        {"topic": "multidimensional_poverty", "activities": 1},
        {"topic": "productive_inclusion", "activities": 1}]
    assert reports.build(uow.session, "w1", "demand_by_country", NOW) == [
        {"country": "Peru", "activities": 2}, {"country": "Uruguay", "activities": 1}]


def test_status_by_delegation_shows_what_is_overdue(uow, ids):
    rows = reports.build(uow.session, "w1", "status_by_delegation", NOW)
    summary = [(r["delegation"], r["role"], r["activity_id"], r["follow_up_on"], r["overdue"],
                r["days_overdue"]) for r in rows]
    assert summary == sorted([
        ("MIDIS", "demanding", ids[0], "2026-05-27", False, 0),
        ("MDS", "supplying", ids[0], "2026-05-27", False, 0),
        ("MIDES", "demanding", ids[1], "2026-05-10", True, 10),
        ("MIDIS", "demanding", ids[2], "2026-05-27", False, 0),
        ("MDS", "supplying", ids[2], "2026-05-27", False, 0),
        ("MIDES", "supplying", ids[2], "2026-05-27", False, 0)], key=lambda r: (r[0], r[1], r[2]))
    json.dumps(rows)  # the JSON report is these rows as they are


def test_the_png_chart_has_the_bars(uow, ids):
    rows = reports.build(uow.session, "w1", "demand_by_topic", NOW)
    png = reports.bar_chart(rows, label_key="topic", title="Demand by topic")
    image = Image.open(io.BytesIO(png))
    image.verify()
    image = Image.open(io.BytesIO(png)).convert("RGB")
    colour = tuple(int(reports.BAR_COLOUR[i:i + 2], 16) for i in (1, 3, 5))
    assert image.getcolors(1 << 24) and dict((c, n) for n, c in image.getcolors(1 << 24))[colour] > 500


def test_the_svg_chart_names_a_bar_per_row(uow, ids):
    rows = reports.build(uow.session, "w1", "demand_by_country", NOW)
    svg = ElementTree.fromstring(reports.bar_chart(rows, label_key="country", title="t", fmt="svg"))
    bars = [g.get("id") for g in svg.iter("{http://www.w3.org/2000/svg}g")
            if (g.get("id") or "").startswith("bar:")]
    assert bars == ["bar:Uruguay", "bar:Peru"]  # drawn bottom-up: the largest bar on top


def test_the_digest_chart_is_small_enough_for_an_email(uow, ids):
    views = usecases.list_activities({"workshop_id": "w1"}, uow=uow, now=NOW)["activities"]
    [(name, png)] = reports.digest_charts(views)
    assert name == "activities_by_state" and png.startswith(b"\x89PNG") and len(png) < 200_000
