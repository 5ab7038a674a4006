"""The rules of a cooperation activity's life: states and transitions, follow-up
cadence and lateness, and the exact funding selection. No I/O here."""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PROPOSED, UNDER_REVIEW, SELECTED, DECLINED = "proposed", "under_review", "selected", "declined"
PLANNED, IN_PROGRESS, COMPLETED, EVALUATED = "planned", "in_progress", "completed", "evaluated"
WITHDRAWN = "withdrawn"

STATES = (
    PROPOSED,
    UNDER_REVIEW,
    SELECTED,
    DECLINED,
    PLANNED,
    IN_PROGRESS,
    COMPLETED,
    EVALUATED,
    WITHDRAWN,
)
# stages where the activity can still stall before it is done; withdrawal is
# possible from each of them
OPEN_STATES = (PROPOSED, UNDER_REVIEW, SELECTED, PLANNED, IN_PROGRESS)
# a completed activity is still followed up: its evaluation is owed
FOLLOWED_STATES = OPEN_STATES + (COMPLETED,)

TRANSITIONS: dict[str, tuple[str, ...]] = {
    PROPOSED: (UNDER_REVIEW, WITHDRAWN),
    UNDER_REVIEW: (SELECTED, DECLINED, WITHDRAWN),
    SELECTED: (PLANNED, WITHDRAWN),
    PLANNED: (IN_PROGRESS, WITHDRAWN),
    IN_PROGRESS: (COMPLETED, WITHDRAWN),
    COMPLETED: (EVALUATED,),
    DECLINED: (),
    EVALUATED: (),
    WITHDRAWN: (),
}

FUNDING_SOURCES = (
    "network_fund",
    "subregional_mechanism",
    "bilateral_cooperation",
    "own_resources",
)
# what an expression may leave open when it is signed (real records do)
NOT_YET_KNOWN = "not_yet_known"
ACTIVITY_TYPES = ("academic", "expert_visit", "virtual", "internship", "study_tour", NOT_YET_KNOWN)
MECHANISMS = (
    "inter_institutional_agreement",
    "bilateral_agreement",
    "regional_program",
    "other",
    NOT_YET_KNOWN,
)
FOCUSES = ("general", "specific_components", NOT_YET_KNOWN)

# a topic outside intake's vocabulary, said with a free-text label (`other_topic`)
OTHER_TOPIC = "other"

# who supplies: the delegations named, several not named yet, or nobody defined yet
NAMED, SEVERAL_NOT_YET_NAMED, NOT_YET_DEFINED = "named", "several_not_yet_named", "not_yet_defined"
SUPPLIER_STATUSES = (NAMED, SEVERAL_NOT_YET_NAMED, NOT_YET_DEFINED)

# delegations that are not from one country: they give a region instead
REGIONAL_KINDS = ("subregional_mechanism", "international_organisation")

# days until the next follow-up after entering a state; a workshop may override
DEFAULT_CADENCE_DAYS = {
    PROPOSED: 7,
    UNDER_REVIEW: 14,
    SELECTED: 30,
    PLANNED: 30,
    IN_PROGRESS: 30,
    COMPLETED: 60,
}
DEFAULT_DUE_SOON_DAYS = 3
DEFAULT_ESCALATION_DAYS = 14

DUE_SOON, OVERDUE, ESCALATION = "due_soon", "overdue", "escalation"


class IllegalTransition(ValueError):
    """A state change the lifecycle does not allow."""

    def __init__(self, from_state: str, to_state: str):
        allowed = ", ".join(TRANSITIONS.get(from_state, ())) or "none (the activity is closed)"
        super().__init__(
            f"an activity that is {from_state} cannot become {to_state}; allowed: {allowed}"
        )
        self.from_state = from_state
        self.to_state = to_state


class MissingForTransition(ValueError):
    """A legal transition asked without what the new state needs."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def check_transition(
    from_state: str,
    to_state: str,
    *,
    funding_source: str | None = None,
    planned_start: date | None = None,
    planned_end: date | None = None,
    terms_of_reference: str | None = None,
) -> None:
    """Raise unless `from_state -> to_state` is legal with what it was given."""
    if to_state not in STATES:
        raise MissingForTransition("to", f"unknown state {to_state!r}")
    if to_state not in TRANSITIONS.get(from_state, ()):
        raise IllegalTransition(from_state, to_state)
    if to_state == SELECTED and funding_source not in FUNDING_SOURCES:
        raise MissingForTransition(
            "funding_source",
            f"a selected activity needs its funding source: one of {', '.join(FUNDING_SOURCES)}",
        )
    if to_state == PLANNED:
        if planned_start is None or planned_end is None:
            raise MissingForTransition(
                "planned_start", "a planned activity needs planned_start and planned_end"
            )
        if planned_end < planned_start:
            raise MissingForTransition("planned_end", "planned_end is before planned_start")
        if not (terms_of_reference or "").strip():
            raise MissingForTransition(
                "terms_of_reference", "a planned activity needs its terms of reference"
            )


def supplier_status(status: str | None, supplying_delegation_ids: list) -> str:
    """Who supplies: named delegations always say `named`; with none named, the
    status given (several not yet named) or else not yet defined."""
    if supplying_delegation_ids:
        return NAMED
    return status if status in (SEVERAL_NOT_YET_NAMED, NOT_YET_DEFINED) else NOT_YET_DEFINED


def topic_label(topic: str | None, other_topic: str | None) -> str | None:
    """What a topic is reported under: the free-text label of an `other` topic,
    else the topic itself."""
    if topic == OTHER_TOPIC and (other_topic or "").strip():
        return other_topic.strip()
    return topic


def known_time_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def local_today(now: datetime, time_zone: str | None) -> date:
    """The date it is now where the workshop is (follow-up dates are local dates)."""
    return now.astimezone(ZoneInfo(time_zone or "UTC")).date()


def next_follow_up(state: str, today: date, cadence: dict | None = None) -> date | None:
    """When to follow up after entering `state` today; None for closed activities."""
    if state not in FOLLOWED_STATES:
        return None
    days = {**DEFAULT_CADENCE_DAYS, **(cadence or {})}[state]
    return today + timedelta(days=int(days))


@dataclass(frozen=True)
class Lateness:
    level: str
    days_overdue: int


def lateness(
    follow_up_on: date | None,
    today: date,
    *,
    due_soon_days: int = DEFAULT_DUE_SOON_DAYS,
    escalation_days: int = DEFAULT_ESCALATION_DAYS,
) -> Lateness | None:
    """How late an activity is today (both dates local to its workshop).

    Due on the follow-up date itself is `due_soon`; the day after it is overdue;
    `escalation_days` days after it the coordinators are told too.
    """
    if follow_up_on is None:
        return None
    late = (today - follow_up_on).days
    if late >= escalation_days:
        return Lateness(ESCALATION, late)
    if late > 0:
        return Lateness(OVERDUE, late)
    if -late <= due_soon_days:
        return Lateness(DUE_SOON, 0)
    return None


def week_of(day: date) -> date:
    """The Monday of the week holding `day` (digests are weekly)."""
    return day - timedelta(days=day.weekday())


# -- funding selection ---------------------------------------------------------


def weighted_score(weights: dict[str, int], scores: dict[str, int]) -> int:
    """Sum of weight x score over the criteria; an unscored criterion counts 0."""
    return sum(int(weight) * int(scores.get(key, 0)) for key, weight in weights.items())


@dataclass(frozen=True)
class Candidate:
    key: str
    cost: int
    score: int


@dataclass(frozen=True)
class Selection:
    chosen: tuple[str, ...]
    total_cost: int
    total_score: int


def best_selection(candidates: list[Candidate], budget: int) -> Selection:
    """The subset with the highest total score whose total cost fits the budget.

    Exact 0/1 knapsack by dynamic programming over the Pareto frontier of
    (cost, score) pairs: a partial selection is dropped only when another costs
    no more and scores at least as much, so the optimum always survives. Costs
    are integers in minor units (cents), which may be large, so a table indexed
    by cost would not fit; the frontier is bounded by the number of distinct
    total scores instead. Ties prefer the cheaper selection.
    """
    if budget < 0:
        raise ValueError("the budget cannot be negative")
    items = sorted((c for c in candidates if c.cost <= budget and c.score > 0), key=lambda c: c.key)
    # frontier: cost -> (score, chosen bitmask), kept with strictly increasing score by cost
    frontier: list[tuple[int, int, int]] = [(0, 0, 0)]
    for index, item in enumerate(items):
        extended = [
            (cost + item.cost, score + item.score, chosen | (1 << index))
            for cost, score, chosen in frontier
            if cost + item.cost <= budget
        ]
        # both lists are sorted by cost already: a linear merge keeps it O(frontier)
        merged = heapq.merge(frontier, extended, key=lambda s: (s[0], -s[1]))
        frontier = []
        for state in merged:
            if not frontier or state[1] > frontier[-1][1]:
                frontier.append(state)
    cost, score, chosen = max(frontier, key=lambda s: (s[1], -s[0]))
    keys = tuple(item.key for index, item in enumerate(items) if chosen >> index & 1)
    return Selection(keys, cost, score)
