"""``rueda-match``: solve a workshop scenario into a schedule, or check a schedule.

Exit status: 0 done, 1 the checked schedule breaks rules, 2 bad input.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from .checker import check, objective
from .explain import summary
from .model import Pin
from .scenario import ScenarioError, hand_made_rounds, load_scenario, load_schedule
from .schedule import plan, schedule_document

BAD_INPUT = 2


class InputError(Exception):
    """Something the user gave us is wrong; the message says what and where."""


def _read_json(path: str, what: str) -> Any:
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as error:
        raise InputError(f"cannot read {what} {path}: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(
            f"{path}: not valid JSON: {error.msg} at line {error.lineno} column {error.colno}"
        ) from None


def _scenario(path: str):
    raw = _read_json(path, "scenario")
    try:
        return raw, load_scenario(raw)
    except ScenarioError as error:
        raise InputError("\n".join(f"{path}: {line}" for line in error.problems)) from None


def _schedule(path: str, scenario, what: str):
    raw = _read_json(path, what)
    try:
        return load_schedule(raw, scenario)
    except ScenarioError as error:
        raise InputError("\n".join(f"{path}: {line}" for line in error.problems)) from None


def _pin(text: str) -> Pin:
    """``SESSION:PROGRAM`` or ``SESSION:TABLE:PROGRAM``."""
    parts = text.split(":", 2)
    try:
        if len(parts) == 3 and parts[1].strip().isdigit():
            return Pin(session=int(parts[0]), table=int(parts[1]), program=parts[2])
        session, program = text.split(":", 1)
        return Pin(session=int(session), program=program)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r}: expected SESSION:PROGRAM or SESSION:TABLE:PROGRAM"
        ) from None


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value > 0:
        raise argparse.ArgumentTypeError("must be more than 0 seconds")
    return value


def _policy(text: str):
    """``total`` or a price such as ``0.05``."""
    if text == "total":
        return "total"
    try:
        price = float(text)
    except ValueError:
        price = -1.0
    if not 0 <= price <= 1:
        raise argparse.ArgumentTypeError(f"{text!r}: expected total or a price from 0 to 1")
    return {"price": price}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rueda-match", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    solve = commands.add_parser("solve", help="plan the rounds of a workshop")
    solve.add_argument("scenario", metavar="SCENARIO.json")
    solve.add_argument("-o", "--output", required=True, metavar="SCHEDULE.json")
    solve.add_argument("--time-limit", type=_positive_seconds, default=30.0, metavar="SECONDS")
    solve.add_argument(
        "--previous", metavar="OLD_SCHEDULE.json", help="re-plan moving as little as possible"
    )
    solve.add_argument(
        "--pin",
        action="append",
        type=_pin,
        default=[],
        metavar="SESSION[:TABLE]:PROGRAM",
        help="keep this round (repeatable)",
    )
    solve.add_argument(
        "--fairness",
        type=_policy,
        metavar="total|PRICE",
        help="override the scenario's workshop.fairness (default: its own, else a price of 0.05)",
    )
    solve.add_argument(
        "--explain", action="store_true", help="print what each delegation got or missed"
    )

    check_ = commands.add_parser("check", help="check a schedule against its scenario")
    check_.add_argument("scenario", metavar="SCENARIO.json")
    check_.add_argument("schedule", metavar="SCHEDULE.json", nargs="?")
    check_.add_argument(
        "--hand-made", action="store_true", help="check the scenario file's own hand_made_schedule"
    )
    return parser


def _solve(args, on_progress=None) -> int:
    _, scenario = _scenario(args.scenario)
    previous = None
    if args.previous:
        previous_file = _schedule(args.previous, scenario, "previous schedule")
        if previous_file.workshop not in (None, scenario.workshop.id):
            raise InputError(
                f"{args.previous}: workshop: "
                f"{previous_file.workshop!r} is not {scenario.workshop.id!r}"
            )
        previous = previous_file.rounds
    try:
        result = plan(
            scenario,
            time_limit=args.time_limit,
            pinned=args.pin,
            previous=previous,
            policy=args.fairness,
            on_progress=on_progress,
        )
    except ScenarioError as error:
        raise InputError("\n".join(f"--pin: {line}" for line in error.problems)) from None
    document = schedule_document(result)
    try:
        with open(args.output, "w", encoding="utf-8") as handle:
            json.dump(document, handle, indent=1, ensure_ascii=False)
            handle.write("\n")
    except OSError as error:
        raise InputError(f"cannot write {args.output}: {error.strerror or error}") from None
    solution = result.solution
    worst = document["fairness"]["worst_share"]
    print(
        f"{solution.status}: {solution.objective} of at most {solution.bound} "
        f"({len(result.rounds)} rounds, {len(result.unmet)} unmet, worst share {worst}) "
        f"-> {args.output}",
        file=sys.stderr,
    )
    if args.explain:
        print(summary(scenario, result.rounds, result.unmet))
    return 0


def _check(args) -> int:
    raw, scenario = _scenario(args.scenario)
    if args.hand_made == bool(args.schedule):
        raise InputError("check: give either SCHEDULE.json or --hand-made")
    if args.hand_made:
        try:
            rounds = hand_made_rounds(raw, scenario)
        except ScenarioError as error:
            raise InputError(
                "\n".join(f"{args.scenario}: {line}" for line in error.problems)
            ) from None
        declared = None
    else:
        schedule = _schedule(args.schedule, scenario, "schedule")
        rounds, declared = schedule.rounds, schedule.objective
    problems = check(scenario, rounds, declared)
    for line in problems:
        print(line)
    print(
        f"{len(rounds)} rounds, objective {objective(scenario, rounds)}, "
        f"{len(problems)} violation{'s' if len(problems) != 1 else ''}",
        file=sys.stderr,
    )
    return 1 if problems else 0


def main(argv: Sequence[str] | None = None, *, on_progress=None) -> int:
    """Entry point of the ``rueda-match`` console script; returns the exit status.

    ``on_progress`` is handed to ``plan`` by ``solve`` (see model.solve)."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exit_:
        # argparse has already printed its usage message on stderr.
        return exit_.code if isinstance(exit_.code, int) else BAD_INPUT
    try:
        return _solve(args, on_progress) if args.command == "solve" else _check(args)
    except InputError as error:
        for line in str(error).splitlines():
            print(f"rueda-match: {line}", file=sys.stderr)
        return BAD_INPUT
