"""matching in a real container: intake's events in, staff's HTTP calls, the
schedule_published events out, on the real broker and on both databases."""

import json
import uuid
from datetime import UTC, datetime, timedelta

import eventlet
import pytest
import requests
import sqlalchemy as sa
from kombu import Connection, Exchange, Queue

from matching import api
from matching.models import Interest, Schedule, SolveJob, Workshop
from matching.service import MatchingService
from rueda_backbone import openapi as oas
from rueda_backbone.apikeys import create_api_key
from rueda_backbone.database import Store
from rueda_backbone.testing import free_port, publish_event, wait_for

pytestmark = pytest.mark.broker

WORKSHOP = str(uuid.uuid4())
T0 = datetime(2030, 5, 4, 9, 0, tzinfo=UTC)
A, B, C = (str(uuid.uuid4()) for _ in range(3))
PA, PB, PC = (str(uuid.uuid4()) for _ in range(3))
DOCUMENT = api.openapi()


def workshop(deadline):
    return {
        "workshop_id": WORKSHOP,
        "version": 1,
        "title": "Santa Marta",
        "place": "Santa Marta",
        "time_zone": "America/Bogota",
        "starts_on": "2030-05-04",
        "ends_on": "2030-05-04",
        "languages": ["es"],
        "sessions": [
            {"number": n, "starts_at": (T0 + timedelta(hours=n)).isoformat()} for n in (1, 2)
        ],
        "tables_per_session": 2,
        "table_capacity": 3,
        "round_minutes": 45,
        "max_runs_per_program": 1,
        "rank_weights": [2, 1],
        "deadlines": {
            "programs": deadline,
            "interests": deadline,
            "expressions_of_interest": deadline,
        },
        "late_windows": [],
    }


def delegation(delegation_id, name, seats):
    return {
        "delegation_id": delegation_id,
        "workshop_id": WORKSHOP,
        "version": 1,
        "country": name,
        "institution": f"Ministry of {name}",
        "acronym": None,
        "kind": "ministry",
        "working_languages": ["es"],
        "registered_at": T0.isoformat(),
        "delegates": [
            {
                "delegate_id": str(uuid.uuid4()),
                "name": "n",
                "role": None,
                "language": "es",
                "is_focal_point": i == 0,
            }
            for i in range(seats)
        ],
    }


def program(program_id, host, title):
    return {
        "program_id": program_id,
        "workshop_id": WORKSHOP,
        "delegation_id": host,
        "version": 1,
        "title": title,
        "country": "x",
        "topics": ["food_security"],
        "areas_of_influence": [],
        "target_populations": [],
        "statuses": [],
        "exchange_methods": [],
        "starts_on": None,
        "ends_on": None,
        "missing_fields": [],
        "submitted_at": T0.isoformat(),
    }


def interest(delegation_id, programs):
    return {
        "interest_id": str(uuid.uuid4()),
        "workshop_id": WORKSHOP,
        "delegation_id": delegation_id,
        "version": 1,
        "programs": programs,
        "topics": [],
        "attending_delegate_ids": [],
        "submitted_at": T0.isoformat(),
    }


@pytest.fixture
def extra_config(request):
    """Settings a test adds (parametrize it indirectly)."""
    return getattr(request, "param", {})


@pytest.fixture
def matching(container_factory, config, extra_config):
    config = {
        **config,
        "REPLAN_DEBOUNCE_SECONDS": 0,
        "PLANNER_POLL_SECONDS": 0.2,
        "SOLVER_TIME_LIMIT": 5,
        "SOLVE_JOB_POLL_SECONDS": 0.2,
        "SOLVE_JOB_PROGRESS_SECONDS": 0.2,
        **extra_config,
    }
    container_factory(MatchingService, config).start()
    key = create_api_key(Store.for_url(config["DATABASE_URL"]), "staff")
    base = f"http://{config['WEB_SERVER_ADDRESS']}"

    def call(method, path, body=None, key=key):
        headers = {"X-API-Key": key} if key else {}
        if body is not None:
            headers["Content-Type"] = "application/json"
        response = requests.request(
            method,
            base + path,
            headers=headers,
            timeout=30,
            data=None if body is None else json.dumps(body),
        )
        # every answer of every test is held to the published document
        assert oas.response_problems(DOCUMENT, method, path, response) == []
        return response

    call.config = config
    return call


@pytest.fixture
def published(config):
    """A queue bound to matching's schedule_published events."""
    with Connection(config["AMQP_URI"]) as connection:
        queue = Queue(
            "spy",
            Exchange("matching.events", "topic", durable=True),
            routing_key="schedule_published",
        )
        queue.bind(connection.channel()).declare()

        def received(count):
            out = []
            with connection.SimpleQueue(queue) as simple:
                while len(out) < count:
                    message = simple.get(timeout=20)
                    out.append(json.loads(message.body))
                    message.ack()
            return out

        yield received


def feed(config, deadline):
    """intake's events for a small workshop: every interest can be met."""
    uri = config["AMQP_URI"]
    for d, name, seats in ((A, "Bolivia", 1), (B, "Brazil", 2), (C, "Colombia", 2)):
        publish_event(uri, "intake", "delegation_registered", delegation(d, name, seats), version=2)
    for p, host, title in (
        (PA, A, "Juancito Pinto"),
        (PB, B, "Bolsa Familia"),
        (PC, C, "Red Unidos"),
    ):
        publish_event(uri, "intake", "program_submitted", program(p, host, title), version=2)
    for d, wanted in ((A, [PB]), (B, [PA, PC]), (C, [PA, PB])):
        publish_event(uri, "intake", "interest_submitted", interest(d, wanted))
    store = Store.for_url(config["DATABASE_URL"])

    def interests():
        with store.transaction() as session:
            return session.scalar(sa.select(sa.func.count()).select_from(Interest)) == 3

    # last, so a deadline already past plans the whole workshop, not part of it
    wait_for(interests, what="the interests")
    publish_event(uri, "intake", "workshop_published", workshop(deadline))

    def ready():
        with store.transaction() as session:
            return session.get(Workshop, WORKSHOP) is not None

    wait_for(ready, what="the workshop")


def finished(matching, job):
    """The job once it ended, polled as a client would."""

    def done():
        current = matching("GET", job["href"]).json()
        return current if current["state"] not in ("queued", "running") else None

    return wait_for(done, timeout=30, interval=0.1, what=f"job {job['job_id']}")


def test_staff_compute_and_publish_and_a_withdrawal_is_re_planned(matching, published):
    feed(matching.config, deadline="2099-01-01T00:00:00+00:00")
    response = matching("POST", f"/workshops/{WORKSHOP}/schedule", {"time_limit": 5})
    assert response.status_code == 202, response.text
    job = response.json()
    assert (job["state"], job["trigger"], job["schedule_id"]) == ("queued", "staff", None)
    job = finished(matching, job)
    assert (job["state"], job["objective"], job["bound"], job["gap"]) == ("succeeded", 8, 8, 0.0)
    assert job["started_at"] and job["finished_at"] and job["error"] is None
    computed = matching("GET", f"/workshops/{WORKSHOP}/schedule").json()
    assert computed["schedule_id"] == job["schedule_id"]
    assert (computed["state"], computed["status"], computed["gap"], computed["unmet"]) == (
        "provisional",
        "optimal",
        0.0,
        [],
    )
    assert computed["fairness"]["policy"] == {"price": 0.05}
    assert {s["delegation_id"] for s in computed["fairness"]["shares"]} == {A, B, C}
    assert len(computed["rounds"]) == 3
    response = matching("POST", f"/workshops/{WORKSHOP}/schedule/publish")
    assert response.status_code == 201, response.text
    (first,) = published(1)
    assert first["event_type"] == "schedule_published" and first["producer"] == "matching"
    assert first["payload"]["revision"] == 1 and first["payload"]["changes"] == []
    assert first["payload"]["schedule_id"] == computed["schedule_id"]
    rounds = {r["program_id"]: r for r in first["payload"]["rounds"]}

    publish_event(
        matching.config["AMQP_URI"],
        "intake",
        "program_withdrawn",
        {
            "program_id": PB,
            "workshop_id": WORKSHOP,
            "delegation_id": B,
            "version": 1,
            "withdrawn_at": T0.isoformat(),
        },
    )
    (second,) = published(1)
    payload = second["payload"]
    assert payload["revision"] == 2
    assert {r["program_id"] for r in payload["rounds"]} == {PA, PC}
    changed = {
        c["delegation_id"]: [(i["change"], i["program_id"]) for i in c["items"]]
        for c in payload["changes"]
    }
    assert changed[B] == [("removed", PB)]
    assert ("removed", PB) in changed[A] and ("removed", PB) in changed[C]
    assert {(u["delegation_id"], u["reason_code"]) for u in payload["unmet"]} == {
        (A, "program_withdrawn"),
        (C, "program_withdrawn"),
    }
    for r in payload["rounds"]:  # what stayed did not move and kept its id
        before = rounds[r["program_id"]]
        assert (r["round_id"], r["session"], r["table"]) == (
            before["round_id"],
            before["session"],
            before["table"],
        )
    view = matching("GET", f"/workshops/{WORKSHOP}/schedule").json()
    assert (view["state"], view["revision"], view["trigger"]) == ("published", 2, "replan")


def people(delegation_id, name, present):
    """delegation_registered v3: `present` is [(delegate_id, sessions or None, languages)]."""
    return {
        **delegation(delegation_id, name, 0),
        "region": None,
        "imported": False,
        "delegates": [
            {
                "delegate_id": q,
                "name": f"Delegate {n}",
                "role": None,
                "language": languages[0],
                "languages": languages,
                "sessions": sessions,
                "is_focal_point": n == 0,
            }
            for n, (q, sessions, languages) in enumerate(present)
        ],
    }


def test_a_published_schedule_v2_names_the_presenter_and_the_attending_delegates(
    matching, published
):
    """Brazil's two delegates are each there for one session; Brazil hosts PB
    (presented by its second delegate) and asks for PA and PC."""
    uri = matching.config["AMQP_URI"]
    a1, b1, b2, c1, c2 = (str(uuid.uuid4()) for _ in range(5))
    for d, name, present in (
        (A, "Bolivia", [(a1, None, ["es"])]),
        (B, "Brazil", [(b1, [1], ["pt", "es"]), (b2, [2], ["pt"])]),
        (C, "Colombia", [(c1, None, ["es"]), (c2, None, ["es"])]),
    ):
        publish_event(uri, "intake", "delegation_registered", people(d, name, present), version=3)
    for p, host, title, presenters in (
        (PA, A, "Juancito Pinto", []),
        (PB, B, "Bolsa Familia", [b2]),
        (PC, C, "Red Unidos", [c2]),
    ):
        publish_event(
            uri,
            "intake",
            "program_submitted",
            {
                **program(p, host, title),
                "region": None,
                "other_topic": None,
                "presenting_delegate_ids": presenters,
                "imported": False,
            },
            version=3,
        )
    for d, wanted, attendees in ((A, [PB], [a1]), (B, [PA, PC], []), (C, [PA, PB], [c1])):
        publish_event(
            uri,
            "intake",
            "interest_submitted",
            {
                **interest(d, wanted),
                "attending_delegate_ids": attendees,
                "other_topic": None,
                "imported": False,
            },
            version=2,
        )
    store = Store.for_url(matching.config["DATABASE_URL"])

    def interests():
        with store.transaction() as session:
            return session.scalar(sa.select(sa.func.count()).select_from(Interest)) == 3

    wait_for(interests, what="the interests")
    publish_event(uri, "intake", "workshop_published", workshop("2099-01-01T00:00:00+00:00"))
    wait_for(
        lambda: matching("GET", f"/workshops/{WORKSHOP}/pins").status_code == 200,
        what="the workshop",
    )
    view = matching("POST", f"/workshops/{WORKSHOP}/schedule?wait=true", {"time_limit": 5})
    assert view.status_code == 201, view.text
    assert matching("POST", f"/workshops/{WORKSHOP}/schedule/publish").status_code == 201
    (event,) = published(1)
    assert event["schema_version"] == 2
    payload = event["payload"]
    rounds = {r["program_id"]: r for r in payload["rounds"]}
    assert (rounds[PB]["session"], rounds[PB]["presenter_delegate_id"]) == (2, b2)
    assert rounds[PA]["presenter_delegate_id"] == a1
    if PC in rounds:
        assert rounds[PC]["presenter_delegate_id"] == c2
    seen = set()
    for r in payload["rounds"]:
        seated = {a["delegation_id"]: a["delegate_id"] for a in r["attendees"]}
        assert list(seated) == r["attendee_delegation_ids"]
        for d, q in seated.items():
            assert q in {A: {a1}, B: {b1, b2}, C: {c1}}[d]
        for q in (r["presenter_delegate_id"], *seated.values()):
            assert (r["session"], q) not in seen  # nobody in two places at once
            seen.add((r["session"], q))
    assert {(1, b2), (2, b1)}.isdisjoint(seen)  # each Brazilian only when present
    assert payload["fairness"]["policy"] == {"kind": "price", "price": 0.05}
    assert {s["delegation_id"] for s in payload["fairness"]["shares"]} == {A, B, C}
    assert {"session": 2, "languages": ["pt", "es"], "round_ids": [rounds[PB]["round_id"]]} in (
        payload["interpretation"]
    )
    # the staff view shows the same people
    assert (
        matching("GET", f"/workshops/{WORKSHOP}/schedule").json()["rounds"] == (payload["rounds"])
    )


def test_the_interest_deadline_computes_a_provisional_schedule_by_itself(matching):
    feed(matching.config, deadline="2020-01-01T00:00:00+00:00")

    def scheduled():
        response = matching("GET", f"/workshops/{WORKSHOP}/schedule")
        return response.json() if response.status_code == 200 else None

    view = wait_for(scheduled, timeout=20, what="the deadline's schedule")
    assert (view["trigger"], view["state"], view["objective"]) == ("deadline", "provisional", 8)
    explained = {e["delegation_id"]: e for e in view["explanations"]}
    assert [h["program_id"] for h in explained[A]["hosts"]] == [PA]


def test_pins_are_kept_and_bad_requests_get_field_level_errors(matching):
    feed(matching.config, deadline="2099-01-01T00:00:00+00:00")
    base = f"/workshops/{WORKSHOP}"
    assert matching("POST", f"{base}/schedule", key=None).status_code == 401
    assert matching("GET", f"/workshops/{uuid.uuid4()}/schedule").status_code == 404
    assert matching("GET", f"{base}/schedule").status_code == 404
    response = matching("POST", f"{base}/schedule", {"time_limit": "soon", "pinz": []})
    assert response.status_code == 422
    assert {f["path"] for f in response.json()["fields"]} == {"time_limit", "pinz"}
    response = matching(
        "POST", f"{base}/schedule", {"pins": [{"program_id": str(uuid.uuid4()), "session": 1}]}
    )
    assert response.status_code == 422
    assert response.json()["fields"][0]["path"] == "pins[0].program_id"
    response = matching("PUT", f"{base}/pins/{PC}", {"session": 9, "table": 1})
    assert response.status_code == 409
    assert response.json()["fields"][0]["path"] == "session"
    assert matching("PUT", f"{base}/pins/{PC}", {"session": 2, "table": 2}).status_code == 200
    assert matching("GET", f"{base}/pins").json()["pins"] == [
        {"program_id": PC, "session": 2, "table": 2}
    ]
    response = matching(
        "POST", f"{base}/schedule", {"pins": [{"program_id": PB, "session": 2, "table": 2}]}
    )
    assert response.status_code == 409 and response.json()["error"] == "pins_conflict"
    assert matching("POST", f"{base}/schedule?wait=soon").status_code == 400
    response = matching("POST", f"{base}/schedule?wait=true", {})
    assert response.status_code == 201, response.text
    view = response.json()
    (pinned,) = [r for r in view["rounds"] if r["program_id"] == PC]
    assert (pinned["session"], pinned["table"]) == (2, 2)
    assert matching("DELETE", f"{base}/pins/{PC}").status_code == 204
    assert matching("DELETE", f"{base}/pins/{PC}").status_code == 404


def test_the_served_openapi_document_is_the_committed_one_and_needs_no_key(matching):
    response = matching("GET", "/openapi.json", key=None)
    assert response.status_code == 200
    assert response.json() == json.loads(api.DOCUMENT.read_text(encoding="utf-8"))


FIXED_AT = "2030-05-01T12:00:00+00:00"


@pytest.mark.parametrize("extra_config", [{"CLOCK_FIXED_AT": FIXED_AT}], indirect=True)
def test_schedules_are_computed_and_published_at_the_services_clock(matching):
    feed(matching.config, deadline="2099-01-01T00:00:00+00:00")
    computed = matching(
        "POST", f"/workshops/{WORKSHOP}/schedule?wait=true", {"time_limit": 5}
    ).json()
    published = matching("POST", f"/workshops/{WORKSHOP}/schedule/publish").json()
    assert computed["computed_at"] == published["published_at"] == FIXED_AT
    (job,) = matching("GET", f"/workshops/{WORKSHOP}/schedule/jobs").json()["jobs"]
    assert job["created_at"] == job["started_at"] == job["finished_at"] == FIXED_AT


@pytest.mark.parametrize("extra_config", [{"SOLVE_JOBS_ENABLED": "false"}], indirect=True)
def test_a_queued_job_is_cancelled_at_once_and_stays_cancelled(matching):
    feed(matching.config, deadline="2099-01-01T00:00:00+00:00")
    base = f"/workshops/{WORKSHOP}/schedule"
    job = matching("POST", base, {"time_limit": 5}).json()
    assert matching("GET", job["href"]).json()["state"] == "queued"  # no runner here
    response = matching("DELETE", job["href"])
    assert response.status_code == 200, response.text
    assert (response.json()["state"], response.json()["cancel_requested"]) == ("cancelled", True)
    again = matching("POST", f"{job['href']}/cancel")
    assert (again.status_code, again.json()["state"]) == (200, "cancelled")
    assert matching("GET", f"{base}/jobs/{uuid.uuid4()}").status_code == 404
    assert (
        matching("GET", f"/workshops/{uuid.uuid4()}/schedule/jobs/{job['job_id']}").status_code
        == 404
    )
    assert [j["job_id"] for j in matching("GET", f"{base}/jobs").json()["jobs"]] == [job["job_id"]]


@pytest.mark.parametrize("extra_config", [{"SOLVE_JOBS_ENABLED": "false"}], indirect=True)
def test_a_retried_compute_with_its_idempotency_key_queues_one_job(matching):
    feed(matching.config, deadline="2099-01-01T00:00:00+00:00")
    base = f"http://{matching.config['WEB_SERVER_ADDRESS']}/workshops/{WORKSHOP}/schedule"
    key = create_api_key(Store.for_url(matching.config["DATABASE_URL"]), "script")
    answers = [
        requests.post(
            base,
            json={"time_limit": 5},
            timeout=30,
            headers={"X-API-Key": key, "Idempotency-Key": "demo-1"},
        )
        for _ in range(2)
    ]
    assert [a.status_code for a in answers] == [202, 202]
    assert answers[0].json()["job_id"] == answers[1].json()["job_id"]
    assert len(matching("GET", f"/workshops/{WORKSHOP}/schedule/jobs").json()["jobs"]) == 1


def test_staff_set_the_fairness_policy_and_the_schedule_reports_it(matching):
    feed(matching.config, deadline="2099-01-01T00:00:00+00:00")
    path = f"/workshops/{WORKSHOP}/fairness"
    assert matching("GET", path).json() == {
        "workshop_id": WORKSHOP,
        "fairness": {"price": 0.05},
        "default": True,
    }
    for bad in (
        {"fairness": "fair"},
        {"fairness": {"price": 2}},
        {"fairness": {"cost": 1}},
        {},
        {"fairness": "total", "extra": 1},
    ):
        response = matching("PUT", path, bad)
        assert response.status_code == 422, (bad, response.text)
    assert (
        matching("PUT", f"/workshops/{uuid.uuid4()}/fairness", {"fairness": "total"}).status_code
        == 404
    )
    assert matching("PUT", path, {"fairness": "total"}).json() == {
        "workshop_id": WORKSHOP,
        "fairness": "total",
        "default": False,
    }
    view = matching("POST", f"/workshops/{WORKSHOP}/schedule?wait=true", {"time_limit": 5})
    assert view.status_code == 201, view.text
    fairness = view.json()["fairness"]
    assert fairness["policy"] == "total" and fairness["worst_share"] == 1.0
    assert fairness["best_total"] == view.json()["objective"] == 8
    assert fairness["price_paid"] == 0.0
    assert matching("PUT", path, {"fairness": {"price": 0.1}}).json()["fairness"] == {"price": 0.1}
    assert matching("PUT", path, {"fairness": None}).json()["default"] is True


def test_two_matching_replicas_run_one_solve(container_factory, config):
    if not config["DATABASE_URL"].startswith("postgresql"):
        pytest.skip("two replicas share a PostgreSQL database (SQLite: one process)")
    settings = {
        **config,
        "REPLAN_DEBOUNCE_SECONDS": 0,
        "PLANNER_POLL_SECONDS": 0.1,
        "SOLVER_TIME_LIMIT": 2,
        "SOLVE_JOB_POLL_SECONDS": 0.1,
        "SOLVE_JOB_PROGRESS_SECONDS": 0.2,
    }
    replicas = []
    for _ in range(2):
        replica = {**settings, "WEB_SERVER_ADDRESS": f"127.0.0.1:{free_port()}"}
        container_factory(MatchingService, replica).start()
        replicas.append(f"http://{replica['WEB_SERVER_ADDRESS']}")
    store = Store.for_url(config["DATABASE_URL"])
    key = create_api_key(store, "staff")

    def jobs():
        with store.transaction() as session:
            return list(
                session.execute(
                    sa.select(
                        SolveJob.trigger,
                        SolveJob.state,
                        SolveJob.attempts,
                        SolveJob.claimed_by,
                        SolveJob.started_at,
                        SolveJob.finished_at,
                    ).order_by(SolveJob.created_at)
                )
            )

    def schedules():
        with store.transaction() as session:
            return list(session.scalars(sa.select(Schedule.trigger)))

    # the interest deadline has passed: both planners see it at once
    feed(config, deadline="2020-01-01T00:00:00+00:00")
    wait_for(lambda: schedules() == ["deadline"], timeout=30, what="the deadline's schedule")
    eventlet.sleep(1.0)  # ten more polls of each planner and runner
    assert schedules() == ["deadline"]
    ((trigger, state, attempts, *_),) = jobs()
    assert (trigger, state, attempts) == ("deadline", "succeeded", 1)

    # staff ask both replicas at once: each job runs once, one after the other
    for base in replicas:
        response = requests.post(
            f"{base}/workshops/{WORKSHOP}/schedule", headers={"X-API-Key": key}, timeout=30
        )
        assert response.status_code == 202, response.text
    wait_for(lambda: len(schedules()) == 3, timeout=60, what="both staff schedules")
    eventlet.sleep(1.0)
    staff = [j for j in jobs() if j.trigger == "staff"]
    assert [(j.state, j.attempts) for j in staff] == [("succeeded", 1)] * 2
    first, second = sorted(staff, key=lambda j: j.started_at)
    assert first.finished_at <= second.started_at  # never two solves of one workshop at once
    assert sorted(schedules()) == ["deadline", "staff", "staff"]
