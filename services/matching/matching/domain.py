"""matching's rules between the read model and the solver: which delegations,
programs and interests a workshop's schedule is made of, stable round ids,
and what changed for each delegation between two published revisions.

No I/O here: the functions take plain rows (anything with the attributes)
and return plain dicts.
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from fractions import Fraction

from .exceptions import PlanRefused
from .solver import Pin, ScenarioError, explain, load_scenario
from .solver.model import check_pins as solver_check_pins

# the solver's sentences, as codes a program can switch on
REASON_CODES = {
    explain.TABLE_FULL: "table_full",
    explain.BUSY: "delegates_busy",
    explain.WITHDRAWN: "program_withdrawn",
    explain.HOST_UNAVAILABLE: "host_unavailable",
    explain.NO_TABLE: "no_table_left",
    explain.HOST_BUSY: "host_busy",
    explain.YOU_BUSY_UNSCHEDULED: "delegates_busy_everywhere",
    explain.NEVER_TOGETHER: "never_available_with_host",
    explain.NOT_AVAILABLE: "not_available",
    explain.TIME_LIMIT: "time_limit",
}
PROGRAM_RETURNED = "the program was returned to its host for changes and is not scheduled yet"
REASONS_FROM_CODES = {code: reason for reason, code in REASON_CODES.items()}
REASONS_FROM_CODES["program_returned"] = PROGRAM_RETURNED

# round ids are uuid5 in this namespace, so every replica and revision agrees
ROUND_NAMESPACE = uuid.UUID("5d7f3c1e-7a43-4b8e-9a55-2f1f0c6a9b10")

# when the rank weights are not whole numbers, they are scaled by this and
# rounded, since the solver's objective is an integer
WEIGHT_SCALE = 100


# a workshop that set no fairness policy gets the solver's default
DEFAULT_FAIRNESS = {"price": 0.05}


class NotSchedulable(Exception):
    """The workshop cannot be scheduled yet (unknown, or nothing to place)."""


def fairness_policy(stored) -> str | dict:
    """A workshop's fairness policy as the solver reads it: "total" or {"price": p}."""
    return stored if stored is not None else dict(DEFAULT_FAIRNESS)


def solver_weights(rank_weights) -> list[int] | None:
    """intake's rank weights (any positive numbers) as the solver's positive integers."""
    if not rank_weights:
        return None
    if all(float(w).is_integer() for w in rank_weights):
        return [int(w) for w in rank_weights]
    return [max(1, round(float(w) * WEIGHT_SCALE)) for w in rank_weights]


def schedulable_program(program) -> bool:
    return (
        not program.withdrawn
        and program.title is not None
        and (program.returned_version is None or program.version > program.returned_version)
    )


def active_delegation(delegation) -> bool:
    return not delegation.withdrawn and delegation.name is not None and bool(delegation.delegates)


@dataclass
class ScenarioInputs:
    """A workshop's scenario file for the solver, and the interests the
    service itself explains (the solver never sees those programs)."""

    scenario: dict
    unmet: list[dict] = field(default_factory=list)


def build_scenario(workshop, delegations, programs, interests) -> ScenarioInputs:
    """The solver's scenario from the read model of one workshop.

    Withdrawn or returned programs, withdrawn delegations and their programs
    are left out; an interest naming a program the solver does not get is
    dropped from the list (a returned or withdrawn one is reported as unmet,
    one never submitted is ignored). When a
    delegation has several interest forms, the latest submitted one counts.
    """
    people = {d.id: d for d in delegations if active_delegation(d)}
    offered = {
        p.id: p for p in programs if schedulable_program(p) and p.host_delegation_id in people
    }
    returned = {
        p.id
        for p in programs
        if not p.withdrawn
        and p.title is not None
        and p.host_delegation_id in people
        and p.id not in offered
    }
    # withdrawn by intake, or their host left the workshop
    gone = {p.id for p in programs if p.id not in offered and p.id not in returned}
    latest: dict[str, object] = {}
    for interest in interests:
        if interest.withdrawn or interest.programs is None or interest.delegation_id not in people:
            continue
        current = latest.get(interest.delegation_id)
        if current is None or (interest.submitted_at, interest.id) > (
            current.submitted_at,
            current.id,
        ):
            latest[interest.delegation_id] = interest
    wanted, unmet = [], []
    for delegation_id in sorted(latest, key=list(people).index):
        chosen: list[str] = []
        for program_id in latest[delegation_id].programs:
            if program_id in chosen:
                continue
            if program_id in offered and offered[program_id].host_delegation_id != delegation_id:
                chosen.append(program_id)
            elif program_id in returned:
                unmet.append(
                    {
                        "delegation_id": delegation_id,
                        "program_id": program_id,
                        "reason_code": "program_returned",
                        "reason": PROGRAM_RETURNED,
                    }
                )
            elif program_id in gone:
                unmet.append(
                    {
                        "delegation_id": delegation_id,
                        "program_id": program_id,
                        "reason_code": "program_withdrawn",
                        "reason": explain.WITHDRAWN,
                    }
                )
        if chosen:
            wanted.append({"delegation": delegation_id, "programs": chosen})
    grid = {
        "id": workshop.id,
        "title": workshop.title,
        "sessions": len(workshop.sessions),
        "tables_per_session": workshop.tables_per_session,
        "table_capacity": workshop.table_capacity,
        "max_runs_per_program": workshop.max_runs_per_program,
    }
    weights = solver_weights(workshop.rank_weights)
    if weights:
        grid["rank_weights"] = weights
    grid["fairness"] = fairness_policy(getattr(workshop, "fairness", None))
    # intake numbers sessions; the solver counts them 1..S in that order
    session_of = {s["number"]: k for k, s in enumerate(workshop.sessions, start=1)}
    members = {
        d.id: {q["delegate_id"] for q in getattr(d, "people", None) or ()} for d in people.values()
    }
    for entry in wanted:
        attendees = _named(
            getattr(latest[entry["delegation"]], "attendees", None), members[entry["delegation"]]
        )
        if attendees:
            entry["attendees"] = attendees
    scenario = {
        "workshop": grid,
        "delegations": [_delegation_entry(d, session_of) for d in people.values()],
        "programs": [_program_entry(p, members[p.host_delegation_id]) for p in offered.values()],
        "interests": wanted,
    }
    return ScenarioInputs(scenario=scenario, unmet=unmet)


def _delegation_entry(delegation, session_of: dict[int, int]) -> dict:
    """A delegation as the solver reads it: its delegates with the sessions
    they are present at and their languages, or (older registrations) how
    many delegates it has, present throughout."""
    if not getattr(delegation, "people", None):
        return {"id": delegation.id, "name": delegation.name, "delegates": delegation.delegates}
    delegates = []
    for person in delegation.people:
        entry = {"id": person["delegate_id"]}
        if person.get("sessions") is not None:
            # a session the grid no longer has is simply not one they attend
            entry["available_sessions"] = sorted(
                {session_of[n] for n in person["sessions"] if n in session_of}
            )
        languages = [lang for lang in person.get("languages") or () if lang]
        if languages:
            entry["languages"] = languages
        delegates.append(entry)
    return {"id": delegation.id, "name": delegation.name, "delegates": delegates}


def _program_entry(program, host_people: set[str]) -> dict:
    """A program with its topics (for continuity) and the host's delegates who
    present it; presenters the host no longer lists are dropped, and when none
    is left any delegate of the host may present it."""
    entry = {"id": program.id, "title": program.title, "host": program.host_delegation_id}
    topics = [t for t in dict.fromkeys(program.topics or ()) if t]
    if topics:
        entry["topics"] = topics
    presenters = _named(getattr(program, "presenters", None), host_people)
    if presenters:
        entry["presenters"] = presenters
    return entry


def _named(ids, people: set[str]) -> list[str]:
    """The delegate ids among a delegation's people, in order, once each."""
    return [q for q in dict.fromkeys(ids or ()) if q in people]


def round_id(workshop_id: str, program_id: str, run: int) -> str:
    return str(uuid.uuid5(ROUND_NAMESPACE, f"{workshop_id}/{program_id}/{run}"))


def run_of(workshop_id: str, r: dict) -> int:
    """The run number hidden in a published round's id."""
    for n in range(1, 100):
        if round_id(workshop_id, r["program_id"], n) == r["round_id"]:
            return n
    raise ValueError(f"round {r['round_id']} was not numbered by matching")


def number_runs(workshop_id: str, rounds, previous_rounds) -> dict[tuple[str, int], int]:
    """Run numbers (1..max runs) per (program, session), stable across revisions.

    A run that stays in its session keeps its number; a run that moves takes
    a number its program no longer uses, so calendar entries follow it.
    """
    before: dict[str, dict[int, int]] = defaultdict(dict)
    for r in previous_rounds:
        before[r["program_id"]][r["session"]] = run_of(workshop_id, r)
    sessions: dict[str, list[int]] = defaultdict(list)
    for r in rounds:
        sessions[r["program"]].append(r["session"])
    numbers: dict[tuple[str, int], int] = {}
    for program, runs in sessions.items():
        kept = {s: before[program][s] for s in runs if s in before[program]}
        used = set(kept.values())
        free = [n for n in sorted(before[program].values()) if n not in used]
        fresh = (
            n
            for n in range(1, len(runs) + len(before[program]) + 1)
            if n not in used and n not in before[program].values()
        )
        for s in sorted(runs):
            if s in kept:
                numbers[program, s] = kept[s]
            else:
                numbers[program, s] = free.pop(0) if free else next(fresh)
    return numbers


def published_rounds(workshop, document: dict, scenario: dict, previous_rounds) -> list[dict]:
    """The solver's rounds as schedule_published names them: ids, times, titles."""
    titles = {p["id"]: p["title"] for p in scenario["programs"]}
    # the solver numbers sessions 1..S in time order, as intake does
    starts = {k: _instant(s["starts_at"]) for k, s in enumerate(workshop.sessions, start=1)}
    length = timedelta(minutes=workshop.round_minutes)
    runs = number_runs(workshop.id, document["rounds"], previous_rounds)
    named = named_delegates(scenario)
    rounds = []
    for r in document["rounds"]:
        starts_at = starts[r["session"]]
        seated = r.get("attending_delegates") or {}
        rounds.append(
            {
                "round_id": round_id(workshop.id, r["program"], runs[r["program"], r["session"]]),
                "session": r["session"],
                "table": r["table"],
                "starts_at": starts_at.isoformat(),
                "ends_at": (starts_at + length).isoformat(),
                "program_id": r["program"],
                "program_title": titles[r["program"]],
                "host_delegation_id": r["host"],
                "attendee_delegation_ids": list(r["attendees"]),
                "presenter_delegate_id": _person(r.get("presenter"), named),
                "attendees": [
                    {"delegation_id": d, "delegate_id": _person(seated.get(d), named)}
                    for d in r["attendees"]
                ],
            }
        )
    return rounds


def named_delegates(scenario: dict) -> set[str]:
    """Ids of the delegates intake named (a delegation registered with an older
    version has only a count: the solver's stand-ins `ID#1`.. are nobody)."""
    return {
        q["id"]
        for d in scenario["delegations"]
        if isinstance(d["delegates"], list)
        for q in d["delegates"]
    }


def _person(delegate_id: str | None, named: set[str]) -> str | None:
    return delegate_id if delegate_id in named else None


def fairness_published(document: dict, policy) -> dict:
    """The fairness report schedule_published v2 carries: the policy (`kind`
    total or price), the worst share, how many delegations got under half,
    the best total found without fairness with its bound, and every share.
    `policy` is the workshop's, for a schedule whose solver did not say."""
    reported = document.get("fairness") or {}
    chosen = reported.get("policy") or policy
    shares = reported.get("shares") or {}
    return {
        "policy": (
            {"kind": "total", "price": None}
            if chosen == "total"
            else {"kind": "price", "price": float(chosen["price"])}
        ),
        "worst_share": reported.get("worst_share"),
        "below_half": len(reported.get("below_half") or ()),
        "best_total": reported.get("best_total"),
        "best_total_bound": reported.get("best_total_bound"),
        "shares": [{"delegation_id": d, "share": v} for d, v in shares.items() if v is not None],
    }


def interpretation_published(document: dict, rounds: list[dict]) -> list[dict]:
    """The solver's tables that need interpretation, per session and language
    pair (presenter's, attendee's), naming the rounds by their ids."""
    ids = {(r["session"], r["table"]): r["round_id"] for r in rounds}
    out = []
    for need in document.get("interpretation") or ():
        round_ids = list(
            dict.fromkeys(
                ids[need["session"], r["table"]]
                for r in need["rounds"]
                if (need["session"], r["table"]) in ids
            )
        )
        if round_ids:
            out.append(
                {
                    "session": need["session"],
                    "languages": list(need["languages"]),
                    "round_ids": round_ids,
                }
            )
    return out


def _instant(value) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def unmet_entries(document: dict, extra: list[dict]) -> list[dict]:
    """The solver's unmet interests with a reason code, then the service's own.

    Withdrawn programs come from the read model (`extra`), which knows who
    still asks for them; the solver only knows who sat at them before.
    """
    entries = [
        {
            "delegation_id": u["delegation"],
            "program_id": u["program"],
            "reason_code": REASON_CODES.get(u["reason"], "other"),
            "reason": u["reason"],
        }
        for u in document["unmet"]
        if u["reason"] != explain.WITHDRAWN
    ]
    seen = {(u["delegation_id"], u["program_id"]) for u in entries}
    return entries + [u for u in extra if (u["delegation_id"], u["program_id"]) not in seen]


def previous_for_solver(rounds: list[dict], delegation_ids) -> list[dict]:
    """A published revision's rounds as the solver's `--previous` file reads them,
    with the people it placed (v2) so a re-plan keeps them where it can;
    attendees who left are dropped (they cannot be kept anyway)."""
    present = set(delegation_ids)
    out = []
    for r in rounds:
        entry = {
            "session": r["session"],
            "table": r["table"],
            "program": r["program_id"],
            "host": r["host_delegation_id"],
            "attendees": [d for d in r["attendee_delegation_ids"] if d in present],
        }
        if r.get("presenter_delegate_id"):
            entry["presenter"] = r["presenter_delegate_id"]
        seated = {
            a["delegation_id"]: a["delegate_id"]
            for a in r.get("attendees") or ()
            if a.get("delegate_id") and a["delegation_id"] in present
        }
        if seated:
            entry["attending_delegates"] = seated
        out.append(entry)
    return out


def people_of(rounds: list[dict]) -> list[tuple]:
    """Who sits where, to compare two revisions: (round, presenter, attendees)."""
    return sorted(
        (
            r["round_id"],
            r.get("presenter_delegate_id") or "",
            tuple(
                sorted(
                    (a["delegation_id"], a["delegate_id"] or "") for a in r.get("attendees") or ()
                )
            ),
        )
        for r in rounds
    )


def _place(r) -> dict | None:
    return None if r is None else {"session": r["session"], "table": r["table"]}


def changes(before: list[dict], after: list[dict]) -> list[dict]:
    """Per delegation, what a new revision changed for it.

    A delegation is concerned by a round it hosts or attends. `moved`: the
    round it keeps changed session or table; `added`/`removed`: it gained or
    lost the round; `attendees_changed` goes to the host of a round that
    stayed put but whose attendees changed.
    """
    old = {r["round_id"]: r for r in before}
    new = {r["round_id"]: r for r in after}

    def seats(rounds):
        out = defaultdict(dict)
        for r in rounds.values():
            for d in (r["host_delegation_id"], *r["attendee_delegation_ids"]):
                out[d][r["round_id"]] = r
        return out

    had, has = seats(old), seats(new)
    order = list(dict.fromkeys([*has, *had]))
    result = []
    for delegation in order:
        items = []
        mine_before, mine_after = had.get(delegation, {}), has.get(delegation, {})
        for rid in dict.fromkeys([*mine_before, *mine_after]):
            b, a = mine_before.get(rid), mine_after.get(rid)
            program_id = (a or b)["program_id"]
            if b is None:
                change = "added"
            elif a is None:
                change = "removed"
            elif (b["session"], b["table"]) != (a["session"], a["table"]):
                change = "moved"
            elif a["host_delegation_id"] == delegation and sorted(
                a["attendee_delegation_ids"]
            ) != sorted(b["attendee_delegation_ids"]):
                change = "attendees_changed"
            else:
                continue
            items.append(
                {
                    "change": change,
                    "round_id": rid,
                    "program_id": program_id,
                    "before": _place(b),
                    "after": _place(a),
                }
            )
        if items:
            result.append({"delegation_id": delegation, "items": items})
    return result


def gap(objective, bound) -> float | None:
    """How far, at worst, the schedule is from the best possible (0.0 = proven best)."""
    if bound in (None, 0) or objective is None:
        return None if bound is None else 0.0
    return float(Fraction(bound - objective, bound))


def explanations(payload: dict) -> list[dict]:
    """Per delegation, in words staff can forward: what it hosts, attends and misses."""
    names = {d["delegation_id"]: d["name"] for d in payload["delegations"]}
    out = {
        d: {"delegation_id": d, "name": name, "hosts": [], "attends": [], "misses": []}
        for d, name in names.items()
    }
    for r in payload["rounds"]:
        where = {
            "program_id": r["program_id"],
            "program_title": r["program_title"],
            "session": r["session"],
            "table": r["table"],
            "starts_at": r["starts_at"],
        }
        if r["host_delegation_id"] in out:
            out[r["host_delegation_id"]]["hosts"].append(where)
        for d in r["attendee_delegation_ids"]:
            if d in out:
                out[d]["attends"].append(where)
    for u in payload["unmet"]:
        if u["delegation_id"] in out:
            out[u["delegation_id"]]["misses"].append(
                {
                    "program_id": u["program_id"],
                    "reason_code": u["reason_code"],
                    "reason": u["reason"],
                }
            )
    return list(out.values())


def name_pins(problems: list[str], pins) -> list[str]:
    """The solver numbers pins by position; staff know them by program."""

    def named(match):
        index = int(match[1])
        return f"pin of program {pins[index]['program_id']}" if index < len(pins) else match[0]

    return [re.sub(r"pinned\[(\d+)\]", named, problem) for problem in problems]


def check_pins(scenario: dict, pins: list[dict]) -> None:
    """Refuse at once, with PlanRefused, pins that cannot hold together on
    their face (two on one table, more than the tables of a session...), the
    solver's own first check; what only a solve can find out is the job's."""
    if not pins:
        return
    try:
        solver_check_pins(
            load_scenario(scenario),
            [
                Pin(session=p["session"], table=p.get("table"), program=p["program_id"])
                for p in pins
            ],
        )
    except ScenarioError as error:
        raise PlanRefused(name_pins(error.problems, pins)) from None


def fairness_view(document: dict, scenario_policy) -> dict:
    """What fairness cost, for staff: the policy the schedule was computed
    under, each delegation's share of the weight it asked for, the worst
    share, the delegations below half, and the best total found without
    fairness with its bound. Fields the solver does not report (older
    schedules) are null."""
    reported = document.get("fairness") or {}
    shares = reported.get("shares")
    return {
        "policy": reported.get("policy", scenario_policy),
        "worst_share": reported.get("worst_share"),
        "proven": reported.get("proven"),
        "shares": (
            [{"delegation_id": d, "share": v} for d, v in shares.items()]
            if shares is not None
            else None
        ),
        "below_half": reported.get("below_half"),
        "best_total": reported.get("best_total"),
        "best_total_bound": reported.get("best_total_bound"),
        "price_paid": _price_paid(document.get("objective"), reported.get("best_total")),
    }


def _price_paid(objective, best_total) -> float | None:
    """The part of the best total given up for fairness (0.0: none)."""
    if objective is None or not best_total:
        return None
    return round(float(Fraction(best_total - objective, best_total)), 4)
