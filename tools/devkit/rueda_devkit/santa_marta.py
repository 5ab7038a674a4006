"""The Santa Marta workshop (2012) played through the four services over their
public APIs, as the network's portal and the secretariat's tools would.

Each step is a plain function taking a `Client` so the README demo and the
end-to-end test tell the same story: a workshop, 14 delegations, 16 program
profiles and 11 interest forms go into intake; matching schedules the rounds
and publishes them; notify mails every delegation its agenda; a withdrawal
re-plans the rounds and notifies only those affected; expressions of interest
become cooperation activities in followup, one of them goes overdue and its
owner is reminded.
"""
from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

import requests

from .stack import ROOT

EXAMPLE = ROOT / "examples" / "santa-marta-2012.json"
FORMS = ROOT / "examples" / "santa-marta-2012.forms.json"


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
            headers["Idempotency-Key"] = str(uuid.uuid5(uuid.NAMESPACE_URL, "|".join((
                self.correlation_id, service, method, path,
                json.dumps(body, sort_keys=True, default=str)))))
        response = requests.request(method, f"{self.stack.url(service)}{path}", json=body,
                                    timeout=120, headers=headers)
        if response.status_code not in expect:
            raise RuntimeError(f"{method} {service}{path} -> {response.status_code}: "
                               f"{response.text[:500]}")
        return response.json() if response.content else None


@dataclass
class Workshop:
    """What the story created, by the example's ids."""
    id: str = ""
    staff: dict[str, dict] = field(default_factory=dict)
    delegations: dict[str, dict] = field(default_factory=dict)   # "BR" -> intake's view
    programs: dict[str, dict] = field(default_factory=dict)      # "BR-PAA" -> intake's view
    interests: dict[str, dict] = field(default_factory=dict)
    schedule: dict = field(default_factory=dict)


def scenario() -> dict:
    return json.loads(EXAMPLE.read_text(encoding="utf-8"))


def workshop_form(today: date | None = None) -> dict:
    """Santa Marta's grid (4 sessions x 4 tables, 45-minute rounds) a month
    from now, so that every form deadline is still open."""
    example = scenario()["workshop"]
    day = (today or date.today()) + timedelta(days=30)
    deadline = datetime.combine(day - timedelta(days=2), datetime.min.time(), timezone.utc)
    return {
        "title": example["title"], "place": "Santa Marta, Colombia",
        "time_zone": "America/Bogota", "starts_on": day.isoformat(),
        "ends_on": (day + timedelta(days=1)).isoformat(), "languages": ["es", "en", "pt"],
        "sessions": [{"starts_at": f"{day.isoformat()}T{start}:00-05:00"}
                     for start in ("09:00", "10:00", "11:30", "14:30")],
        "tables_per_session": example["tables_per_session"],
        "table_capacity": example["table_capacity"], "round_minutes": 45,
        "max_runs_per_program": example.get("max_runs_per_program", 1),
        "deadlines": {"programs": deadline.isoformat(), "interests": deadline.isoformat(),
                      "expressions_of_interest": (deadline + timedelta(days=60)).isoformat()},
    }


def create_workshop(client: Client, workshop: Workshop) -> None:
    workshop.id = client.call("intake", "POST", "/workshops", workshop_form())["id"]
    for name, language, roles in (("Ana Secretaría", "es", ["secretariat"]),
                                  ("Rose Coordinator", "en", ["coordinator", "funder_liaison"])):
        body = {"name": name, "email": f"{name.split()[0].lower()}@secretariat.example.org",
                "language": language, "roles": roles}
        workshop.staff[name.split()[0].lower()] = client.call("intake", "POST", "/staff", body)


def register_delegations(client: Client, workshop: Workshop) -> None:
    forms = json.loads(FORMS.read_text(encoding="utf-8"))["delegations"]
    for delegation in scenario()["delegations"]:
        form = forms[delegation["id"]]
        code = delegation["id"].lower()
        delegates = [{"name": f"Delegate {n + 1} of {delegation['name']}",
                      "email": f"delegate{n + 1}.{code}@example.org",
                      "role": "International cooperation manager" if n == 0 else None,
                      "language": form["language"]}
                     for n in range(delegation["delegates"])]
        # a subregional mechanism (MERCOSUR's Social Institute) has a region, not a country
        place = ({"region": form.get("region", "South America")}
                 if form["kind"] in ("subregional_mechanism", "international_organisation")
                 else {"country": delegation["name"]})
        body = {"workshop_id": workshop.id, **place,
                "institution": form["institution"], "acronym": form["acronym"],
                "kind": form["kind"], "working_languages": [form["language"]],
                "delegates": delegates}
        workshop.delegations[delegation["id"]] = client.call("intake", "POST", "/delegations", body)


def submit_programs(client: Client, workshop: Workshop) -> None:
    topics = json.loads(FORMS.read_text(encoding="utf-8"))["program_topics"]
    for program in scenario()["programs"]:
        body = {"delegation_id": workshop.delegations[program["host"]]["id"],
                "title": program["title"], "topics": topics[program["id"]],
                "areas_of_influence": ["national"], "statuses": ["implementation"],
                "exchange_methods": ["study_tour", "expert_visits"]}
        workshop.programs[program["id"]] = client.call("intake", "POST", "/programs", body)


def submit_interests(client: Client, workshop: Workshop) -> None:
    for interest in scenario()["interests"]:
        delegation = workshop.delegations[interest["delegation"]]
        body = {"delegation_id": delegation["id"],
                "programs": [workshop.programs[p]["id"] for p in interest["programs"]],
                "topics": [], "attending_delegate_ids": [d["id"] for d in delegation["delegates"]]}
        workshop.interests[interest["delegation"]] = client.call("intake", "POST", "/interests", body)


def schedule_rounds(client: Client, workshop: Workshop, matching_has_everything) -> dict:
    """Wait until matching has read every form, then ask it for the rounds and
    publish them (schedule_published, revision 1)."""
    wait_for(matching_has_everything, 60, "matching to read every form")
    client.call("matching", "POST", f"/workshops/{workshop.id}/schedule?wait=true", {"time_limit": 20})
    client.call("matching", "POST", f"/workshops/{workshop.id}/schedule/publish")
    workshop.schedule = client.call("matching", "GET",
                                    f"/workshops/{workshop.id}/schedule?state=published")
    return workshop.schedule


def withdraw_program(client: Client, workshop: Workshop, program: str) -> None:
    client.call("intake", "POST", f"/programs/{workshop.programs[program]['id']}/withdraw", {})


def sign_expressions(client: Client, workshop: Workshop) -> list[dict]:
    """Three expressions of interest signed at the rounds: two with a known
    supplier, one on a topic with the supplying side not yet defined."""
    signed = []
    for demanding, program, suppliers, topic in (
            ("CO", "BR-PAA", ["BR"], None),
            ("CR", "PA-RED", ["PA"], None),
            ("PY", None, [], "food_security")):
        delegation = workshop.delegations[demanding]
        body = {"demanding_delegation_id": delegation["id"],
                "supplying_delegation_ids": [workshop.delegations[s]["id"] for s in suppliers],
                "program_id": workshop.programs[program]["id"] if program else None,
                "topic": topic, "activity_types": ["expert_visit", "study_tour"],
                "mechanism": "bilateral_agreement", "focus": "specific_components",
                "description": "Technical exchange agreed at the negotiation round.",
                "contact_delegate_ids": [delegation["delegates"][0]["id"]]}
        signed.append(client.call("intake", "POST", "/expressions-of-interest", body))
    return signed


def activities(client: Client, workshop: Workshop) -> list[dict]:
    listing = client.call("followup", "GET", f"/activities?workshop_id={workshop.id}")
    return listing["activities"]


def make_overdue(client: Client, activity: dict) -> None:
    """The secretariat had promised a follow-up call yesterday."""
    yesterday = (date.today() - timedelta(days=2)).isoformat()
    client.call("followup", "POST", f"/activities/{activity['id']}/follow-up",
                {"follow_up_on": yesterday, "reason": "call the counterparts about the visit"})
