"""`rueda-followup`: the Santa Marta example and a workshop's report files."""
import csv
import json
from pathlib import Path

from rueda_backbone.database import upgrade

from followup import cli, example

REPO = Path(__file__).resolve().parents[4]
SANTA_MARTA = REPO / "examples" / "santa-marta-2012.json"
ALEMBIC_INI = Path(__file__).resolve().parents[2] / "alembic.ini"


def test_the_santa_marta_example_has_46_activities_and_two_funded(tmp_path, capsys):
    assert cli.main(["example", "--example", str(SANTA_MARTA), "--out", str(tmp_path)]) == 0
    assert capsys.readouterr().out.startswith("46 activities; network fund: 2 selected")
    with open(tmp_path / "supply_demand.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 46
    assert sum(r["supplying"] == "not yet defined" for r in rows) == len(example.TOPIC_ONLY)
    topics = json.loads((tmp_path / "report.json").read_text())["demand_by_topic"]
    assert topics[0] == {"topic": "food_security", "activities": 13}  # the most demanded, as in 2012
    for name in ("demand_by_topic", "demand_by_country"):
        assert (tmp_path / f"{name}.png").read_bytes().startswith(b"\x89PNG")
        assert b"<svg" in (tmp_path / f"{name}.svg").read_bytes()


def test_report_writes_the_files_of_a_workshop_from_the_services_database(tmp_path, capsys):
    database = tmp_path / "followup.sqlite3"
    upgrade(ALEMBIC_INI, f"sqlite:///{database}")
    config = tmp_path / "config.yml"
    config.write_text(f"DATABASE_URL: sqlite:///{database}\n")
    out = tmp_path / "out"
    assert cli.main(["report", "--config", str(config), "--workshop", "w-none", "--out", str(out),
                     "--as-of", "2026-05-20T12:00:00+00:00"]) == 0
    assert json.loads((out / "report.json").read_text())["supply_demand"] == []
    assert (out / "demand_by_topic.png").is_file()
    assert str(out / "status_by_delegation.csv") in capsys.readouterr().out
