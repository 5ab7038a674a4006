"""Rules of notify: who gets which email, how it is identified, what its
fixed subject says, what changed between two plans. No I/O here."""

from __future__ import annotations

import uuid
from dataclasses import dataclass


def N_(message: str) -> str:  # noqa: N802 (the name pybabel looks for)
    """Marks a string for extraction (pybabel's default keywords include N_);
    it is translated later, in the recipient's language."""
    return message


PENDING, SENT, FAILED = "pending", "sent", "failed"
STATUSES = (PENDING, SENT, FAILED)

LANGUAGES = ("es", "en", "pt", "fr")
LAST_RESORT_LANGUAGE = "en"

DELEGATE, STAFF = "delegate", "staff"

# kinds of email; each has a template pair (<kind>.txt.j2, <kind>.html.j2)
PROGRAM_RECEIVED = "program_received"
PROGRAM_REVIEWED = "program_reviewed"
INTEREST_RECEIVED = "interest_received"
EXPRESSION_RECEIVED = "expression_received"
AGENDA = "agenda"
SCHEDULE_CHANGED = "schedule_changed"
FOLLOW_UP_DUE = "follow_up_due"
WEEKLY_DIGEST = "weekly_digest"
FUNDING_SELECTION = "funding_selection"
ACTIVITY_STATUS_CHANGED = "activity_status_changed"
SUBMISSION_REMINDER = "submission_reminder"
KINDS = (
    PROGRAM_RECEIVED,
    PROGRAM_REVIEWED,
    INTEREST_RECEIVED,
    EXPRESSION_RECEIVED,
    AGENDA,
    SCHEDULE_CHANGED,
    FOLLOW_UP_DUE,
    WEEKLY_DIGEST,
    FUNDING_SELECTION,
    ACTIVITY_STATUS_CHANGED,
    SUBMISSION_REMINDER,
)

# subjects are fixed per kind and never contain user-supplied text, so
# nothing a delegate or staff member types can reach a mail header
SUBJECTS = {
    PROGRAM_RECEIVED: N_("Your program profile was received"),
    PROGRAM_REVIEWED: N_("Your program profile was reviewed"),
    INTEREST_RECEIVED: N_("Your programmatic interest form was received"),
    EXPRESSION_RECEIVED: N_("Your expression of interest was received"),
    AGENDA: N_("Your agenda for the negotiation rounds"),
    SCHEDULE_CHANGED: N_("Your agenda for the negotiation rounds has changed"),
    FOLLOW_UP_DUE: N_("A cooperation activity needs a follow-up"),
    WEEKLY_DIGEST: N_("Weekly follow-up digest"),
    FUNDING_SELECTION: N_("Funding selection confirmed"),
    ACTIVITY_STATUS_CHANGED: N_("The status of a cooperation activity has changed"),
    SUBMISSION_REMINDER: N_("Reminder: your delegation still has forms to submit"),
}

# optional categories a person may opt out of; everything else (receipts,
# agendas, change notices, reminders to the owner) is part of the process
COUNTERPART_REMINDERS = "counterpart_reminders"
DIGESTS = "digests"
FUNDING_NOTICES = "funding_notices"
# its own category, not counterpart_reminders: a focal point tired of being
# chased about follow-up dates may still want to hear that an activity was
# selected or declined (and the other way round)
ACTIVITY_UPDATES = "activity_updates"
OPTIONAL_CATEGORIES = (COUNTERPART_REMINDERS, DIGESTS, FUNDING_NOTICES, ACTIVITY_UPDATES)

# staff roles told about a confirmed funding selection
FUNDING_ROLES = ("secretariat", "coordinator", "funder_liaison")

LABELS = {
    # program review decisions
    "accepted": N_("accepted"),
    "returned": N_("returned for changes"),
    # follow-up levels
    "due_soon": N_("due soon"),
    "overdue": N_("overdue"),
    "escalation": N_("escalated"),
    # schedule changes
    "added": N_("added"),
    "removed": N_("cancelled"),
    "moved": N_("moved"),
    "attendees_changed": N_("attendees changed"),
    # roles in a round
    "host": N_("you present"),
    "attendee": N_("you attend"),
    # a colleague's role in one of the delegation's rounds
    "colleague_host": N_("presents"),
    "colleague_attendee": N_("attends"),
    "colleague_unknown": N_("a colleague"),
    "colleague_unplaced": N_("no delegate placed yet"),
    # an unmet interest in a program notify knows no title of
    "unknown_program": N_("a program"),
    # why someone gets a follow-up reminder
    "owner": N_("you own this activity"),
    "escalation_staff": N_("it was escalated to you"),
    "counterpart": N_("your delegation is a counterpart"),
    # states of a cooperation activity (followup's lifecycle)
    "proposed": N_("proposed"),
    "under_review": N_("under review"),
    "selected": N_("selected"),
    "declined": N_("declined"),
    "planned": N_("planned"),
    "in_progress": N_("in progress"),
    "completed": N_("completed"),
    "evaluated": N_("evaluated"),
    "withdrawn": N_("withdrawn"),
    # funding sources of a selected activity
    "network_fund": N_("network fund"),
    "subregional_mechanism": N_("subregional mechanism"),
    "bilateral_cooperation": N_("bilateral cooperation"),
    "own_resources": N_("own resources"),
    # who supplies an expression of interest that names nobody
    "several_not_yet_named": N_("several, not yet named"),
    "not_yet_defined": N_("not yet defined"),
}

# intake's topic vocabulary, in words (receipts and topic-derived titles)
TOPICS = {
    "conditional_cash_transfers": N_("conditional cash transfers"),
    "social_assistance": N_("social assistance"),
    "eradicating_extreme_poverty": N_("eradicating extreme poverty"),
    "evaluation_and_monitoring": N_("evaluation and monitoring of social policy"),
    "food_security": N_("food security"),
    "productive_inclusion": N_("productive inclusion"),
    "income_generation": N_("income generation"),
    "financial_inclusion": N_("financial inclusion"),
    "early_childhood_development": N_("early childhood development"),
    "children_and_youth_services": N_("comprehensive services for children and youth"),
    "youth_employability": N_("youth employability"),
    "pensions_and_elderly_care": N_("solidarity pensions and elderly care"),
    "care_economy": N_("care economy"),
    "housing_and_habitability": N_("public housing and habitability"),
    "multidimensional_poverty_measurement": N_("multidimensional poverty measurement"),
    "targeting_and_beneficiary_registries": N_(
        "targeting systems and single beneficiary registries"
    ),
    "social_information_systems": N_("social information systems"),
    "interinstitutional_coordination": N_("interinstitutional coordination"),
    "rights_based_approach": N_("rights-based approach"),
    "differential_approach": N_("differential approach"),
    "social_inclusion": N_("social inclusion"),
    "prevention_of_child_recruitment": N_("prevention of child recruitment by armed groups"),
    "family_support": N_("family support"),
    "graduation_programs": N_("graduation programs"),
    "other": N_("other topic"),
}
# followup calls an activity with no title nor program by its topic code,
# capitalised ("Food security"): those titles are translated like the topics
TOPIC_TITLES = {code.replace("_", " ").capitalize(): code for code in TOPICS if code != "other"}

_EMAIL_NAMESPACE = uuid.UUID("6f1d3a0e-8a53-4c1e-9b8e-2f4f5d7c9a10")


def dedup_key(event_id: str, recipient_id: str, kind: str) -> str:
    return f"{event_id}:{recipient_id}:{kind}"


def email_id(key: str) -> str:
    """Stable id (and so a stable Message-ID) for one (event, recipient, kind)."""
    return str(uuid.uuid5(_EMAIL_NAMESPACE, key))


def delegation_label(short_name: str, place: str | None) -> str:
    """A delegation as people read it: acronyms repeat across countries (MDS is
    Brazil's and Chile's ministry), so the country (or region) goes with it."""
    return f"{short_name} ({place})" if place else short_name


def plausible_id(value: str) -> bool:
    """An id notify could hold (ids from a path, before they reach a query:
    PostgreSQL refuses a NUL in any statement)."""
    return 0 < len(value) <= 64 and value.isprintable()


def masked_address(address: str) -> str:
    """What the delivery log shows of an address to a caller not allowed to
    see it: the first letter and the domain (a***@example.org)."""
    local, at, host = (address or "").rpartition("@")
    if not at:
        return "***"
    return f"{local[:1]}***@{host}"


def choose_language(own: str | None, workshop_languages=()) -> str:
    """The recipient's language; else the workshop's default; else English."""
    for candidate in (own, *(workshop_languages or ())[:1]):
        if candidate in LANGUAGES:
            return candidate
    return LAST_RESORT_LANGUAGE


def acknowledgement_recipients(recipients: list) -> list:
    """A receipt goes to the delegation's focal point (all delegates if none)."""
    focal = [r for r in recipients if r.is_focal_point]
    return focal or list(recipients)


def ical_uid(round_id: str, domain: str) -> str:
    """One UID per round for the whole life of the workshop: calendar tools
    update the entry in place when a later revision moves it."""
    return f"round-{round_id}@{domain}"


# -- schedules ------------------------------------------------------------------


@dataclass(frozen=True)
class Seat:
    """A round as one delegation sees it."""

    round_id: str
    session: int
    table: int
    starts_at: str
    ends_at: str
    program_id: str
    program_title: str
    host_delegation_id: str
    attendee_delegation_ids: tuple
    role: str  # host | attendee


def seats_of(delegation_id: str, rounds: list[dict]) -> dict[str, Seat]:
    """The rounds a delegation hosts or attends, by round id."""
    out = {}
    for r in rounds:
        attendees = tuple(r.get("attendee_delegation_ids") or ())
        if r["host_delegation_id"] == delegation_id:
            role = "host"
        elif delegation_id in attendees:
            role = "attendee"
        else:
            continue
        out[r["round_id"]] = Seat(
            round_id=r["round_id"],
            session=r["session"],
            table=r["table"],
            starts_at=r["starts_at"],
            ends_at=r["ends_at"],
            program_id=r["program_id"],
            program_title=r.get("program_title") or r["program_id"],
            host_delegation_id=r["host_delegation_id"],
            attendee_delegation_ids=attendees,
            role=role,
        )
    return out


@dataclass(frozen=True)
class NetChange:
    change: str  # added | removed | moved | attendees_changed
    before: Seat | None
    after: Seat | None

    @property
    def round_id(self) -> str:
        return (self.after or self.before).round_id


def net_changes(before: dict[str, Seat], after: dict[str, Seat]) -> list[NetChange]:
    """What a delegation must know between the plan it was last told about and
    the latest one: several revisions in a burst collapse into one answer,
    and a round moved away and back again is no change at all."""
    out = []
    for round_id in sorted(
        before.keys() | after.keys(),
        key=lambda rid: (
            (after.get(rid) or before.get(rid)).session,
            (after.get(rid) or before.get(rid)).table,
            rid,
        ),
    ):
        old, new = before.get(round_id), after.get(round_id)
        if old is None:
            out.append(NetChange("added", None, new))
        elif new is None:
            out.append(NetChange("removed", old, None))
        elif (old.session, old.table, old.starts_at) != (new.session, new.table, new.starts_at):
            out.append(NetChange("moved", old, new))
        elif (old.host_delegation_id, set(old.attendee_delegation_ids)) != (
            new.host_delegation_id,
            set(new.attendee_delegation_ids),
        ):
            out.append(NetChange("attendees_changed", old, new))
    return out


# where a round sits, in a change notice ("was session 1, table 2")
WHERE = N_("session %(session)s, table %(table)s")


# -- people (schedule_published v2) ---------------------------------------------


def places_people(rounds: list[dict]) -> bool:
    """Whether a revision names the delegate at each seat (v2); a v1 revision
    only says which delegations sit where."""
    return any("attendees" in r for r in rounds)


def seat_holder(round_: dict, delegation_id: str) -> str | None:
    """The delegate who sits for `delegation_id` at a round: the presenter when
    it hosts, its attending delegate otherwise; None when nobody was placed."""
    if round_["host_delegation_id"] == delegation_id:
        return round_.get("presenter_delegate_id")
    for attendee in round_.get("attendees") or ():
        if attendee["delegation_id"] == delegation_id:
            return attendee.get("delegate_id")
    return None


def personal_agenda(
    delegate_id: str, delegation_id: str, rounds: list[dict]
) -> tuple[dict[str, Seat], list[tuple[Seat, str | None]]]:
    """A delegate's own rounds (presenting or attending) by round id, and the
    delegation's other rounds with the colleague who sits there (None when
    nobody was placed). A revision without people (v1) gives every round of
    the delegation as the delegate's own and no colleagues, as before."""
    seats = seats_of(delegation_id, rounds)
    if not places_people(rounds):
        return seats, []
    by_id = {r["round_id"]: r for r in rounds}
    holders = {rid: seat_holder(by_id[rid], delegation_id) for rid in seats}
    own = {rid: seat for rid, seat in seats.items() if holders[rid] == delegate_id}
    colleagues = [
        (seat, holders[rid])
        for rid, seat in sorted(seats.items(), key=lambda kv: (kv[1].session, kv[1].table, kv[0]))
        if rid not in own
    ]
    return own, colleagues


def seat_holders(delegation_id: str, rounds: list[dict]) -> dict[str, str | None]:
    """Who sits for a delegation at each of its rounds: what a re-plan can
    change for its people while its rounds stay put."""
    return {
        r["round_id"]: seat_holder(r, delegation_id)
        for r in rounds
        if r["host_delegation_id"] == delegation_id
        or delegation_id in (r.get("attendee_delegation_ids") or ())
    }


# why an interest was not met (schedule_published's `unmet[].reason_code`), in
# words a delegate understands; a code not listed is shown with matching's
# English `reason`
UNMET_REASONS = {
    "table_full": N_("the table was full"),
    "delegates_busy": N_("all your delegates are busy in the session where this program runs"),
    "program_withdrawn": N_("the program was withdrawn"),
    "program_returned": N_(
        "the program was returned to its host for changes and is not scheduled yet"
    ),
    "host_unavailable": N_("the presenting delegation is not available"),
    "no_table_left": N_("it could not be scheduled: no table was left"),
    "host_busy": N_(
        "it could not be scheduled: the host's delegates are busy in every "
        "session with a free table"
    ),
    "delegates_busy_everywhere": N_(
        "it could not be scheduled: all your delegates are busy in every session where it could run"
    ),
    "never_available_with_host": N_("you are not available in any session when the host is"),
    "not_available": N_("you are not available in the session where this program runs"),
    "time_limit": N_("it was not placed before the planner's time limit ran out"),
}


def unmet_of(delegation_id: str, unmet: list[dict] | None) -> list[dict]:
    """The delegation's interests a revision leaves unmet, in its order."""
    return [u for u in unmet or () if u["delegation_id"] == delegation_id]
