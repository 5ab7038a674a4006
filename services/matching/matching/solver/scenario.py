"""What the solver reads: a workshop scenario and schedules (previous or hand-made).

Marshmallow checks the shape; cross-reference rules (unknown or duplicate ids,
own programs, sessions out of range) are checked afterwards so that every
error names the exact field, e.g. ``interests[3].programs[1]: unknown program 'XX'``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

AT_LEAST_ONE = "must be at least {min}"


class ScenarioError(ValueError):
    """Bad input; ``problems`` holds one ``path: message`` line per fault."""

    def __init__(self, problems: Iterable[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True)
class FairnessPolicy:
    """How the solver trades total weight for the worst-served delegation's share.

    ``price=None`` is the ``"total"`` policy: the most total weight, the worst
    share only as a tie-break. A price p keeps every schedule whose total is at
    least (1 - p) of the best total found, raises the worst share among them,
    then the total with that share held.
    """

    price: Fraction | None = Fraction(1, 20)

    @classmethod
    def parse(cls, value: Any) -> FairnessPolicy:
        """``"total"``, ``{"price": 0.05}``, a FairnessPolicy or None (the default)."""
        if isinstance(value, FairnessPolicy):
            return value
        if value is None:
            return cls()
        if value == "total":
            return cls(price=None)
        if isinstance(value, Mapping) and set(value) == {"price"}:
            price = value["price"]
            if not isinstance(price, bool) and isinstance(price, (int, float, Fraction)):
                price = Fraction(str(price)) if isinstance(price, float) else Fraction(price)
                if 0 <= price <= 1:
                    return cls(price=price)
        raise ValueError('expected "total" or {"price": a number from 0 to 1}')

    @property
    def name(self) -> str:
        return "total" if self.price is None else "price"

    def as_json(self) -> str | dict[str, float]:
        return "total" if self.price is None else {"price": float(self.price)}


@dataclass(frozen=True)
class Workshop:
    id: str
    sessions: int
    tables_per_session: int
    table_capacity: int
    max_runs_per_program: int = 1
    rank_weights: tuple[int, ...] | None = None
    title: str | None = None
    fairness: FairnessPolicy = FairnessPolicy()


@dataclass(frozen=True)
class Delegate:
    """One person of a delegation: when they are present and what they speak."""

    id: str
    delegation: str
    available_sessions: frozenset[int]
    languages: tuple[str, ...] = ()
    name: str | None = None


@dataclass(frozen=True)
class Delegation:
    """``delegates`` counts its people; ``people`` names them (anonymous ones are
    ``ID#1``.. present in every session of ``available_sessions``)."""

    id: str
    name: str
    delegates: int
    available_sessions: frozenset[int]
    people: tuple[Delegate, ...] = ()
    languages: tuple[str, ...] = ()

    def __post_init__(self):
        if not self.people:
            people = tuple(
                Delegate(
                    id=f"{self.id}#{n}",
                    delegation=self.id,
                    available_sessions=self.available_sessions,
                    languages=self.languages,
                )
                for n in range(1, self.delegates + 1)
            )
            object.__setattr__(self, "people", people)

    def present(self, session: int) -> tuple[Delegate, ...]:
        """Its delegates present in ``session``."""
        return tuple(q for q in self.people if session in q.available_sessions)

    def seats(self, session: int) -> int:
        """Parallel tables it can sit at in ``session``: its delegates present then."""
        return len(self.present(session))


@dataclass(frozen=True)
class Program:
    """``presenters``: the host's delegates who can present it (empty: any of them)."""

    id: str
    title: str
    host: str
    presenters: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()


@dataclass(frozen=True)
class Interest:
    """One delegation asking for one program; ``rank`` is 1 for its first choice.

    ``attendees``: the delegation's delegates who may sit at that table (empty: any).
    """

    delegation: str
    program: str
    rank: int
    weight: int
    attendees: tuple[str, ...] = ()


@dataclass(frozen=True)
class Scenario:
    workshop: Workshop
    delegations: tuple[Delegation, ...]
    programs: tuple[Program, ...]
    interests: tuple[Interest, ...]
    delegation_by_id: Mapping[str, Delegation] = field(init=False, repr=False, compare=False)
    program_by_id: Mapping[str, Program] = field(init=False, repr=False, compare=False)

    delegate_by_id: Mapping[str, Delegate] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "delegation_by_id", {d.id: d for d in self.delegations})
        object.__setattr__(self, "program_by_id", {p.id: p for p in self.programs})
        object.__setattr__(
            self, "delegate_by_id", {q.id: q for d in self.delegations for q in d.people}
        )

    def presenters(self, program: str) -> tuple[Delegate, ...]:
        """Who can present ``program``: its named presenters, else every delegate of the host."""
        found = self.program_by_id[program]
        people = self.delegation_by_id[found.host].people
        if not found.presenters:
            return people
        return tuple(q for q in people if q.id in found.presenters)

    def attendee_pool(self, interest: Interest) -> tuple[Delegate, ...]:
        """Who can sit at the table for ``interest``: its named attendees, else any delegate."""
        people = self.delegation_by_id[interest.delegation].people
        if not interest.attendees:
            return people
        return tuple(q for q in people if q.id in interest.attendees)

    @property
    def sessions(self) -> range:
        return range(1, self.workshop.sessions + 1)


@dataclass(frozen=True)
class Round:
    """One program at one table in one session, with its host and attendees.

    ``presenter`` is the host's delegate who presents; ``attending_delegates``
    pairs each attending delegation with the delegate who sits at the table.
    Both are empty on schedules that do not place people (hand-made, older files).
    """

    session: int
    table: int
    program: str
    host: str
    attendees: tuple[str, ...]
    presenter: str | None = None
    attending_delegates: tuple[tuple[str, str], ...] = ()

    def delegate_of(self, delegation: str) -> str | None:
        return dict(self.attending_delegates).get(delegation)

    def as_dict(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "session": self.session,
            "table": self.table,
            "program": self.program,
            "host": self.host,
            "attendees": list(self.attendees),
        }
        if self.presenter is not None:
            document["presenter"] = self.presenter
        if self.attending_delegates:
            document["attending_delegates"] = dict(self.attending_delegates)
        return document


def rank_weight(rank_weights: tuple[int, ...] | None, rank: int) -> int:
    """Weight of the ``rank``-th choice; the last weight repeats for longer lists."""
    if not rank_weights:
        return 1
    return rank_weights[min(rank, len(rank_weights)) - 1]


def _positive(**kwargs) -> fields.Integer:
    return fields.Integer(strict=True, validate=validate.Range(min=1, error=AT_LEAST_ONE), **kwargs)


def _identifier(**kwargs) -> fields.String:
    return fields.String(validate=validate.Length(min=1, error="must not be empty"), **kwargs)


class FairnessField(fields.Field):
    """``"total"`` or ``{"price": p}`` with 0 <= p <= 1."""

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return FairnessPolicy.parse(value)
        except ValueError as error:
            raise ValidationError(str(error)) from None


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
    fairness = FairnessField()


_LANGUAGES = fields.List(_identifier())


class DelegateSchema(Schema):
    id = _identifier(required=True)
    name = fields.String()
    available_sessions = fields.List(fields.Integer(strict=True))
    languages = _LANGUAGES


class DelegatesField(fields.Field):
    """A number of anonymous delegates, or the list of delegates by name."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, list):
            if not value:
                raise ValidationError("must list at least one delegate")
            return DelegateSchema(many=True).load(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError("Not a valid integer.")
        if value < 1:
            raise ValidationError(AT_LEAST_ONE.format(min=1))
        return value


class DelegationSchema(Schema):
    id = _identifier(required=True)
    name = fields.String(required=True)
    delegates = DelegatesField(required=True)
    available_sessions = fields.List(fields.Integer(strict=True))
    languages = _LANGUAGES


class ProgramSchema(Schema):
    id = _identifier(required=True)
    title = fields.String(required=True)
    host = _identifier(required=True)
    presenters = fields.List(_identifier())
    topics = fields.List(_identifier())


class InterestSchema(Schema):
    delegation = _identifier(required=True)
    programs = fields.List(_identifier(), required=True)
    attendees = fields.List(_identifier())


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

        def check_sessions(path: tuple, listed) -> None:
            seen: set[int] = set()
            for k, session in enumerate(listed or ()):
                if not 1 <= session <= sessions:
                    add((*path, k), f"session {session} is outside 1..{sessions}")
                elif session in seen:
                    add((*path, k), f"session {session} listed twice")
                seen.add(session)

        delegation_ids: set[str] = set()
        member_of: dict[str, str] = {}
        for n, delegation in enumerate(data["delegations"]):
            if delegation["id"] in delegation_ids:
                add(("delegations", n, "id"), f"duplicate delegation id {delegation['id']!r}")
            delegation_ids.add(delegation["id"])
            check_sessions(
                ("delegations", n, "available_sessions"), delegation.get("available_sessions")
            )
            if isinstance(delegation["delegates"], list):
                for k, delegate in enumerate(delegation["delegates"]):
                    if delegate["id"] in member_of:
                        add(
                            ("delegations", n, "delegates", k, "id"),
                            f"duplicate delegate id {delegate['id']!r}",
                        )
                    member_of.setdefault(delegate["id"], delegation["id"])
                    check_sessions(
                        ("delegations", n, "delegates", k, "available_sessions"),
                        delegate.get("available_sessions"),
                    )

        host_of: dict[str, str] = {}
        for n, program in enumerate(data["programs"]):
            if program["id"] in host_of:
                add(("programs", n, "id"), f"duplicate program id {program['id']!r}")
            host_of.setdefault(program["id"], program["host"])
            if program["host"] not in delegation_ids:
                add(("programs", n, "host"), f"unknown delegation {program['host']!r}")
            for k, presenter in enumerate(program.get("presenters") or ()):
                if member_of.get(presenter) != program["host"]:
                    add(
                        ("programs", n, "presenters", k),
                        f"{presenter!r} is not a listed delegate of {program['host']!r}",
                    )

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
            for k, delegate in enumerate(interest.get("attendees") or ()):
                if member_of.get(delegate) != who:
                    add(
                        ("interests", n, "attendees", k),
                        f"{delegate!r} is not a listed delegate of {who!r}",
                    )
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
        fairness=raw_workshop.get("fairness") or FairnessPolicy(),
    )
    delegations = tuple(_delegation(d, workshop.sessions) for d in loaded["delegations"])
    programs = tuple(
        Program(
            id=p["id"],
            title=p["title"],
            host=p["host"],
            presenters=tuple(dict.fromkeys(p.get("presenters") or ())),
            topics=tuple(dict.fromkeys(p.get("topics") or ())),
        )
        for p in loaded["programs"]
    )
    interests = tuple(
        Interest(
            delegation=entry["delegation"],
            program=program,
            rank=rank,
            weight=rank_weight(rank_weights, rank),
            attendees=tuple(dict.fromkeys(entry.get("attendees") or ())),
        )
        for entry in loaded["interests"]
        for rank, program in enumerate(entry["programs"], start=1)
    )
    return Scenario(
        workshop=workshop, delegations=delegations, programs=programs, interests=interests
    )


def _delegation(raw: Mapping[str, Any], sessions: int) -> Delegation:
    """A delegation with its people: listed ones present when they say (within the
    delegation's own ``available_sessions``), or N anonymous ones present throughout."""
    every_session = frozenset(range(1, sessions + 1))
    own = frozenset(raw["available_sessions"]) if "available_sessions" in raw else every_session
    languages = tuple(dict.fromkeys(raw.get("languages") or ()))
    if not isinstance(raw["delegates"], list):
        return Delegation(
            id=raw["id"],
            name=raw["name"],
            delegates=raw["delegates"],
            available_sessions=own,
            languages=languages,
        )
    people = tuple(
        Delegate(
            id=q["id"],
            delegation=raw["id"],
            name=q.get("name"),
            available_sessions=own
            & frozenset(q["available_sessions"] if "available_sessions" in q else every_session),
            languages=tuple(dict.fromkeys(q.get("languages") or ())) or languages,
        )
        for q in raw["delegates"]
    )
    present = frozenset().union(*(q.available_sessions for q in people))
    return Delegation(
        id=raw["id"],
        name=raw["name"],
        delegates=len(people),
        available_sessions=present,
        people=people,
        languages=languages,
    )


class RoundSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    session = fields.Integer(strict=True, required=True)
    table = fields.Integer(strict=True, required=True)
    program = fields.String(required=True)
    host = fields.String(load_default=None)
    attendees = fields.List(fields.String(), load_default=list)
    presenter = fields.String(load_default=None, allow_none=True)
    attending_delegates = fields.Dict(
        keys=fields.String(), values=fields.String(), load_default=dict
    )


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
            presenter=r["presenter"],
            attending_delegates=tuple(
                (d, r["attending_delegates"][d])
                for d in r["attendees"]
                if d in r["attending_delegates"]
            ),
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
