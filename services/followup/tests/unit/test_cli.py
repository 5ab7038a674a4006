"""`rueda-followup`: the Santa Marta example and a workshop's report files."""

import csv
import json
from pathlib import Path

import pytest
from lxml import etree

from followup import cli, example
from rueda_backbone.database import upgrade

REPO = Path(__file__).resolve().parents[4]
SANTA_MARTA = REPO / "examples" / "santa-marta-2012.json"
ALEMBIC_INI = Path(__file__).resolve().parents[2] / "alembic.ini"


def test_the_santa_marta_example_has_46_activities_and_two_funded(tmp_path, capsys):
    assert cli.main(["example", "--example", str(SANTA_MARTA), "--out", str(tmp_path)]) == 0
    assert capsys.readouterr().out.startswith("46 activities; network fund: 2 selected")
    assert (tmp_path / "supply_demand.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    with open(tmp_path / "supply_demand.csv", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    # labelled for people, in English unless --lang says otherwise
    assert len(rows) == 46 and "Activity id" in rows[0]
    assert sum(r["Supplying delegations"] == "not yet defined" for r in rows) == len(
        example.TOPIC_ONLY
    )
    topics = json.loads((tmp_path / "report.json").read_text())["demand_by_topic"]
    # the most demanded, as in 2012
    assert topics[0] == {"Topic": "food_security", "Activities": 13}
    for name in ("demand_by_topic", "demand_by_country"):
        assert (tmp_path / f"{name}.png").read_bytes().startswith(b"\x89PNG")
        assert b"<svg" in (tmp_path / f"{name}.svg").read_bytes()
    # MERCOSUR's Social Institute is a region in the reports, not a country
    countries = json.loads((tmp_path / "report.json").read_text())["demand_by_country"]
    assert {"Country": "", "Region": "South America", "Activities": 3} in countries
    iati = etree.parse(str(tmp_path / "iati.xml"))
    assert len(iati.findall("iati-activity")) == 46


def test_the_example_in_spanish_labels_headers_states_types_and_dates(tmp_path, capsys):
    assert (
        cli.main(["example", "--example", str(SANTA_MARTA), "--out", str(tmp_path), "--lang", "es"])
        == 0
    )
    with open(tmp_path / "supply_demand.csv", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0])[:3] == ["Id de la actividad", "Título", "Delegación demandante"]
    assert sum(r["Delegaciones oferentes"] == "aún no definido" for r in rows) == len(
        example.TOPIC_ONLY
    )
    assert {r["Estado"] for r in rows} <= {
        "propuesta",
        "en revisión",
        "seleccionada",
        "rechazada",
        "planificada",
        "en curso",
        "finalizada",
        "evaluada",
        "retirada",
    }
    built = json.loads((tmp_path / "report.json").read_text())
    assert {r["Dimensión"] for r in built["counts"]} == {
        "tipo de actividad",
        "mecanismo",
        "enfoque",
    }
    assert "Brasil" in {r["País"] for r in built["demand_by_country"]}
    dates = {r["Fecha de seguimiento"] for r in built["status_by_delegation"]} - {""}
    assert dates and all(d.endswith(" 2013") or d.endswith(" 2012") for d in dates)
    assert {r["Atrasada"] for r in built["status_by_delegation"]} <= {"sí", "no"}
    with pytest.raises(SystemExit):  # es, en, pt or fr
        cli.main(["example", "--example", str(SANTA_MARTA), "--out", str(tmp_path), "--lang", "de"])


def test_report_writes_the_files_of_a_workshop_from_the_services_database(tmp_path, capsys):
    database = tmp_path / "followup.sqlite3"
    upgrade(ALEMBIC_INI, f"sqlite:///{database}")
    config = tmp_path / "config.yml"
    config.write_text(f"DATABASE_URL: sqlite:///{database}\n")
    out = tmp_path / "out"
    assert (
        cli.main(
            [
                "report",
                "--config",
                str(config),
                "--workshop",
                "w-none",
                "--out",
                str(out),
                "--as-of",
                "2026-05-20T12:00:00+00:00",
            ]
        )
        == 0
    )
    assert json.loads((out / "report.json").read_text())["supply_demand"] == []
    assert (out / "demand_by_topic.png").is_file()
    assert str(out / "status_by_delegation.csv") in capsys.readouterr().out


def test_iati_writes_the_file_of_a_workshop_from_the_services_database(tmp_path, capsys):

    from rueda_backbone.database import Store
    from rueda_backbone.outbox import UnitOfWork

    database = tmp_path / "followup.sqlite3"
    upgrade(ALEMBIC_INI, f"sqlite:///{database}")
    store = Store(f"sqlite:///{database}")
    with store.transaction() as session:
        example.build(
            UnitOfWork(session, producer="followup", correlation_id="t", origin="test"), SANTA_MARTA
        )
    store.engine.dispose()
    config = tmp_path / "config.yml"
    config.write_text(f"DATABASE_URL: sqlite:///{database}\nIATI_REPORTING_ORG_REF: XM-TEST\n")
    out = tmp_path / "out" / "santa-marta.xml"
    assert (
        cli.main(
            [
                "iati",
                "--config",
                str(config),
                "--workshop",
                example.WORKSHOP_ID,
                "--out",
                str(out),
                "--as-of",
                "2013-02-15T10:00:00-05:00",
            ]
        )
        == 0
    )
    root = etree.parse(str(out)).getroot()
    assert root.get("generated-datetime") == "2013-02-15T10:00:00-05:00"
    assert root.find("iati-activity/reporting-org").get("ref") == "XM-TEST"
    assert str(out) in capsys.readouterr().out
    assert (
        cli.main(["iati", "--config", str(config), "--workshop", "nowhere", "--out", str(out)]) == 1
    )
    assert "no workshop nowhere" in capsys.readouterr().err
