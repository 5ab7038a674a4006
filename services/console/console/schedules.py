"""What the rounds pages compute from matching's schedule views and intake's
delegations, without I/O: the person-level grid, each delegation's rounds
and unmet interests, what moved between two revisions, and who a
publication emails and what changes for them.

Schedules computed before matching placed people (or from a matching that
does not send them yet) name no presenter and no attending delegate: the
grid then shows delegations only, and a delegation's change counts for
each of its delegates.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# what changed for a delegation (or a person) between two revisions
ADDED, REMOVED, MOVED, PEOPLE = "added", "removed", "moved", "people_changed"
TABLE = "delegations_changed"  # the same seat, other delegations at the table


def delegates_of(delegation: dict | None) -> dict[str, dict]:
    return {d["id"]: d for d in (delegation or {}).get("delegates") or () if d.get("id")}


def has_people(schedule: dict | None) -> bool:
    """Whether the schedule names presenters and attending delegates."""
    return any(
        r.get("presenter_delegate_id")
        or any(a.get("delegate_id") for a in r.get("attendees") or ())
        for r in (schedule or {}).get("rounds") or ()
    )


def _attending(round_: dict) -> dict[str, list[str]]:
    """delegation id -> its attending delegate ids ([] when not named), in order."""
    seen: dict[str, list[str]] = {d: [] for d in round_.get("attendee_delegation_ids") or ()}
    for entry in round_.get("attendees") or ():
        people = seen.setdefault(entry["delegation_id"], [])
        if entry.get("delegate_id"):
            people.append(entry["delegate_id"])
    return seen


def grid(schedule: dict | None, delegations: dict[str, dict]) -> dict[tuple[int, int], dict]:
    """(session, table) -> the cell: program, presenting delegation and its
    presenter, each attending delegation with its delegates (names)."""
    cells = {}
    for r in (schedule or {}).get("rounds") or ():
        host = delegations.get(r["host_delegation_id"])
        presenter = delegates_of(host).get(r.get("presenter_delegate_id") or "")
        attending = []
        for delegation_id, people in _attending(r).items():
            named = delegates_of(delegations.get(delegation_id))
            attending.append(
                {
                    "delegation_id": delegation_id,
                    "delegation": delegations.get(delegation_id),
                    "delegates": [named[p]["name"] for p in people if p in named],
                }
            )
        cells[(r["session"], r["table"])] = {
            **r,
            "host": host,
            "presenter": presenter["name"] if presenter else None,
            "attending": attending,
        }
    return cells


def delegation_rounds(
    schedule: dict | None, delegation_id: str, delegations: dict[str, dict]
) -> dict:
    """What one delegation got (rounds it presents and attends, with its
    people) and why it missed the rest (its unmet interests with the reason)."""
    mine = delegates_of(delegations.get(delegation_id))
    presents, attends = [], []
    for r in sorted((schedule or {}).get("rounds") or (), key=lambda r: (r["session"], r["table"])):
        if r["host_delegation_id"] == delegation_id:
            presenter = mine.get(r.get("presenter_delegate_id") or "")
            presents.append({**r, "people": [presenter["name"]] if presenter else []})
        people = _attending(r).get(delegation_id)
        if people is not None:
            attends.append(
                {
                    **r,
                    "host": delegations.get(r["host_delegation_id"]),
                    "people": [mine[p]["name"] for p in people if p in mine],
                }
            )
    unmet = [u for u in (schedule or {}).get("unmet") or () if u["delegation_id"] == delegation_id]
    return {"presents": presents, "attends": attends, "unmet": unmet}


def _seats(schedule: dict | None) -> dict[str, dict[tuple[str, str], dict]]:
    """delegation id -> (program id, "presents" | "attends") -> where and who."""
    seats: dict[str, dict[tuple[str, str], dict]] = {}
    for r in (schedule or {}).get("rounds") or ():
        where = {
            "session": r["session"],
            "table": r["table"],
            "program_id": r["program_id"],
            "program_title": r.get("program_title"),
            "starts_at": r.get("starts_at"),
            "at_table": sorted(
                {r["host_delegation_id"], *(r.get("attendee_delegation_ids") or ())}
            ),
        }
        presenter = r.get("presenter_delegate_id")
        seats.setdefault(r["host_delegation_id"], {})[(r["program_id"], "presents")] = {
            **where,
            "people": [presenter] if presenter else [],
        }
        for delegation_id, people in _attending(r).items():
            seats.setdefault(delegation_id, {})[(r["program_id"], "attends")] = {
                **where,
                "people": list(people),
            }
    return seats


@dataclass
class Change:
    kind: str  # added, removed, moved, people_changed, delegations_changed
    role: str  # presents, attends
    program_id: str
    program_title: str | None
    before: dict | None
    after: dict | None


@dataclass
class DelegationChanges:
    delegation_id: str
    changes: list[Change] = field(default_factory=list)


def compare(before: dict | None, after: dict | None) -> list[DelegationChanges]:
    """Per delegation, what moved from `before` to `after`: a round added or
    removed, moved to another session or table, with other people of the
    delegation, or with other delegations at the table."""
    old, new = _seats(before), _seats(after)
    result = []
    for delegation_id in sorted(set(old) | set(new)):
        was, now = old.get(delegation_id, {}), new.get(delegation_id, {})
        changes = []
        # in the order of the day: by the earliest session the round had
        for key in sorted(
            set(was) | set(now),
            key=lambda k: (min(s["session"] for s in (was.get(k), now.get(k)) if s), k[1], k[0]),
        ):
            a, b = was.get(key), now.get(key)
            title = (b or a).get("program_title")
            if a is None:
                kind = ADDED
            elif b is None:
                kind = REMOVED
            elif (a["session"], a["table"]) != (b["session"], b["table"]):
                kind = MOVED
            elif sorted(a["people"]) != sorted(b["people"]):
                kind = PEOPLE
            elif a["at_table"] != b["at_table"]:
                kind = TABLE
            else:
                continue
            changes.append(Change(kind, key[1], key[0], title, a, b))
        if changes:
            result.append(DelegationChanges(delegation_id, changes))
    return result


def _person_rounds(
    schedule: dict | None, delegation_id: str, delegate: dict, named: bool
) -> set[tuple]:
    """The rounds a delegate sits in (where, when, with which delegations at
    the table): their own when the schedule names people, else every round
    of their delegation in a session they attend."""
    present_at = delegate.get("sessions")
    seats = set()
    for (program_id, role), seat in _seats(schedule).get(delegation_id, {}).items():
        if named:
            if delegate["id"] not in seat["people"]:
                continue
        elif present_at is not None and seat["session"] not in present_at:
            continue
        seats.add(
            (
                seat["session"],
                seat["table"],
                seat["starts_at"],
                program_id,
                role,
                tuple(seat["at_table"]),
            )
        )
    return seats


@dataclass
class Recipient:
    delegation_id: str
    delegate_id: str
    name: str
    language: str | None
    kind: str  # agenda (first publication) or change_notice
    changes: list[Change]


def publish_preview(
    before: dict | None, after: dict, delegations: dict[str, dict]
) -> list[Recipient]:
    """Who publishing `after` over the published `before` emails, and what
    changes for each. The first publication emails every delegate of every
    registered delegation their agenda; a later one a change notice only to
    the people whose own rounds changed: added, dropped, moved, or with other
    delegations at the table (as notify decides; a colleague's round is not
    theirs)."""
    by_delegation = {c.delegation_id: c.changes for c in compare(before, after)}
    named_before, named_after = has_people(before), has_people(after)
    recipients = []
    for delegation_id, delegation in sorted(
        delegations.items(),
        key=lambda kv: (
            kv[1].get("country") or kv[1].get("region") or "",
            kv[1].get("acronym") or "",
        ),
    ):
        if delegation.get("status", "registered") != "registered":
            continue
        for delegate in delegation.get("delegates") or ():
            if before is None:
                kind, changes = "agenda", by_delegation.get(delegation_id, [])
                changes = [c for c in changes if _concerns(c, delegate, named_after)]
            else:
                was = _person_rounds(before, delegation_id, delegate, named_before)
                now = _person_rounds(after, delegation_id, delegate, named_after)
                if was == now:
                    continue
                kind = "change_notice"
                changes = [
                    c
                    for c in by_delegation.get(delegation_id, [])
                    if _concerns(c, delegate, named_before or named_after)
                ] or by_delegation.get(delegation_id, [])
            recipients.append(
                Recipient(
                    delegation_id,
                    delegate["id"],
                    delegate.get("name", ""),
                    delegate.get("language"),
                    kind,
                    changes,
                )
            )
    return recipients


def _concerns(change: Change, delegate: dict, named: bool) -> bool:
    if not named:
        return True
    people = set((change.before or {}).get("people") or ()) | set(
        (change.after or {}).get("people") or ()
    )
    return delegate["id"] in people
