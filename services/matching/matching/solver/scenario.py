"""What the solver reads: a workshop scenario and schedules (previous or hand-made).

Marshmallow checks the shape; cross-reference rules (unknown or duplicate ids,
own programs, sessions out of range) are checked afterwards so that every
error names the exact field, e.g. ``interests[3].programs[1]: unknown program 'XX'``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

AT_LEAST_ONE = "must be at least {min}"


class ScenarioError(ValueError):
    """Bad input; ``problems`` holds one ``path: message`` line per fault."""

    def __init__(self, problems: Iterable[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True)
class Workshop:
    id: str
    sessions: int
    tables_per_session: int
    table_capacity: int
    max_runs_per_program: int = 1
    rank_weights: tuple[int, ...] | None = None
    title: str | None = None


@dataclass(frozen=True)
class Delegation:
    id: str
    name: str
    delegates: int
    available_sessions: frozenset[int]


@dataclass(frozen=True)
class Program:
    id: str
    title: str
    host: str


@dataclass(frozen=True)
class Interest:
    """One delegation asking for one program; ``rank`` is 1 for its first choice."""

    delegation: str
    program: str
    rank: int
    weight: int


@dataclass(frozen=True)
class Scenario:
    workshop: Workshop
    delegations: tuple[Delegation, ...]
    programs: tuple[Program, ...]
    interests: tuple[Interest, ...]
    delegation_by_id: Mapping[str, Delegation] = field(init=False, repr=False, compare=False)
    program_by_id: Mapping[str, Program] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "delegation_by_id", {d.id: d for d in self.delegations})
        object.__setattr__(self, "program_by_id", {p.id: p for p in self.programs})

    @property
    def sessions(self) -> range:
        return range(1, self.workshop.sessions + 1)


@dataclass(frozen=True)
class Round:
    """One program at one table in one session, with its host and attendees."""

    session: int
    table: int
    program: str
    host: str
    attendees: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "session": self.session,
            "table": self.table,
            "program": self.program,
            "host": self.host,
            "attendees": list(self.attendees),
        }


def rank_weight(rank_weights: tuple[int, ...] | None, rank: int) -> int:
    """Weight of the ``rank``-th choice; the last weight repeats for longer lists."""
    if not rank_weights:
        return 1
    return rank_weights[min(rank, len(rank_weights)) - 1]


def _positive(**kwargs) -> fields.Integer:
    return fields.Integer(strict=True, validate=validate.Range(min=1, error=AT_LEAST_ONE), **kwargs)


def _identifier(**kwargs) -> fields.String:
    return fields.String(validate=validate.Length(min=1, error="must not be empty"), **kwargs)


class WorkshopSchema(Schema):
    id = _identifier(required=True)
    title = fields.String()
    sessions = _positive(required=True)
    tables_per_session = _positive(required=True)
    table_capacity = _positive(required=True)
    max_runs_per_program = _positive(load_default=1)
    rank_weights = fields.List(
        _positive(), validate=validate.Length(min=1, error="must list at least one weight")
    )


class DelegationSchema(Schema):
    id = _identifier(required=True)
    name = fields.String(required=True)
    delegates = _positive(required=True)
    available_sessions = fields.List(fields.Integer(strict=True))


class ProgramSchema(Schema):
    id = _identifier(required=True)
    title = fields.String(required=True)
    host = _identifier(required=True)


class InterestSchema(Schema):
    delegation = _identifier(required=True)
    programs = fields.List(_identifier(), required=True)


class ScenarioSchema(Schema):
    workshop = fields.Nested(WorkshopSchema, required=True)
    delegations = fields.List(fields.Nested(DelegationSchema), required=True)
    programs = fields.List(fields.Nested(ProgramSchema), required=True)
    interests = fields.List(fields.Nested(InterestSchema), required=True)
    # Read separately by hand_made_rounds(); the solver ignores it.
    hand_made_schedule = fields.Raw()

    @validates_schema(skip_on_field_errors=True)
    def check_references(self, data, **kwargs):
        errors: dict = {}
        sessions = data["workshop"]["sessions"]

        def add(path: tuple, message: str) -> None:
            node = errors
            for key in path[:-1]:
                node = node.setdefault(key, {})
            node.setdefault(path[-1], []).append(message)

        delegation_ids: set[str] = set()
        for n, delegation in enumerate(data["delegations"]):
            if delegation["id"] in delegation_ids:
                add(("delegations", n, "id"), f"duplicate delegation id {delegation['id']!r}")
            delegation_ids.add(delegation["id"])
            seen: set[int] = set()
            for k, session in enumerate(delegation.get("available_sessions") or ()):
                if not 1 <= session <= sessions:
                    add(
                        ("delegations", n, "available_sessions", k),
                        f"session {session} is outside 1..{sessions}",
                    )
                elif session in seen:
                    add(
                        ("delegations", n, "available_sessions", k),
                        f"session {session} listed twice",
                    )
                seen.add(session)

        host_of: dict[str, str] = {}
        for n, program in enumerate(data["programs"]):
            if program["id"] in host_of:
                add(("programs", n, "id"), f"duplicate program id {program['id']!r}")
            host_of.setdefault(program["id"], program["host"])
            if program["host"] not in delegation_ids:
                add(("programs", n, "host"), f"unknown delegation {program['host']!r}")

        asked: set[str] = set()
        for n, interest in enumerate(data["interests"]):
            who = interest["delegation"]
            if who not in delegation_ids:
                add(("interests", n, "delegation"), f"unknown delegation {who!r}")
            elif who in asked:
                add(("interests", n, "delegation"), f"second interest list for {who!r}")
            asked.add(who)
            listed: set[str] = set()
            for k, program in enumerate(interest["programs"]):
                path = ("interests", n, "programs", k)
                if program not in host_of:
                    add(path, f"unknown program {program!r}")
                elif program in listed:
                    add(path, f"program {program!r} listed twice")
                elif host_of[program] == who:
                    add(path, f"{who!r} cannot ask for its own program {program!r}")
                listed.add(program)
        if errors:
            raise ValidationError(errors)


def flatten_errors(messages: Any, path: str = "") -> list[str]:
    """Turn marshmallow's nested error dict into ``a.b[2].c: message`` lines."""
    if isinstance(messages, Mapping):
        lines = []
        for key, value in messages.items():
            if key == "_schema":
                sub = path
            elif isinstance(key, int):
                sub = f"{path}[{key}]"
            else:
                sub = f"{path}.{key}" if path else str(key)
            lines.extend(flatten_errors(value, sub))
        return lines
    if isinstance(messages, (list, tuple)):
        return [line for item in messages for line in flatten_errors(item, path)]
    return [f"{path or '(top level)'}: {messages}"]


def load_scenario(data: Any) -> Scenario:
    """Validate a scenario dict and build the frozen Scenario; raise ScenarioError."""
    try:
        loaded = ScenarioSchema().load(data)
    except ValidationError as error:
        raise ScenarioError(flatten_errors(error.messages)) from None
    raw_workshop = loaded["workshop"]
    rank_weights = tuple(raw_workshop["rank_weights"]) if raw_workshop.get("rank_weights") else None
    workshop = Workshop(
        id=raw_workshop["id"],
        title=raw_workshop.get("title"),
        sessions=raw_workshop["sessions"],
        tables_per_session=raw_workshop["tables_per_session"],
        table_capacity=raw_workshop["table_capacity"],
        max_runs_per_program=raw_workshop["max_runs_per_program"],
        rank_weights=rank_weights,
    )
    every_session = frozenset(range(1, workshop.sessions + 1))
    delegations = tuple(
        Delegation(
            id=d["id"],
            name=d["name"],
            delegates=d["delegates"],
            available_sessions=(
                frozenset(d["available_sessions"]) if "available_sessions" in d else every_session
            ),
        )
        for d in loaded["delegations"]
    )
    programs = tuple(
        Program(id=p["id"], title=p["title"], host=p["host"]) for p in loaded["programs"]
    )
    interests = tuple(
        Interest(
            delegation=entry["delegation"],
            program=program,
            rank=rank,
            weight=rank_weight(rank_weights, rank),
        )
        for entry in loaded["interests"]
        for rank, program in enumerate(entry["programs"], start=1)
    )
    return Scenario(
        workshop=workshop, delegations=delegations, programs=programs, interests=interests
    )


class RoundSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    session = fields.Integer(strict=True, required=True)
    table = fields.Integer(strict=True, required=True)
    program = fields.String(required=True)
    host = fields.String(load_default=None)
    attendees = fields.List(fields.String(), load_default=list)


class ScheduleSchema(Schema):
    """Tolerant reader of a schedule file: only the rounds matter."""

    class Meta:
        unknown = EXCLUDE

    workshop = fields.String(load_default=None)
    objective = fields.Raw(load_default=None)
    rounds = fields.List(fields.Nested(RoundSchema), required=True)


@dataclass(frozen=True)
class ScheduleFile:
    workshop: str | None
    objective: Any
    rounds: tuple[Round, ...]


def load_schedule(data: Any, scenario: Scenario | None = None) -> ScheduleFile:
    """Read a schedule file's rounds (shape only; rule checks belong to the checker).

    A missing ``host`` is filled in from the scenario when the program is known.
    """
    try:
        loaded = ScheduleSchema().load(data)
    except ValidationError as error:
        raise ScenarioError(flatten_errors(error.messages)) from None
    programs = scenario.program_by_id if scenario else {}
    rounds = tuple(
        Round(
            session=r["session"],
            table=r["table"],
            program=r["program"],
            host=r["host"]
            if r["host"] is not None
            else getattr(programs.get(r["program"]), "host", ""),
            attendees=tuple(r["attendees"]),
        )
        for r in loaded["rounds"]
    )
    return ScheduleFile(workshop=loaded["workshop"], objective=loaded["objective"], rounds=rounds)


def hand_made_rounds(data: Mapping[str, Any], scenario: Scenario) -> tuple[Round, ...]:
    """Rounds of the file's ``hand_made_schedule`` (sessions only, as organisers wrote it).

    Tables follow list order; every delegation that asked for a program is seated
    at it, since a hand-made plan sends everyone to the rounds they asked for.
    """
    try:
        sessions = data["hand_made_schedule"]["sessions"]
        items = [(int(session), list(programs)) for session, programs in sessions.items()]
    except (KeyError, TypeError, ValueError, AttributeError):
        raise ScenarioError(
            ["hand_made_schedule.sessions: expected {session: [program ids]}"]
        ) from None
    askers: dict[str, list[str]] = {}
    for interest in scenario.interests:
        askers.setdefault(interest.program, []).append(interest.delegation)
    rounds = []
    for session, programs in sorted(items):
        for table, program in enumerate(programs, start=1):
            if program not in scenario.program_by_id:
                where = f"hand_made_schedule.sessions.{session}[{table - 1}]"
                raise ScenarioError([f"{where}: unknown program {program!r}"])
            rounds.append(
                Round(
                    session=session,
                    table=table,
                    program=program,
                    host=scenario.program_by_id[program].host,
                    attendees=tuple(askers.get(program, ())),
                )
            )
    return tuple(rounds)
