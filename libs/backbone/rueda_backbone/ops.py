"""`rueda-ops`: what ops do to one service from a shell.

    rueda-ops --config services/notify/config.yml parked list [--all] [--json]
    rueda-ops --config ... parked show ID
    rueda-ops --config ... parked replay ID [ID ...]
    rueda-ops --config ... outbox status
    rueda-ops --config ... outbox retry ID [ID ...]
    rueda-ops --config ... migrate
    rueda-ops --config ... api-key create NAME [--scope S ...] [--expires-in-days N]
    rueda-ops --config ... api-key revoke NAME [--prefix rk_xxxxxxx] | list

The config file is the service's own config.yml, read with the same
`${VAR:default}` substitution nameko uses, so the command sees exactly the
database and broker the service sees.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import timedelta
from pathlib import Path

import yaml

from . import apikeys, outbox, parking
from .database import Store, upgrade
from .topology import topology_from_config


def load_config(path: str | Path) -> dict:
    from nameko.cli.main import setup_yaml_parser

    setup_yaml_parser()
    with open(path) as handle:
        return yaml.safe_load(handle)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rueda-ops", description=__doc__.split("\n")[0])
    parser.add_argument("--config", required=True, help="the service's config.yml")
    commands = parser.add_subparsers(dest="area", required=True)

    parked = commands.add_parser("parked", help="messages that could not be processed")
    parked_cmd = parked.add_subparsers(dest="command", required=True)
    listing = parked_cmd.add_parser("list")
    listing.add_argument("--all", action="store_true", help="include replayed ones")
    listing.add_argument("--json", action="store_true")
    show = parked_cmd.add_parser("show")
    show.add_argument("id", type=int)
    replay = parked_cmd.add_parser("replay")
    replay.add_argument("ids", type=int, nargs="+")

    box = commands.add_parser("outbox", help="events waiting to be published")
    box_cmd = box.add_subparsers(dest="command", required=True)
    box_cmd.add_parser("status", help="the backlog, and the rows set aside as failed")
    box_retry = box_cmd.add_parser("retry", help="put failed rows back in the queue")
    box_retry.add_argument("ids", type=int, nargs="+")

    commands.add_parser(
        "migrate", help="run the service's migrations (alembic.ini beside config.yml)"
    )

    keys = commands.add_parser("api-key", help="HTTP clients of the service")
    keys_cmd = keys.add_subparsers(dest="command", required=True)
    create = keys_cmd.add_parser("create", help="a new key (the client's other keys stay valid)")
    create.add_argument("name")
    create.add_argument(
        "--scope",
        action="append",
        dest="scopes",
        metavar="SCOPE",
        help="e.g. intake:forms:write or intake:* (repeat; default: all, *)",
    )
    create.add_argument("--expires-in-days", type=float)
    revoke = keys_cmd.add_parser("revoke", help="revoke a client's keys, or one by its prefix")
    revoke.add_argument("name")
    revoke.add_argument("--prefix")
    keys_cmd.add_parser("list")
    return parser


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    config = load_config(args.config)
    service = config.get("SERVICE_NAME") or Path(args.config).resolve().parent.name
    if args.area == "migrate":
        upgrade(Path(args.config).resolve().parent / "alembic.ini", config["DATABASE_URL"])
        print(f"{service}: database at head")
        return 0
    store = Store(config["DATABASE_URL"])
    try:
        return _run(args, config, service, store)
    except LookupError as exc:
        print(f"rueda-ops: {exc}", file=sys.stderr)
        return 1
    finally:
        store.dispose()


def _run(args, config, service, store) -> int:
    if args.area == "parked":
        if args.command == "list":
            messages = parking.list_parked(store, include_replayed=args.all)
            if args.json:
                print(json.dumps([m.summary() for m in messages], indent=2))
            else:
                for m in messages:
                    state = f"replayed {m.replay_count}x" if m.replayed_at else "parked"
                    print(
                        f"{m.id:>6}  {m.parked_at:%Y-%m-%d %H:%M:%S}  {state:<12} {m.queue}  "
                        f"{m.event_type or '-'}  {m.reason}"
                    )
                print(f"{len(messages)} message(s)")
        elif args.command == "show":
            message = parking.get_parked(store, args.id)
            if message is None:
                raise LookupError(f"no parked message {args.id}")
            detail = message.summary() | {
                "headers": message.headers,
                "body": message.body.decode("utf-8", "replace"),
            }
            print(json.dumps(detail, indent=2, ensure_ascii=False))
        else:
            topology = topology_from_config(service, config)
            done = parking.replay(
                store,
                amqp_uri=config["AMQP_URI"],
                topology=topology,
                ids=args.ids,
                ssl=config.get("AMQP_SSL"),
            )
            print(f"replayed {len(done)} message(s): {', '.join(map(str, done))}")
    elif args.area == "outbox":
        if args.command == "retry":
            done = outbox.retry_failed(store, args.ids)
            print(f"put back {len(done)} row(s): {', '.join(map(str, done))}")
        else:
            report = outbox.backlog(store)
            if report["failed"]:
                report["failed_rows"] = outbox.failed_rows(store)
            print(json.dumps(report, ensure_ascii=False))
    elif args.area == "api-key":
        if args.command == "create":
            expires = (
                outbox.now() + timedelta(days=args.expires_in_days)
                if args.expires_in_days
                else None
            )
            print(
                apikeys.create_api_key(
                    store, args.name, scopes=args.scopes or ("*",), expires_at=expires
                )
            )
        elif args.command == "revoke":
            revoked = apikeys.revoke_api_key(store, args.name, args.prefix)
            if not revoked:
                raise LookupError(f"no active key of {args.name!r}")
            print(f"revoked {revoked} key(s) of {args.name}")
        else:
            moment = outbox.now()
            for client in apikeys.list_api_clients(store):
                state = (
                    "revoked"
                    if client["revoked_at"]
                    else "expired"
                    if client["expires_at"] and client["expires_at"] <= moment
                    else "active"
                )
                print(
                    f"{client['name']:<30} {client['key_prefix']}…  {state:<8} "
                    f"{' '.join(client['scopes'])}"
                    + (f"  until {client['expires_at']:%Y-%m-%d}" if client["expires_at"] else "")
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
