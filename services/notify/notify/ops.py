"""What ops do about notify's failed emails from a shell (next to `rueda-ops`,
which handles every service's parked events, outbox and keys):

    python -m notify.ops --config services/notify/config.yml failed [--json]
    python -m notify.ops --config services/notify/config.yml resend ID [ID ...] [--note TEXT]

`resend` does what `POST /deliveries/{id}/resend` does: the email goes out
again with the same Message-ID, and the delivery log keeps a note of it. The
running service's sender picks it up at its next poll.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime

from rueda_backbone.database import Store
from rueda_backbone.errors import DomainError
from rueda_backbone.ops import load_config
from rueda_backbone.outbox import UnitOfWork

from . import domain, usecases


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m notify.ops", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--config", required=True, help="notify's config.yml")
    commands = parser.add_subparsers(dest="command", required=True)
    failed = commands.add_parser("failed", help="the failed emails, newest first")
    failed.add_argument("--json", action="store_true")
    failed.add_argument("--limit", type=int, default=100)
    resend = commands.add_parser("resend", help="send failed emails again (same Message-ID)")
    resend.add_argument("ids", nargs="+")
    resend.add_argument("--note", default=None, help="why, for the delivery log")
    return parser


def main(argv=None, *, now=None) -> int:
    args = _parser().parse_args(argv)
    config = load_config(args.config)
    store = Store(config["DATABASE_URL"])
    moment = now or datetime.now(UTC)
    try:
        if args.command == "failed":
            with store.transaction() as session:
                uow = UnitOfWork(session, producer="notify", correlation_id="rueda-ops")
                rows = usecases.list_deliveries(
                    {"status": domain.FAILED, "limit": args.limit}, uow=uow, now=moment
                )["deliveries"]
            if args.json:
                print(json.dumps(rows, indent=2, default=str))
            else:
                for row in rows:
                    print(
                        f"{row['id']}  {row['created_at']:%Y-%m-%d %H:%M}  {row['kind']:<24} "
                        f"{row['address'] or '-'}  {row['last_error']}"
                    )
                print(f"{len(rows)} failed email(s)")
            return 0
        code = 0
        for email_id in args.ids:
            try:
                with store.transaction() as session:
                    uow = UnitOfWork(session, producer="notify", correlation_id="rueda-ops")
                    usecases.resend_delivery(
                        {"email_id": email_id, "note": args.note, "by": "ops (notify.ops)"},
                        uow=uow,
                        now=moment,
                    )
                print(f"{email_id}: queued to resend")
            except DomainError as exc:
                print(f"{email_id}: {exc.describe()}", file=sys.stderr)
                code = 1
        return code
    finally:
        store.dispose()


if __name__ == "__main__":
    sys.exit(main())
