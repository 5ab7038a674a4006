"""The Santa Marta workshop (2012) played through the four services over their
public APIs, as the network's portal and the secretariat's tools would.

Each step is a plain function taking a `Client` so the README demo and the
end-to-end test tell the same story: a workshop, 14 delegations with their
delegates (the people of `examples/santa-marta-2012.people.json`: who speaks
what, who is present when, who presents which program), 16 program profiles
and 11 interest forms go into intake; matching schedules the rounds, placing
each person, and publishes them; notify mails every delegate an agenda of
their own; a withdrawal re-plans the rounds and notifies only those whose
own rounds changed; expressions of interest become cooperation activities in
followup, one of them goes overdue and its owner is reminded.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import requests

from .stack import ROOT

EXAMPLE = ROOT / "examples" / "santa-marta-2012.json"
FORMS = ROOT / "examples" / "santa-marta-2012.forms.json"
# the same workshop with its people named: languages, presence, presenters
PEOPLE = ROOT / "examples" / "santa-marta-2012.people.json"


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.25)
    raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")


@dataclass
class Client:
    """HTTP calls to one stack, each service with its own API key."""

    stack: object
    keys: dict[str, str]
    correlation_id: str = field(default_factory=lambda: uuid.uuid4().hex)

    def call(self, service: str, method: str, path: str, body=None, expect=(200, 201)):
        headers = {"X-API-Key": self.keys[service], "X-Correlation-ID": self.correlation_id}
        if method != "GET":
            # the same request of the same story gets the same key, so a retry
            # after a lost answer cannot submit twice (docs/intake.md)
            headers["Idempotency-Key"] = str(
                uuid.uuid5(
                    uuid.NAMESPACE_URL,
                    "|".join(
                        (
                            self.correlation_id,
                            service,
                            method,
                            path,
                            json.dumps(body, sort_keys=True, default=str),
                        )
                    ),
                )
            )
        response = requests.request(
            method, f"{self.stack.url(service)}{path}", json=body, timeout=120, headers=headers
        )
        if response.status_code not in expect:
            raise RuntimeError(
                f"{method} {service}{path} -> {response.status_code}: {response.text[:500]}"
            )
        return response.json() if response.content else None


@dataclass
class Workshop:
    """What the story created, by the example's ids."""

    id: str = ""
    staff: dict[str, dict] = field(default_factory=dict)
    delegations: dict[str, dict] = field(default_factory=dict)  # "BR" -> intake's view
    programs: dict[str, dict] = field(default_factory=dict)  # "BR-PAA" -> intake's view
    interests: dict[str, dict] = field(default_factory=dict)
    schedule: dict = field(default_factory=dict)
    # "PE" -> {"PE-ana": intake's delegate, ...}: the people file's ids
    people: dict[str, dict[str, dict]] = field(default_factory=dict)
    addresses: dict[str, str] = field(default_factory=dict)  # delegate id -> email


def scenario() -> dict:
    return json.loads(EXAMPLE.read_text(encoding="utf-8"))


def people() -> dict:
    """The solver scenario with named delegates (`rueda-match solve` reads it
    too), so the demo's rounds can be checked against the solver's own."""
    return json.loads(PEOPLE.read_text(encoding="utf-8"))


def email_of(delegation_key: str, person: dict) -> str:
    return f"{person['name'].lower()}.{delegation_key.lower()}@example.org"


def delegate_ids(workshop: Workshop, delegation_key: str, person_ids) -> list[str]:
    """intake's ids of the people file's delegates (`PE-ana`...)."""
    by_person = workshop.people[delegation_key]
    return [by_person[person_id]["id"] for person_id in person_ids]


def workshop_form(today: date | None = None) -> dict:
    """Santa Marta's grid (4 sessions x 4 tables, 45-minute rounds) a month
    from now, so that every form deadline is still open."""
    example = scenario()["workshop"]
    day = (today or date.today()) + timedelta(days=30)
    deadline = datetime.combine(day - timedelta(days=2), datetime.min.time(), UTC)
    return {
        "title": example["title"],
        "place": "Santa Marta, Colombia",
        "time_zone": "America/Bogota",
        "starts_on": day.isoformat(),
        "ends_on": (day + timedelta(days=1)).isoformat(),
        "languages": ["es", "en", "pt"],
        "sessions": [
            {"starts_at": f"{day.isoformat()}T{start}:00-05:00"}
            for start in ("09:00", "10:00", "11:30", "14:30")
        ],
        "tables_per_session": example["tables_per_session"],
        "table_capacity": example["table_capacity"],
        "round_minutes": 45,
        "max_runs_per_program": example.get("max_runs_per_program", 1),
        "deadlines": {
            "programs": deadline.isoformat(),
            "interests": deadline.isoformat(),
            "expressions_of_interest": (deadline + timedelta(days=60)).isoformat(),
        },
    }


def create_workshop(client: Client, workshop: Workshop) -> None:
    workshop.id = client.call("intake", "POST", "/workshops", workshop_form())["id"]
    for name, language, roles in (
        ("Ana Secretaría", "es", ["secretariat"]),
        ("Rose Coordinator", "en", ["coordinator", "funder_liaison"]),
    ):
        body = {
            "name": name,
            "email": f"{name.split()[0].lower()}@secretariat.example.org",
            "language": language,
            "roles": roles,
        }
        workshop.staff[name.split()[0].lower()] = client.call("intake", "POST", "/staff", body)


def register_delegations(client: Client, workshop: Workshop) -> None:
    """Each delegation with its delegates: the languages they speak (the one
    to write to them in first) and the sessions they are present at, e.g.
    Peru's Luis leaves after session 3."""
    forms = json.loads(FORMS.read_text(encoding="utf-8"))["delegations"]
    for delegation in people()["delegations"]:
        form = forms[delegation["id"]]
        delegates = []
        for n, person in enumerate(delegation["delegates"]):
            languages = person.get("languages") or [form["language"]]
            delegates.append(
                {
                    "name": person["name"],
                    "email": email_of(delegation["id"], person),
                    "role": "International cooperation manager" if n == 0 else None,
                    "language": form["language"] if form["language"] in languages else languages[0],
                    "languages": languages,
                    "sessions": person.get("available_sessions"),
                }
            )
        # a subregional mechanism (MERCOSUR's Social Institute) has a region, not a country
        place = (
            {"region": form.get("region", "South America")}
            if form["kind"] in ("subregional_mechanism", "international_organisation")
            else {"country": delegation["name"]}
        )
        body = {
            "workshop_id": workshop.id,
            **place,
            "institution": form["institution"],
            "acronym": form["acronym"],
            "kind": form["kind"],
            "working_languages": [form["language"]],
            "delegates": delegates,
        }
        registered = client.call("intake", "POST", "/delegations", body)
        workshop.delegations[delegation["id"]] = registered
        # intake answers without addresses; names are unique in a delegation
        by_name = {d["name"]: d for d in registered["delegates"]}
        workshop.people[delegation["id"]] = {
            person["id"]: by_name[person["name"]] for person in delegation["delegates"]
        }
        workshop.addresses.update(
            {
                by_name[person["name"]]["id"]: email_of(delegation["id"], person)
                for person in delegation["delegates"]
            }
        )


def submit_programs(client: Client, workshop: Workshop) -> None:
    """Every program profile; those the people file gives presenters name
    them (Peru's Qali Warma is Ana's), the others leave it to the host."""
    topics = json.loads(FORMS.read_text(encoding="utf-8"))["program_topics"]
    for program in people()["programs"]:
        body = {
            "delegation_id": workshop.delegations[program["host"]]["id"],
            "title": program["title"],
            "topics": topics[program["id"]],
            "presenting_delegate_ids": delegate_ids(
                workshop, program["host"], program.get("presenters", [])
            ),
            "areas_of_influence": ["national"],
            "statuses": ["implementation"],
            "exchange_methods": ["study_tour", "expert_visits"],
        }
        workshop.programs[program["id"]] = client.call("intake", "POST", "/programs", body)


def submit_interests(client: Client, workshop: Workshop) -> None:
    """Every interest form, naming the delegates who attend (the people
    file's `attendees` where it gives them, else every delegate)."""
    for interest in people()["interests"]:
        key = interest["delegation"]
        attending = (
            delegate_ids(workshop, key, interest["attendees"])
            if interest.get("attendees")
            else [d["id"] for d in workshop.delegations[key]["delegates"]]
        )
        body = {
            "delegation_id": workshop.delegations[key]["id"],
            "programs": [workshop.programs[p]["id"] for p in interest["programs"]],
            "topics": [],
            "attending_delegate_ids": attending,
        }
        workshop.interests[key] = client.call("intake", "POST", "/interests", body)


def schedule_rounds(client: Client, workshop: Workshop, matching_has_everything) -> dict:
    """Wait until matching has read every form, then ask it for the rounds and
    publish them (schedule_published, revision 1)."""
    wait_for(matching_has_everything, 60, "matching to read every form")
    client.call(
        "matching", "POST", f"/workshops/{workshop.id}/schedule?wait=true", {"time_limit": 20}
    )
    client.call("matching", "POST", f"/workshops/{workshop.id}/schedule/publish")
    workshop.schedule = client.call(
        "matching", "GET", f"/workshops/{workshop.id}/schedule?state=published"
    )
    return workshop.schedule


def published_schedule(client: Client, workshop: Workshop, revision: int) -> dict:
    """The published schedule once it has reached `revision` (a re-plan is
    published by matching's planner, a little after the change)."""

    def latest():
        found = client.call("matching", "GET", f"/workshops/{workshop.id}/schedule?state=published")
        return found if found["revision"] >= revision else None

    return wait_for(latest, 90, f"revision {revision} of the schedule")


def own_rounds(schedule: dict, delegate_id: str) -> list[dict]:
    """The rounds a person presents or attends, by session: what their own
    agenda and calendar hold."""
    return sorted(
        (
            r
            for r in schedule["rounds"]
            if r.get("presenter_delegate_id") == delegate_id
            or any(a.get("delegate_id") == delegate_id for a in r.get("attendees") or ())
        ),
        key=lambda r: (r["session"], r["table"]),
    )


def people_whose_rounds_changed(before: dict, after: dict, workshop: Workshop) -> set[str]:
    """The delegates a re-plan from `before` to `after` concerns: a round of
    their own added, dropped, moved or with other delegations at the table
    (a colleague's round moving is not theirs)."""

    def seen(schedule, delegate_id):
        return {
            r["round_id"]: (
                r["session"],
                r["table"],
                r["starts_at"],
                r["host_delegation_id"],
                frozenset(r["attendee_delegation_ids"]),
            )
            for r in own_rounds(schedule, delegate_id)
        }

    return {
        delegate_id
        for delegate_id in workshop.addresses
        if seen(before, delegate_id) != seen(after, delegate_id)
    }


def agenda_links(message) -> tuple[str, str]:
    """The person's agenda page and live calendar, from their agenda email."""
    (text,) = [
        part.get_content() for part in message.walk() if part.get_content_type() == "text/plain"
    ]
    page = re.search(r"https?://\S+/agendas/[A-Za-z0-9_-]+", text).group(0)
    return page, f"{page}/calendar.ics"


def withdraw_program(client: Client, workshop: Workshop, program: str) -> None:
    client.call("intake", "POST", f"/programs/{workshop.programs[program]['id']}/withdraw", {})


def sign_expressions(client: Client, workshop: Workshop) -> list[dict]:
    """Three expressions of interest signed at the rounds: two with a known
    supplier, one on a topic with the supplying side not yet defined."""
    signed = []
    for demanding, program, suppliers, topic in (
        ("CO", "BR-PAA", ["BR"], None),
        ("CR", "PA-RED", ["PA"], None),
        ("PY", None, [], "food_security"),
    ):
        delegation = workshop.delegations[demanding]
        body = {
            "demanding_delegation_id": delegation["id"],
            "supplying_delegation_ids": [workshop.delegations[s]["id"] for s in suppliers],
            "program_id": workshop.programs[program]["id"] if program else None,
            "topic": topic,
            "activity_types": ["expert_visit", "study_tour"],
            "mechanism": "bilateral_agreement",
            "focus": "specific_components",
            "description": "Technical exchange agreed at the negotiation round.",
            "contact_delegate_ids": [delegation["delegates"][0]["id"]],
        }
        signed.append(client.call("intake", "POST", "/expressions-of-interest", body))
    return signed


def activities(client: Client, workshop: Workshop) -> list[dict]:
    listing = client.call("followup", "GET", f"/activities?workshop_id={workshop.id}")
    return listing["activities"]


def make_overdue(client: Client, activity: dict) -> None:
    """The secretariat had promised a follow-up call yesterday."""
    yesterday = (date.today() - timedelta(days=2)).isoformat()
    client.call(
        "followup",
        "POST",
        f"/activities/{activity['id']}/follow-up",
        {"follow_up_on": yesterday, "reason": "call the counterparts about the visit"},
    )
