"""The edges the backbone derives for a service, against the real broker and
real databases: handlers from the inbound table with a fixed clock, domain
errors parked or retried by the service's mapping, HTTP answers from the same
mapping, and Idempotency-Key for an endpoint that opts in."""

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC

import pytest
import requests
import sqlalchemy as sa
from marshmallow import EXCLUDE, Schema, fields

from rueda_backbone import (
    Clock,
    Conflict,
    Database,
    ErrorMapping,
    Inbound,
    NotFound,
    Published,
    consumes,
    event_handlers,
    json_http,
    parking,
    read_json,
    tables,
)
from rueda_backbone.apikeys import create_api_key as create_key
from rueda_backbone.database import Store
from rueda_backbone.docs import docs_endpoints
from rueda_backbone.testing import publish_event, wait_for

pytestmark = pytest.mark.broker

things = sa.Table(
    "thing",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(100)),
    sa.Column("seen_at", sa.String(40)),
    sa.Column("origin", sa.String(100)),
)
FIXED_AT = "2027-10-24T09:00:00+00:00"


class ThingMade(Schema):
    class Meta:
        unknown = EXCLUDE

    name = fields.String(required=True)


class ThingRecorded(Schema):
    name = fields.String(required=True)


PUBLISHED = Published({("thing_recorded", 1): ThingRecorded})


class ThingTaken(Conflict):
    code = "thing_taken"


class NoSuchThing(NotFound):
    code = "no_such_thing"


def record_thing(message, *, uow, now):
    if message["name"] == "taken":
        raise ThingTaken("that name is taken", [{"path": "name", "message": "taken"}])
    if message["name"] == "later":
        raise NoSuchThing("its owner has not arrived yet")
    uow.session.execute(
        sa.insert(things).values(name=message["name"], seen_at=now.isoformat(), origin=uow.origin)
    )
    uow.publish(PUBLISHED.event("thing_recorded", message))


CONSUMES = Inbound(consumes("maker", "thing_made", ThingMade, use_case=record_thing))


@event_handlers(CONSUMES)
class EdgeService:
    name = "edge"
    db = Database()
    clock = Clock()
    docs = docs_endpoints()
    errors = ErrorMapping(
        status={ThingTaken: 409},
        retried=(NoSuchThing,),
        translate=lambda m, lang: m.upper() if lang == "shout" else m,
        negotiate=lambda header: "shout" if header == "x-shout" else "en",
    )

    @json_http("POST", "/things", idempotent=True)
    def make_thing(self, request):
        with self.db.transaction() as uow:
            record_thing(ThingMade().load(read_json(request)), uow=uow, now=self.clock())
            count = uow.session.execute(sa.select(sa.func.count()).select_from(things)).scalar()
        return 201, {"count": count}

    @json_http("POST", "/answered-things", idempotent=True)
    def make_answered_thing(self, request):
        with self.db.transaction() as uow:
            record_thing(ThingMade().load(read_json(request)), uow=uow, now=self.clock())
            count = uow.session.execute(sa.select(sa.func.count()).select_from(things)).scalar()
            return self.db.answer(201, {"count": count})

    @json_http("POST", "/named-things", idempotent=True)
    def make_named_thing(self, request):
        message = ThingMade().load(read_json(request))
        with self.db.transaction() as uow:
            taken = uow.session.execute(
                sa.select(things.c.id).where(things.c.name == message["name"])
            ).first()
            if taken:
                raise ThingTaken("that name is taken", [{"path": "name", "message": "taken"}])
            record_thing(message, uow=uow, now=self.clock())
            return self.db.answer(201, {"name": message["name"]})

    @json_http("POST", "/two-step-things", idempotent=True)
    def make_thing_in_two_steps(self, request):
        message = ThingMade().load(read_json(request))
        with self.db.transaction() as uow:  # claims the key
            record_thing(message, uow=uow, now=self.clock())
        with self.db.transaction():
            raise ThingTaken("the second step refused", [{"path": "name", "message": "no"}])


@pytest.fixture
def config(service_config):
    engine = sa.create_engine(service_config["DATABASE_URL"])
    tables.metadata.create_all(engine)
    things.metadata.create_all(engine)
    engine.dispose()
    return {**service_config, "CLOCK_FIXED_AT": FIXED_AT, "EVENT_RETRY_DELAYS": [0.1, 0.1]}


def rows(config):
    with Store.for_url(config["DATABASE_URL"]).transaction() as session:
        return [
            tuple(r)
            for r in session.execute(
                sa.select(things.c.name, things.c.seen_at, things.c.origin).order_by(things.c.id)
            )
        ]


def test_a_row_of_the_table_becomes_a_handler_that_runs_its_use_case_with_the_clock(
    container_factory, config
):
    container_factory(EdgeService, config).start()
    publish_event(config["AMQP_URI"], "maker", "thing_made", {"name": "PAA", "colour": "x"})
    assert wait_for(lambda: rows(config), what="the effect") == [
        ("PAA", FIXED_AT, "event:maker/thing_made")
    ]


def test_a_domain_error_is_parked_with_its_code_and_fields_and_a_retried_one_after_retries(
    container_factory, config
):
    container_factory(EdgeService, config).start()
    store = Store.for_url(config["DATABASE_URL"])
    publish_event(config["AMQP_URI"], "maker", "thing_made", {"name": "taken"})
    parked = wait_for(lambda: parking.list_parked(store), what="the refused event")
    assert parked[0].attempts == 1
    assert parked[0].reason == "refused: thing_taken: that name is taken (name: taken)"
    publish_event(config["AMQP_URI"], "maker", "thing_made", {"name": "later"})
    parked = wait_for(
        lambda: len(parking.list_parked(store)) == 2 and parking.list_parked(store),
        what="the retried event parked",
    )
    assert parked[1].attempts == 3 and "gave up after 3 attempts" in parked[1].reason


def test_http_answers_come_from_the_same_mapping_in_the_callers_language(container_factory, config):
    container_factory(EdgeService, config).start()
    key = create_key(Store.for_url(config["DATABASE_URL"]), "portal")
    url = f"http://{config['WEB_SERVER_ADDRESS']}/things"
    answer = requests.post(
        url,
        json={"name": "taken"},
        timeout=5,
        headers={"X-API-Key": key, "Accept-Language": "x-shout"},
    )
    assert answer.status_code == 409
    assert answer.json()["error"] == "thing_taken"
    assert answer.json()["message"] == "THAT NAME IS TAKEN"
    assert answer.json()["fields"] == [{"path": "name", "message": "TAKEN"}]
    assert (
        requests.post(
            url, json={"name": "later"}, timeout=5, headers={"X-API-Key": key}
        ).status_code
        == 404
    )


def idempotent_poster(url: str, key: str):
    def post(name, idem):
        return requests.post(
            url,
            json={"name": name},
            timeout=20,
            headers={"X-API-Key": key, "Idempotency-Key": idem},
        )

    return post


# the answer added after the effect's commit, or stored in it (self.db.answer)
@pytest.mark.parametrize("path", ["/things", "/answered-things"])
def test_an_idempotency_key_makes_retries_and_concurrent_copies_one_effect(
    container_factory, config, path
):
    container_factory(EdgeService, config).start()
    key = create_key(Store.for_url(config["DATABASE_URL"]), "portal")
    post = idempotent_poster(f"http://{config['WEB_SERVER_ADDRESS']}{path}", key)
    with ThreadPoolExecutor(5) as pool:
        answers = list(pool.map(lambda _: post("PAA", "k-1"), range(5)))
    assert {(a.status_code, a.json()["count"]) for a in answers} == {(201, 1)}
    assert post("PAA", "k-1").json() == {"count": 1}
    reused = post("Other", "k-1")
    assert reused.status_code == 422 and reused.json()["error"] == "idempotency_key_reused"
    assert post("PAA", "bad key with spaces").status_code == 400
    assert post("PAA", "k-2").json() == {"count": 2}
    assert [name for name, _at, _origin in rows(config)] == ["PAA", "PAA"]
    assert rows(config)[0][2].startswith("http:portal@")


def test_a_copy_refused_because_the_first_copy_came_first_gets_the_first_answer(
    container_factory, config
):
    # the key is claimed at the end of the effect's transaction: a copy runs
    # its use case on the state the first one left, and the refusal that
    # state brings is not the client's answer, the first one's is
    container_factory(EdgeService, config).start()
    key = create_key(Store.for_url(config["DATABASE_URL"]), "portal")
    post = idempotent_poster(f"http://{config['WEB_SERVER_ADDRESS']}/named-things", key)
    with ThreadPoolExecutor(5) as pool:
        answers = list(pool.map(lambda _: post("PAA", "k-1"), range(5)))
    assert {(a.status_code, a.json()["name"]) for a in answers} == {(201, "PAA")}
    assert (post("PAA", "k-1").status_code, post("PAA", "k-1").json()) == (201, {"name": "PAA"})
    # the same refusal under a new key is the client's own
    again = post("PAA", "k-2")
    assert again.status_code == 409 and again.json()["error"] == "thing_taken"
    # and a different request under a used key is told so, refused or not
    reused = post("Other", "k-1")
    assert reused.status_code == 422 and reused.json()["error"] == "idempotency_key_reused"
    assert [name for name, _at, _origin in rows(config)] == ["PAA"]


def test_a_request_that_claimed_its_key_and_then_failed_gets_its_own_error(
    container_factory, config
):
    container_factory(EdgeService, config).start()
    key = create_key(Store.for_url(config["DATABASE_URL"]), "portal")
    post = idempotent_poster(f"http://{config['WEB_SERVER_ADDRESS']}/two-step-things", key)
    answer = post("PAA", "k-1")
    # not the "first request still running" of a copy: the request is that one
    assert answer.status_code == 409 and answer.json()["error"] == "thing_taken"


def test_an_answer_given_inside_the_transaction_is_stored_in_the_effects_commit(
    container_factory, config
):
    from sqlalchemy import event

    # no relay, so that every commit counted is the request's own
    container_factory(EdgeService, {**config, "OUTBOX_RELAY_ENABLED": False}).start()
    store = Store.for_url(config["DATABASE_URL"])
    key = create_key(store, "portal")
    post = idempotent_poster(f"http://{config['WEB_SERVER_ADDRESS']}/answered-things", key)
    assert post("warm", "k-0").status_code == 201  # the key is looked up once
    commits = []

    def count(_connection):
        commits.append(1)

    event.listen(store.engine, "commit", count)
    try:
        first = post("PAA", "k-1")
        assert (first.status_code, first.json()) == (201, {"count": 2})
        # key (remembered), claim, effect, outbox row and answer: one commit
        commits_for_first = len(commits)
        with store.transaction() as session:
            stored = session.execute(
                sa.select(
                    tables.idempotent_request.c.status, tables.idempotent_request.c.response
                ).where(tables.idempotent_request.c.key == "k-1")
            ).one()
        assert tuple(stored) == (201, {"count": 2})
        again = post("PAA", "k-1")
        assert (again.status_code, again.json()) == (201, {"count": 2})
        reused = post("Other", "k-1")
        assert reused.status_code == 422 and reused.json()["error"] == "idempotency_key_reused"
    finally:
        event.remove(store.engine, "commit", count)
    assert commits_for_first == 1
    assert [name for name, _at, _origin in rows(config)] == ["warm", "PAA"]


def test_cloud_events_in_both_modes_reach_the_use_case_and_a_malformed_one_is_parked(
    container_factory, config
):
    import json

    from rueda_backbone.testing import publish_raw

    container_factory(EdgeService, config).start()
    uri = config["AMQP_URI"]
    publish_raw(
        uri,
        "maker.events",
        "thing_made",
        json.dumps(
            {
                "specversion": "1.0",
                "id": "ce-1",
                "source": "https://maker.example.org",
                "type": "org.example.thing_made",
                "data": {"name": "structured"},
            }
        ).encode(),
        content_type="application/cloudevents+json",
    )
    publish_raw(
        uri,
        "maker.events",
        "thing_made",
        json.dumps({"name": "binary"}).encode(),
        content_type="application/json",
        headers={
            "ce-specversion": "1.0",
            "ce-id": "ce-2",
            "ce-source": "/maker",
            "ce-type": "thing_made",
            "ce-correlationid": "corr-2",
        },
    )
    publish_raw(
        uri,
        "maker.events",
        "thing_made",
        b'{"specversion": "1.0", "id": "ce-3"}',
        content_type="application/cloudevents+json",
    )
    wait_for(lambda: len(rows(config)) == 2, what="both effects")
    assert sorted(rows(config)) == [
        ("binary", FIXED_AT, "event:maker/thing_made"),
        ("structured", FIXED_AT, "event:maker/thing_made"),
    ]
    parked = wait_for(
        lambda: parking.list_parked(Store.for_url(config["DATABASE_URL"])),
        what="the malformed CloudEvent parked",
    )
    assert parked[0].reason.startswith("a CloudEvent rueda cannot take: not a valid CloudEvent")


def test_unknown_routes_and_methods_answer_in_json_like_every_other_error(
    container_factory, config
):
    container_factory(EdgeService, config).start()
    base = f"http://{config['WEB_SERVER_ADDRESS']}"
    missing = requests.get(f"{base}/nowhere", timeout=5)
    assert missing.status_code == 404 and missing.headers["Content-Type"] == "application/json"
    assert missing.json()["error"] == "not_found" and missing.json()["correlation_id"]
    wrong = requests.delete(f"{base}/things", timeout=5, headers={"X-Correlation-ID": "c-1"})
    assert wrong.status_code == 405 and wrong.json()["error"] == "method_not_allowed"
    assert "POST" in wrong.headers["Allow"] and wrong.json()["correlation_id"] == "c-1"


def test_a_duplicate_is_one_info_line_not_a_failed_worker(
    container_factory, config, caplog, capsys
):
    from rueda_backbone.envelope import Envelope, Event
    from rueda_backbone.testing import publish_raw

    container_factory(EdgeService, config).start()
    body = Envelope.wrap(Event("thing_made", {"name": "twice"}), producer="maker").to_json()
    publish_raw(config["AMQP_URI"], "maker.events", "thing_made", body)
    wait_for(lambda: rows(config), what="the first copy applied")
    publish_raw(config["AMQP_URI"], "maker.events", "thing_made", body)
    seen = []

    def logged():
        seen.append(capsys.readouterr().out + caplog.text)
        return "event.duplicate_skipped" in "".join(seen)

    wait_for(logged, what="the duplicate settled")
    assert len(rows(config)) == 1
    assert "error handling worker" not in "".join(seen)


def test_the_docs_page_and_its_vendored_script_are_served_without_a_key(container_factory, config):
    container_factory(EdgeService, config).start()
    base = f"http://{config['WEB_SERVER_ADDRESS']}"
    page = requests.get(f"{base}/docs", timeout=5)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert '<redoc spec-url="/openapi.json"' in page.text
    assert "cdn" not in page.text.lower() and "https://" not in page.text
    script = requests.get(f"{base}/docs/redoc.standalone.js", timeout=5)
    assert script.status_code == 200 and len(script.content) > 500_000
    # this test's service has no AsyncAPI document in its package
    assert requests.get(f"{base}/asyncapi.json", timeout=5).status_code == 404


def test_a_key_may_do_what_its_scopes_allow_and_gets_403_naming_the_scope_otherwise(
    container_factory, config
):
    from datetime import datetime, timedelta

    from rueda_backbone.apikeys import revoke_api_key

    container_factory(EdgeService, config).start()
    store = Store.for_url(config["DATABASE_URL"])
    url = f"http://{config['WEB_SERVER_ADDRESS']}/things"
    reader = create_key(store, "funder", scopes=["edge:read"])
    writer = create_key(store, "portal", scopes=["edge:write"])
    rotated = create_key(store, "portal", scopes=["edge:*"])
    expired = create_key(
        store, "portal", scopes=["*"], expires_at=datetime.now(UTC) - timedelta(seconds=1)
    )

    def post(key, name="PAA"):
        return requests.post(url, json={"name": name}, headers={"X-API-Key": key}, timeout=5)

    refused = post(reader)
    assert refused.status_code == 403 and refused.json()["error"] == "forbidden"
    assert "edge:write" in refused.json()["message"]
    assert post(writer).status_code == 201
    assert post(rotated, "Other").status_code == 201  # two keys of one client at once
    assert post(expired).status_code == 401
    revoke_api_key(store, "portal", writer[:10])
    assert post(writer).status_code == 401 and post(rotated, "Third").status_code == 201
