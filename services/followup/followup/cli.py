"""`rueda-followup`: followup's reports as files, from a shell.

    rueda-followup report --config services/followup/config.yml --workshop ID --out DIR [--as-of ISO]
    rueda-followup example --example examples/santa-marta-2012.json --out DIR

`report` reads the service's own database (the config's DATABASE_URL, with the
same `${VAR:default}` substitution nameko uses). `example` builds the Santa
Marta 2012 follow-up in a throw-away SQLite database and writes its reports,
the charts the docs show.
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

from . import reports


def write_reports(session, workshop_id: str, out: Path, now: datetime) -> list[Path]:
    """Every report as CSV, all of them in one JSON, and both charts as PNG and SVG."""
    out.mkdir(parents=True, exist_ok=True)
    built = reports.build_all(session, workshop_id, now)
    written = []
    for name, rows in built.items():
        path = out / f"{name}.csv"
        path.write_text(reports.to_csv(rows), encoding="utf-8")
        written.append(path)
    path = out / "report.json"
    path.write_text(json.dumps({"workshop_id": workshop_id, "as_of": now.isoformat(),
                                **built}, indent=2, ensure_ascii=False), encoding="utf-8")
    written.append(path)
    for name, title in reports.CHARTS.items():
        label = "topic" if name == "demand_by_topic" else "country"
        for fmt in ("png", "svg"):
            path = out / f"{name}.{fmt}"
            path.write_bytes(reports.bar_chart(built[name], label_key=label, title=title, fmt=fmt))
            written.append(path)
    return written


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rueda-followup", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    report = commands.add_parser("report", help="write a workshop's reports and charts")
    report.add_argument("--config", required=True, help="followup's config.yml")
    report.add_argument("--workshop", required=True, help="the workshop id")
    report.add_argument("--out", required=True, type=Path, help="directory to write into")
    report.add_argument("--as-of", type=datetime.fromisoformat,
                        help="the instant lateness is computed at (default: now)")
    example = commands.add_parser("example", help="the Santa Marta 2012 example's reports")
    example.add_argument("--example", required=True, type=Path,
                         help="examples/santa-marta-2012.json")
    example.add_argument("--out", required=True, type=Path)
    return parser


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "report":
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
                written = write_reports(session, args.workshop, args.out, now)
        finally:
            store.engine.dispose()
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
                    built = example.build(UnitOfWork(session, producer="followup",
                                                     correlation_id="example",
                                                     origin="cli:example"), args.example)
                with store.transaction() as session:
                    written = write_reports(session, example.WORKSHOP_ID, args.out, example.AS_OF)
            finally:
                store.engine.dispose()
        selection = built["selection"]
        print(f"{built['activities']} activities; network fund: {len(built['funded'])} selected "
              f"for {selection['total_cost'] / 100:,.2f} {selection['currency']} of "
              f"{selection['budget'] / 100:,.2f} (score {selection['total_score']})")
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
