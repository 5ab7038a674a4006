"""Why an interest was not met, told from the final schedule, and a per-delegation summary."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from .people import attendees_in, presenters_in
from .scenario import Round, Scenario

WITHDRAWN = "program withdrawn"
HOST_UNAVAILABLE = "host unavailable"
NO_TABLE = "not scheduled: no table left"
HOST_BUSY = "not scheduled: the host's delegates are busy in every session with a free table"
YOU_BUSY_UNSCHEDULED = (
    "not scheduled: all your delegates are busy in every session where it could run"
)
NEVER_TOGETHER = "you are not available in any session when the host is"
NOT_AVAILABLE = "you are not available in the session where this program runs"
TABLE_FULL = "table full"
BUSY = "all your delegates are busy in the session where this program runs"
TIME_LIMIT = "not placed before the time limit ran out"


def unmet_interests(
    scenario: Scenario, rounds: Sequence[Round], previous: Sequence[Round] = ()
) -> list[dict[str, str]]:
    """One ``{"delegation", "program", "reason"}`` per interest the schedule leaves unmet.

    Withdrawn programs come from ``previous``: their former attendees lose them.
    """
    workshop = scenario.workshop
    delegations = scenario.delegation_by_id
    runs: dict[str, list[Round]] = defaultdict(list)
    tables_used: dict[int, int] = defaultdict(int)
    seats_used: dict[tuple[str, int], int] = defaultdict(int)
    met: set[tuple[str, str]] = set()
    for r in rounds:
        runs[r.program].append(r)
        tables_used[r.session] += 1
        seats_used[r.host, r.session] += 1
        for d in r.attendees:
            seats_used[d, r.session] += 1
            met.add((d, r.program))

    def free_seat(delegation: str, session: int) -> bool:
        return seats_used[delegation, session] < delegations[delegation].seats(session)

    interest_of = {(i.delegation, i.program): i for i in scenario.interests}

    def reason(delegation: str, program_id: str) -> str:
        # Sessions where someone who may sit at (or present) this table is present.
        interest = interest_of[delegation, program_id]
        mine = {s for s in scenario.sessions if attendees_in(scenario, interest, s)}
        host = scenario.program_by_id[program_id].host
        theirs = {s for s in scenario.sessions if presenters_in(scenario, program_id, s)}
        if runs[program_id]:
            reachable = [r for r in runs[program_id] if r.session in mine]
            if not reachable:
                return NOT_AVAILABLE
            with_room = [r for r in reachable if len(r.attendees) < workshop.table_capacity]
            if not with_room:
                return TABLE_FULL
            if any(free_seat(delegation, r.session) for r in with_room):
                return TIME_LIMIT
            return BUSY
        if not theirs:
            return HOST_UNAVAILABLE
        common = sorted(mine & theirs)
        if not common:
            return NEVER_TOGETHER
        open_ = [s for s in common if tables_used[s] < workshop.tables_per_session]
        if not open_:
            return NO_TABLE
        hostable = [s for s in open_ if free_seat(host, s)]
        if not hostable:
            return HOST_BUSY
        if not any(free_seat(delegation, s) for s in hostable):
            return YOU_BUSY_UNSCHEDULED
        return TIME_LIMIT

    unmet = [
        {
            "delegation": i.delegation,
            "program": i.program,
            "reason": reason(i.delegation, i.program),
        }
        for i in scenario.interests
        if (i.delegation, i.program) not in met
    ]
    withdrawn: list[tuple[str, str]] = []
    for r in previous:
        if r.program in scenario.program_by_id:
            continue
        for d in r.attendees:
            if d in delegations and (d, r.program) not in withdrawn:
                withdrawn.append((d, r.program))
    unmet += [{"delegation": d, "program": p, "reason": WITHDRAWN} for d, p in withdrawn]
    return unmet


def summary(scenario: Scenario, rounds: Iterable[Round], unmet: Iterable[dict[str, str]]) -> str:
    """A few lines per delegation: what it hosts, what it got, what it missed and why."""
    rounds = list(rounds)
    missed: dict[str, list[dict[str, str]]] = defaultdict(list)
    for entry in unmet:
        missed[entry["delegation"]].append(entry)
    lines = []
    for delegation in scenario.delegations:
        asked = [i for i in scenario.interests if i.delegation == delegation.id]
        got = {r.program: r for r in rounds if delegation.id in r.attendees}
        hosting = [r for r in rounds if r.host == delegation.id]
        got_weight = sum(i.weight for i in asked if i.program in got)
        asked_weight = sum(i.weight for i in asked)
        head = f"{delegation.id} ({delegation.name}, {delegation.delegates} delegate"
        head += "s" if delegation.delegates != 1 else ""
        if asked:
            head += f"): got {len(got)} of {len(asked)} asked (weight {got_weight}/{asked_weight})"
        else:
            head += "): asked for no program"
        lines.append(head)
        for r in sorted(hosting, key=lambda r: (r.session, r.table)):
            by = f", presented by {r.presenter}" if r.presenter else ""
            lines.append(f"  hosts  {r.program}: session {r.session}, table {r.table}{by}")
        for interest in asked:
            r = got.get(interest.program)
            if r is not None:
                who = r.delegate_of(delegation.id)
                by = f", {who} attends" if who else ""
                lines.append(f"  got    {r.program}: session {r.session}, table {r.table}{by}")
        for entry in missed[delegation.id]:
            lines.append(f"  missed {entry['program']}: {entry['reason']}")
    return "\n".join(lines)
