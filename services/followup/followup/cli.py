"""`rueda-followup`: followup's reports as files, from a shell.

    rueda-followup report --config services/followup/config.yml --workshop ID --out DIR [--as-of ISO] [--lang es|en|pt|fr]
    rueda-followup iati --config services/followup/config.yml --workshop ID --out FILE [--as-of ISO]
    rueda-followup example --example examples/santa-marta-2012.json --out DIR [--lang ...]

`report` and `iati` read the service's own database (the config's
DATABASE_URL, with the same `${VAR:default}` substitution nameko uses);
`iati` writes the workshop's IATI 2.03 activity file, reported by the
organisation the config names (IATI_REPORTING_ORG_*). `example` builds the
Santa Marta 2012 follow-up in a throw-away SQLite database and writes its
reports, the charts the docs show and its IATI file. Reports are labelled
in `--lang` (headers, states, types, dates, money; default en).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from datetime import datetime
from pathlib import Path

from rueda_backbone import tables
from rueda_backbone.clock import clock_from_config
from rueda_backbone.database import Store
from rueda_backbone.outbox import UnitOfWork

from . import labels, reports, usecases
from .exceptions import NotFound
from .settings import DEFAULT, Settings


def write_reports(
    session, workshop_id: str, out: Path, now: datetime, lang: str = labels.DEFAULT_LANGUAGE
) -> list[Path]:
    """Every report as CSV, all of them in one JSON, and both charts as PNG and
    SVG, labelled in `lang` (es, en, pt, fr)."""
    out.mkdir(parents=True, exist_ok=True)
    built = reports.build_all(session, workshop_id, now, lang)
    written = []
    for name, rows in built.items():
        path = out / f"{name}.csv"
        path.write_bytes(reports.to_csv(rows))
        written.append(path)
    path = out / "report.json"
    path.write_text(
        json.dumps(
            {"workshop_id": workshop_id, "as_of": now.isoformat(), **built},
            indent=2,
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    written.append(path)
    # the charts draw from the rows with codes, and label them themselves
    coded = {name: reports.build(session, workshop_id, name, now) for name in reports.CHARTS}
    for name in reports.CHARTS:
        for fmt in ("png", "svg"):
            path = out / f"{name}.{fmt}"
            path.write_bytes(reports.chart(name, coded[name], fmt, lang))
            written.append(path)
    return written


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rueda-followup", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    report = commands.add_parser("report", help="write a workshop's reports and charts")
    report.add_argument("--config", required=True, help="followup's config.yml")
    report.add_argument("--workshop", required=True, help="the workshop id")
    report.add_argument("--out", required=True, type=Path, help="directory to write into")
    report.add_argument(
        "--as-of",
        type=datetime.fromisoformat,
        help="the instant lateness is computed at (default: now)",
    )
    report.add_argument(
        "--lang",
        choices=labels.LANGUAGES,
        default=labels.DEFAULT_LANGUAGE,
        help="the language of headers, states, types, dates (default: en)",
    )
    iati = commands.add_parser("iati", help="write a workshop's IATI 2.03 activity file")
    iati.add_argument("--config", required=True, help="followup's config.yml")
    iati.add_argument("--workshop", required=True, help="the workshop id")
    iati.add_argument("--out", required=True, type=Path, help="the XML file to write")
    iati.add_argument(
        "--as-of", type=datetime.fromisoformat, help="the file's generated-datetime (default: now)"
    )
    example = commands.add_parser("example", help="the Santa Marta 2012 example's reports")
    example.add_argument(
        "--example", required=True, type=Path, help="examples/santa-marta-2012.json"
    )
    example.add_argument("--out", required=True, type=Path)
    example.add_argument(
        "--lang",
        choices=labels.LANGUAGES,
        default=labels.DEFAULT_LANGUAGE,
        help="the language of the reports (default: en)",
    )
    return parser


def write_iati(
    uow, workshop_id: str, out: Path, now: datetime, settings: Settings = DEFAULT
) -> Path:
    """The workshop's IATI activity file at `out` (a directory gets `iati.xml`)."""
    path = out / "iati.xml" if out.is_dir() else out
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(
        usecases.get_iati({"workshop_id": workshop_id}, uow=uow, now=now, settings=settings)
    )
    return path


def _from_database(args) -> list[Path] | int:
    from rueda_backbone.ops import load_config

    config = load_config(args.config)
    # the service's own time (CLOCK_FIXED_AT) unless the caller names one
    now = args.as_of or clock_from_config(config)()
    if now.tzinfo is None:
        print("rueda-followup: --as-of needs an offset", file=sys.stderr)
        return 2
    store = Store(config["DATABASE_URL"])
    try:
        with store.transaction() as session:
            if args.command == "report":
                return write_reports(session, args.workshop, args.out, now, args.lang)
            uow = UnitOfWork(session, producer="followup", correlation_id="cli", origin="cli:iati")
            try:
                return [write_iati(uow, args.workshop, args.out, now, Settings.from_config(config))]
            except NotFound as exc:
                print(f"rueda-followup: {exc.message}", file=sys.stderr)
                return 1
    finally:
        store.dispose()


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    if args.command in ("report", "iati"):
        written = _from_database(args)
        if isinstance(written, int):
            return written
    else:
        from . import example
        from .models import Base

        with tempfile.TemporaryDirectory() as tmp:
            store = Store(f"sqlite:///{tmp}/example.sqlite3")
            Base.metadata.create_all(store.engine)
            tables.metadata.create_all(store.engine)
            try:
                with store.transaction() as session:
                    # the example's own unit of work: no service runs here
                    uow = UnitOfWork(
                        session, producer="followup", correlation_id="example", origin="cli:example"
                    )
                    built = example.build(uow, args.example)
                with store.transaction() as session:
                    written = write_reports(
                        session, example.WORKSHOP_ID, args.out, example.AS_OF, args.lang
                    )
                    uow = UnitOfWork(
                        session, producer="followup", correlation_id="example", origin="cli:example"
                    )
                    written.append(
                        write_iati(uow, example.WORKSHOP_ID, args.out / "iati.xml", example.AS_OF)
                    )
            finally:
                store.dispose()
        selection = built["selection"]
        print(
            f"{built['activities']} activities; network fund: {len(built['funded'])} selected "
            f"for {reports.money(selection['total_cost'], selection['currency'])} of "
            f"{reports.money(selection['budget'], selection['currency'])} "
            f"(score {selection['total_score']})"
        )
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
