"""`rueda-webhooks`: webhooks' delivery log and replay from a shell, as
`rueda-ops` does for parked messages.

    rueda-webhooks --config services/webhooks/config.yml deliveries list [--status parked] [--json]
    rueda-webhooks --config ... deliveries replay ID [ID ...]
    rueda-webhooks --config ... subscriptions list [--all] [--json]

It reads the service's own database (the config's DATABASE_URL, with the
same `${VAR:default}` substitution nameko uses). A replayed delivery goes out
at the running sender's next pass (within DELIVERY_POLL_SECONDS).
"""

from __future__ import annotations

import argparse
import json
import sys

from rueda_backbone.clock import clock_from_config
from rueda_backbone.database import Store
from rueda_backbone.outbox import UnitOfWork

from . import domain, usecases
from .exceptions import NotFound, ReplayRefused


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rueda-webhooks", description=__doc__.split("\n")[0])
    parser.add_argument("--config", required=True, help="webhooks' config.yml")
    areas = parser.add_subparsers(dest="area", required=True)
    deliveries = areas.add_parser("deliveries").add_subparsers(dest="command", required=True)
    listing = deliveries.add_parser("list")
    listing.add_argument("--status", choices=domain.STATUSES)
    listing.add_argument("--subscription")
    listing.add_argument("--limit", type=int, default=100)
    listing.add_argument("--json", action="store_true")
    deliveries.add_parser("replay").add_argument("ids", nargs="+")
    subscriptions = areas.add_parser("subscriptions").add_subparsers(dest="command", required=True)
    subs = subscriptions.add_parser("list")
    subs.add_argument("--all", action="store_true", help="removed ones too")
    subs.add_argument("--json", action="store_true")
    return parser


def main(argv=None) -> int:
    from rueda_backbone.ops import load_config

    args = _parser().parse_args(argv)
    config = load_config(args.config)
    now = clock_from_config(config)()
    store = Store(config["DATABASE_URL"])
    try:
        with store.transaction() as session:
            uow = UnitOfWork(
                session,
                producer="webhooks",
                correlation_id="cli",
                origin=f"cli:{args.area} {args.command}",
            )
            return _run(args, uow, now)
    finally:
        store.dispose()


def _run(args, uow, now) -> int:
    if args.area == "subscriptions":
        rows = usecases.list_subscriptions({"all": args.all}, uow=uow, now=now)["subscriptions"]
        if args.json:
            print(json.dumps(rows, indent=2))
        for row in [] if args.json else rows:
            state = "active" if row["active"] else "removed"
            print(
                f"{row['id']}  {state:8} {row['name']}  {row['url']}  "
                f"{','.join(row['event_types'])}"
            )
        return 0
    if args.command == "list":
        rows = usecases.list_deliveries(
            {"status": args.status, "limit": args.limit, "subscription_id": args.subscription},
            uow=uow,
            now=now,
        )["deliveries"]
        if args.json:
            print(json.dumps(rows, indent=2))
        for row in [] if args.json else rows:
            print(
                f"{row['id']}  {row['status']:9} {row['event_type']:28} "
                f"attempts={row['attempts']} {row['last_error'] or ''}"
            )
        return 0
    failed = 0
    for delivery_id in args.ids:
        try:
            usecases.replay_delivery({"delivery_id": delivery_id}, uow=uow, now=now)
            print(f"{delivery_id}: replayed")
        except (NotFound, ReplayRefused) as exc:
            print(f"rueda-webhooks: {delivery_id}: {exc.message}", file=sys.stderr)
            failed += 1
    return 1 if failed else 0
