"""`rueda-console`: what ops do to the console from a shell.

    rueda-console --config services/console/config.yml password set STAFF_ID --login EMAIL
        (the password is read from standard input, or asked for twice on a terminal)
    rueda-console --config ... password remove STAFF_ID
    rueda-console --config ... sessions end STAFF_ID      (signs them out everywhere)

The staff member must exist and be active in intake (read through intake's
API with the console's key), unless --offline is given.
"""

from __future__ import annotations

import argparse
import getpass
import sys

import sqlalchemy as sa

from rueda_backbone.clock import clock_from_config
from rueda_backbone.database import Store
from rueda_backbone.ops import load_config

from . import usecases
from .exceptions import PageError
from .gateway import Gateway, endpoints_from_config
from .models import ConsoleSession, SignInRecord
from .web import UnitOfWork


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rueda-console", description=__doc__.split("\n")[0])
    parser.add_argument("--config", required=True, help="the console's config.yml")
    areas = parser.add_subparsers(dest="area", required=True)
    password = areas.add_parser("password", help="staff sign-in records").add_subparsers(
        dest="command", required=True
    )
    setting = password.add_parser("set", help="create or replace a staff member's password")
    setting.add_argument("staff_id", help="intake's id for the staff member")
    setting.add_argument("--login", required=True, help="what they type to sign in (their email)")
    setting.add_argument(
        "--offline", action="store_true", help="do not check the staff member in intake"
    )
    password.add_parser("remove").add_argument("staff_id")
    sessions = areas.add_parser("sessions").add_subparsers(dest="command", required=True)
    sessions.add_parser("end").add_argument("staff_id")
    return parser


def _read_password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("New password: ")
        if getpass.getpass("Again: ") != first:
            raise ValueError("the two passwords differ")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    config = load_config(args.config)
    store = Store(config["DATABASE_URL"])
    now = clock_from_config(config)()
    try:
        if args.area == "password" and args.command == "set":
            if not args.offline:
                gateway = Gateway(endpoints_from_config(config))
                staff = gateway.intake.get(f"/staff/{args.staff_id}", missing_is_none=True)
                if staff is None:
                    raise ValueError(f"intake has no staff member {args.staff_id}")
                if not staff.get("active"):
                    raise ValueError(f"{staff['name']} is not active in intake")
            password = _read_password()
            with store.transaction() as session:
                usecases.set_password(
                    {"staff_id": args.staff_id, "login": args.login, "password": password},
                    uow=UnitOfWork(session),
                    now=now,
                )
            print(f"password set for {args.staff_id}; sign in as {args.login.strip().lower()}")
        elif args.area == "password":
            with store.transaction() as session:
                session.execute(
                    sa.delete(ConsoleSession).where(ConsoleSession.staff_id == args.staff_id)
                )
                gone = session.execute(
                    sa.delete(SignInRecord).where(SignInRecord.staff_id == args.staff_id)
                ).rowcount
            print(f"removed {gone} sign-in record(s)")
        else:
            with store.transaction() as session:
                ended = session.execute(
                    sa.delete(ConsoleSession).where(ConsoleSession.staff_id == args.staff_id)
                ).rowcount
            print(f"ended {ended} session(s)")
        return 0
    except (ValueError, PageError) as exc:
        print(f"rueda-console: {exc}", file=sys.stderr)
        return 1
    finally:
        store.dispose()


if __name__ == "__main__":
    sys.exit(main())
