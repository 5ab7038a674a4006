"""Reports and charts computed from a known set of activities: delegations
named with their country or region, a topic "other" under its label, money
from cents, CSV files safe to open in a spreadsheet."""

import io
import json
from datetime import date
from xml.etree import ElementTree

import pytest
from PIL import Image

from followup import labels, reports, usecases
from followup.inbound import ProgramSubmitted
from followup.models import Activity

from .conftest import NOW, delegation, expression, staff


@pytest.fixture
def ids(uow):
    for args in (
        ("d-pe", "Ministerio de Desarrollo e Inclusión Social", "Peru", "MIDIS"),
        ("d-br", "Ministério do Desenvolvimento Social", "Brazil", "MDS"),
        ("d-uy", "Ministerio de Desarrollo Social", "Uruguay", "MIDES"),
    ):
        usecases.record_delegation(delegation(*args[:3], acronym=args[3]), uow=uow, now=NOW)
    # a subregional mechanism: a region, no country
    usecases.record_delegation(
        delegation(
            "d-ism",
            "Instituto Social del MERCOSUR",
            None,
            acronym="ISM",
            region="South America",
            kind="subregional_mechanism",
        ),
        uow=uow,
        now=NOW,
    )
    usecases.record_program(
        ProgramSubmitted().load(
            {
                "program_id": "p-paa",
                "delegation_id": "d-br",
                "title": "Food Acquisition Program (PAA)",
                "topics": ["food_security", "productive_inclusion"],
                "version": 1,
                "submitted_at": "2026-03-02T10:00:00+00:00",
            }
        ),
        uow=uow,
        now=NOW,
    )
    signed = [
        expression(
            "x1",
            demanding="d-pe",
            supplying=("d-br",),
            program_id="p-paa",
            topic=None,
            activity_types=["expert_visit", "study_tour"],
            submitted_at="2026-05-14T10:00:00+00:00",
        ),
        expression(
            "x2",
            demanding="d-uy",
            supplying=(),
            topic="multidimensional_poverty",
            activity_types=["virtual"],
            mechanism="regional_program",
            focus="specific_components",
            submitted_at="2026-05-14T11:00:00+00:00",
        ),
        expression(
            "x3",
            demanding="d-pe",
            supplying=("d-br", "d-uy"),
            topic="food_security",
            mechanism="other",
            submitted_at="2026-05-14T12:00:00+00:00",
        ),
        # a real record: a topic outside the vocabulary, suppliers not named yet, the
        # rest not yet known
        expression(
            "x4",
            demanding="d-ism",
            supplying=(),
            topic="other",
            other_topic="More than 1 option",
            supplier_status="several_not_yet_named",
            activity_types=["not_yet_known"],
            mechanism="not_yet_known",
            focus="not_yet_known",
            submitted_at="2026-05-14T13:00:00+00:00",
        ),
    ]
    out = [usecases.record_expression(e, uow=uow, now=NOW).id for e in signed]
    first = uow.session.get(Activity, out[0])
    first.estimated_cost, first.currency = 2234566, "USD"  # USD 22,345.66, kept in cents
    usecases.set_follow_up(
        {"activity_id": out[1], "follow_up_on": date(2026, 5, 10), "by": "ana"}, uow=uow, now=NOW
    )
    uow.session.flush()
    return out


def test_supply_and_demand_has_one_line_per_activity(uow, ids):
    rows = reports.build(uow.session, "w1", "supply_demand", NOW)
    assert reports.to_csv(rows).decode("utf-8-sig") == (
        "activity_id,title,demanding,demanding_country,demanding_region,supplying,topic,state,"
        "estimated_cost\n"
        f"{ids[0]},Food Acquisition Program (PAA),MIDIS (Peru),Peru,,MDS (Brazil),"
        'food_security; productive_inclusion,proposed,"22,345.66 USD"\n'
        f"{ids[1]},Multidimensional poverty,MIDES (Uruguay),Uruguay,,not yet defined,"
        "multidimensional_poverty,proposed,\n"
        f"{ids[2]},Food security,MIDIS (Peru),Peru,,MDS (Brazil); MIDES (Uruguay),food_security,"
        "proposed,\n"
        f"{ids[3]},More than 1 option,ISM (South America),,South America,"
        '"several, not yet named",More than 1 option,proposed,\n'
    )


def test_delegations_are_named_with_their_country_never_by_acronym_alone(uow, ids):
    # MDS is Brazil's ministry and Chile's too: a report must say which
    usecases.record_delegation(
        delegation("d-cl", "Ministerio de Desarrollo Social", "Chile", acronym="MDS"),
        uow=uow,
        now=NOW,
    )
    usecases.record_expression(
        expression("x5", demanding="d-cl", supplying=("d-br",)), uow=uow, now=NOW
    )
    rows = reports.build(uow.session, "w1", "supply_demand", NOW)
    assert ("MDS (Chile)", "MDS (Brazil)") in {(r["demanding"], r["supplying"]) for r in rows}
    named = {r["delegation"] for r in reports.build(uow.session, "w1", "status_by_delegation", NOW)}
    assert "MDS" not in named and {"MDS (Brazil)", "MDS (Chile)"} <= named


def test_money_kept_in_cents_reads_as_an_amount():
    assert reports.money(2234566, "USD") == "22,345.66 USD"
    assert reports.money(3000000, "EUR") == "30,000.00 EUR"
    assert reports.money(5, "USD") == "0.05 USD"
    assert reports.money(None, "USD") == "" == reports.money(100, None)


def test_counts_by_type_mechanism_and_focus(uow, ids):
    rows = reports.build(uow.session, "w1", "counts", NOW)
    assert [(r["dimension"], r["value"], r["activities"]) for r in rows] == [
        ("activity_type", "expert_visit", 2),
        ("activity_type", "not_yet_known", 1),
        ("activity_type", "study_tour", 1),
        ("activity_type", "virtual", 1),
        ("mechanism", "bilateral_agreement", 1),
        ("mechanism", "not_yet_known", 1),
        ("mechanism", "other", 1),
        ("mechanism", "regional_program", 1),
        ("focus", "general", 2),
        ("focus", "not_yet_known", 1),
        ("focus", "specific_components", 1),
    ]


def test_demand_by_topic_and_by_country(uow, ids):
    assert reports.build(uow.session, "w1", "demand_by_topic", NOW) == [
        {"topic": "food_security", "activities": 2},
        {"topic": "More than 1 option", "activities": 1},  # an "other" topic, by its label
        {"topic": "multidimensional_poverty", "activities": 1},
        {"topic": "productive_inclusion", "activities": 1},
    ]
    # MERCOSUR's Social Institute counts under its region, not as a country
    assert reports.build(uow.session, "w1", "demand_by_country", NOW) == [
        {"country": "Peru", "region": "", "activities": 2},
        {"country": "Uruguay", "region": "", "activities": 1},
        {"country": "", "region": "South America", "activities": 1},
    ]


def test_status_by_delegation_shows_what_is_overdue(uow, ids):
    rows = reports.build(uow.session, "w1", "status_by_delegation", NOW)
    summary = [
        (
            r["delegation"],
            r["role"],
            r["activity_id"],
            r["follow_up_on"],
            r["overdue"],
            r["days_overdue"],
        )
        for r in rows
    ]
    assert summary == sorted(
        [
            ("MIDIS (Peru)", "demanding", ids[0], "2026-05-27", False, 0),
            ("MDS (Brazil)", "supplying", ids[0], "2026-05-27", False, 0),
            ("MIDES (Uruguay)", "demanding", ids[1], "2026-05-10", True, 10),
            ("MIDIS (Peru)", "demanding", ids[2], "2026-05-27", False, 0),
            ("MDS (Brazil)", "supplying", ids[2], "2026-05-27", False, 0),
            ("MIDES (Uruguay)", "supplying", ids[2], "2026-05-27", False, 0),
            ("ISM (South America)", "demanding", ids[3], "2026-05-27", False, 0),
        ],
        key=lambda r: (r[0], r[1], r[2]),
    )
    json.dumps(rows)  # the JSON report is these rows as they are


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_cell_that_would_start_a_formula_is_neutralised(start):
    rows = [{"title": f'{start}HYPERLINK("http://x.example","y")', "activities": -1}]
    text = reports.to_csv(rows).decode("utf-8-sig")
    assert f"'{start}HYPERLINK" in text
    assert text.endswith(",-1\n")  # a number is not text: it stays a number


def test_a_staff_title_beginning_with_equals_reaches_the_csv_as_text(uow, ids):
    uow.session.get(Activity, ids[1]).title = "=cmd|' /C calc'!A0"
    rows = reports.build(uow.session, "w1", "supply_demand", NOW)
    text = reports.to_csv(rows).decode("utf-8-sig")
    assert ",\"'=cmd|' /C calc'!A0\"," in text or ",'=cmd|' /C calc'!A0," in text
    assert ",=cmd" not in text


def test_csv_files_are_utf8_with_a_bom_so_spreadsheets_read_accents(uow, ids):
    rows = reports.build(uow.session, "w1", "status_by_delegation", NOW)
    data = reports.to_csv(rows)
    assert data.startswith(b"\xef\xbb\xbf")
    assert reports.to_csv([{"institution": "Ministério do Desenvolvimento Social"}]) == (
        "\ufeffinstitution\nMinistério do Desenvolvimento Social\n".encode()
    )


def test_the_png_chart_has_the_bars(uow, ids):
    rows = reports.build(uow.session, "w1", "demand_by_topic", NOW)
    png = reports.bar_chart(rows, label_key="topic", title="Demand by topic")
    image = Image.open(io.BytesIO(png))
    image.verify()
    image = Image.open(io.BytesIO(png)).convert("RGB")
    colour = tuple(int(reports.BAR_COLOUR[i : i + 2], 16) for i in (1, 3, 5))
    assert (
        image.getcolors(1 << 24) and dict((c, n) for n, c in image.getcolors(1 << 24))[colour] > 500
    )


def test_the_svg_chart_names_a_bar_per_row(uow, ids):
    rows = reports.build(uow.session, "w1", "demand_by_country", NOW)
    svg = ElementTree.fromstring(reports.chart("demand_by_country", rows, "svg"))
    bars = [
        g.get("id")
        for g in svg.iter("{http://www.w3.org/2000/svg}g")
        if (g.get("id") or "").startswith("bar:")
    ]
    # drawn bottom-up: the largest bar on top; a region says it is one
    assert bars == ["bar:South America (region)", "bar:Uruguay", "bar:Peru"]


def test_the_digest_chart_is_small_enough_for_an_email(uow, ids):
    views = usecases.list_activities({"workshop_id": "w1"}, uow=uow, now=NOW)["activities"]
    [(name, png)] = reports.digest_charts(views)
    assert name == "activities_by_state" and png.startswith(b"\x89PNG") and len(png) < 200_000


def test_a_programs_topic_other_is_reported_under_its_label(uow, ids):
    usecases.record_program(
        ProgramSubmitted().load(
            {
                "program_id": "p-x",
                "delegation_id": "d-uy",
                "title": "Cuidados",
                "version": 1,
                "topics": ["care_economy", "other"],
                "submitted_at": "2026-03-02T10:00:00+00:00",
            }
        )
        | {"other_topic": "Community kitchens"},
        uow=uow,
        now=NOW,
    )
    usecases.record_expression(
        expression("x6", demanding="d-pe", supplying=("d-uy",), program_id="p-x", topic=None),
        uow=uow,
        now=NOW,
    )
    topics = {
        r["topic"]: r["activities"]
        for r in reports.build(uow.session, "w1", "demand_by_topic", NOW)
    }
    assert topics["Community kitchens"] == 1 and "other" not in topics


# -- what people read, in their language ---------------------------------------------

LABELLED = {
    # language: (state and date header, a state, the date of 10 May 2026, yes, a role,
    #            a mechanism, an activity type, Brazil, money, not yet defined)
    "en": (
        "State",
        "Follow-up date",
        "proposed",
        "May 10, 2026",
        "yes",
        "demanding",
        "bilateral agreement",
        "expert visit",
        "Brazil",
        "22,345.66 USD",
        "not yet defined",
    ),
    "es": (
        "Estado",
        "Fecha de seguimiento",
        "propuesta",
        "10 may 2026",
        "sí",
        "demandante",
        "acuerdo bilateral",
        "visita de expertos",
        "Brasil",
        "22.345,66 USD",
        "aún no definido",
    ),
    "pt": (
        "Estado",
        "Data de acompanhamento",
        "proposta",
        "10 de mai. de 2026",
        "sim",
        "demandante",
        "acordo bilateral",
        "visita de especialistas",
        "Brasil",
        "22.345,66 USD",
        "ainda não definido",
    ),
    "fr": (
        "État",
        "Date de suivi",
        "proposée",
        "10 mai 2026",
        "oui",
        "demandeuse",
        "accord bilatéral",
        "visite d'experts",
        "Brésil",
        "22\u202f345,66 USD",
        "pas encore défini",
    ),
}


@pytest.mark.parametrize("lang", sorted(LABELLED))
def test_reports_are_labelled_in_the_readers_language(uow, ids, lang):
    (
        state,
        follow_up_on,
        proposed,
        may_10,
        yes,
        demanding,
        bilateral,
        expert_visit,
        brazil,
        amount,
        not_defined,
    ) = LABELLED[lang]
    status = reports.build(uow.session, "w1", "status_by_delegation", NOW, lang)
    late = next(r for r in status if r[follow_up_on] == may_10)
    assert late[state] == proposed and yes in late.values() and demanding in late.values()
    supply = reports.build(uow.session, "w1", "supply_demand", NOW, lang)
    assert {r[state] for r in supply} == {proposed}
    first = supply[0]
    assert amount in first.values() and any(brazil in str(v) for v in first.values())
    assert not_defined in supply[1].values()
    counts = reports.build(uow.session, "w1", "counts", NOW, lang)
    shown = {v for r in counts for v in r.values()}
    assert {bilateral, expert_visit} <= shown and "bilateral_agreement" not in shown
    # the CSV's header row is in that language too
    header = reports.to_csv(status).decode("utf-8-sig").splitlines()[0]
    assert state in header and "follow_up_on" not in header


def test_without_a_language_reports_keep_their_codes(uow, ids):
    rows = reports.build(uow.session, "w1", "status_by_delegation", NOW)
    assert {"state", "role", "follow_up_on", "overdue"} <= set(rows[0])
    assert rows[0]["state"] == "proposed"


def test_an_unknown_code_is_shown_as_it_is():
    assert labels.text(labels.STATES, "paused", "es") == "paused"
    assert labels.language("de") == "en" == labels.language(None)


def _svg_ids(svg: bytes, prefix: str) -> list[str]:
    return [
        g.get("id")[len(prefix) :]
        for g in ElementTree.fromstring(svg).iter("{http://www.w3.org/2000/svg}g")
        if (g.get("id") or "").startswith(prefix)
    ]


CHART_WORDS = {
    "en": (
        "Demand by country or region",
        "activities",
        "South America (region)",
        "Peru",
        "Your activities by state",
        "proposed",
    ),
    "es": (
        "Demanda por país o región",
        "actividades",
        "South America (región)",
        "Perú",
        "Sus actividades por estado",
        "propuesta",
    ),
    "pt": (
        "Demanda por país ou região",
        "atividades",
        "South America (região)",
        "Peru",
        "Suas atividades por estado",
        "proposta",
    ),
    "fr": (
        "Demande par pays ou région",
        "activités",
        "South America (région)",
        "Pérou",
        "Vos activités par état",
        "proposée",
    ),
}


@pytest.mark.parametrize("lang", sorted(CHART_WORDS))
def test_charts_are_labelled_in_the_readers_language(uow, ids, lang):
    title, axis, region, peru, digest_title, proposed = CHART_WORDS[lang]
    rows = reports.build(uow.session, "w1", "demand_by_country", NOW)
    svg = reports.chart("demand_by_country", rows, "svg", lang)
    assert _svg_ids(svg, "title:") == [title] and _svg_ids(svg, "axis:") == [axis]
    assert region in _svg_ids(svg, "label:") and peru in _svg_ids(svg, "label:")
    # the weekly digest's chart: title, axis and state names
    views = usecases.list_activities({"workshop_id": "w1"}, uow=uow, now=NOW)["activities"]
    [(name, svg)] = reports.digest_charts(views, lang, fmt="svg")
    assert _svg_ids(svg, "title:") == [digest_title] and _svg_ids(svg, "axis:") == [axis]
    assert _svg_ids(svg, "label:") == [proposed]
    assert _svg_ids(svg, "bar:") == ["proposed"]  # the bar keeps its code


def test_the_weekly_digest_is_drawn_in_its_owners_language(uow, ids):
    usecases.record_staff_member(staff("ana", "secretariat") | {"language": "pt"}, uow=uow, now=NOW)
    for activity_id in ids:
        uow.session.get(Activity, activity_id).owner_staff_id = "ana"
    asked = []

    def charts(views, language):
        asked.append(language)
        return reports.digest_charts(views, language)

    assert usecases.prepare_digests(uow=uow, now=NOW, render_charts=charts) == 1
    assert asked == ["pt"]
