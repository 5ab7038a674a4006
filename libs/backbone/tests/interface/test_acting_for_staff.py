"""A trusted client (the console) acting for a signed-in person: a key with
`<service>:act-for-staff` may send X-Rueda-Staff-Id / X-Rueda-Staff-Name,
and the worker's unit of work carries that person (`uow.actor`, `uow.who`)."""

from urllib.parse import quote

import pytest
import requests
import sqlalchemy as sa

from rueda_backbone import Database, json_http, tables
from rueda_backbone.apikeys import create_api_key
from rueda_backbone.database import Store

pytestmark = pytest.mark.broker


class AuditService:
    name = "audit"
    db = Database()

    @json_http("POST", "/changes")
    def change(self, request):
        with self.db.transaction() as uow:
            actor = uow.actor
            return 201, {
                "origin": uow.origin,
                "who": uow.who,
                "full": uow.origin_with_actor,
                "actor": None if actor is None else [actor.staff_id, actor.name],
            }


@pytest.fixture
def site(container_factory, service_config):
    engine = sa.create_engine(service_config["DATABASE_URL"])
    tables.metadata.create_all(engine)
    engine.dispose()
    container_factory(AuditService, service_config).start()
    store = Store.for_url(service_config["DATABASE_URL"])
    return {
        "url": f"http://{service_config['WEB_SERVER_ADDRESS']}/changes",
        "console": create_api_key(store, "console", scopes=["audit:write", "audit:act-for-staff"]),
        "portal": create_api_key(store, "portal", scopes=["audit:write"]),
        "everything": create_api_key(store, "ops", scopes=["audit:*"]),
    }


def post(site, key, staff_id=None, name=None):
    headers = {"X-API-Key": site[key]}
    if staff_id is not None:
        headers["X-Rueda-Staff-Id"] = staff_id
    if name is not None:
        headers["X-Rueda-Staff-Name"] = name
    return requests.post(site["url"], json={}, headers=headers, timeout=5)


def test_a_key_with_act_for_staff_names_the_person_in_the_unit_of_work(site):
    answer = post(site, "console", "8c1f-rose", quote("Rosé Coordinator", safe=" "))
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["origin"].startswith("http:console@")
    assert body["actor"] == ["8c1f-rose", "Rosé Coordinator"]
    assert body["who"] == "staff:8c1f-rose (Rosé Coordinator)"
    assert body["full"] == f"{body['origin']} for staff:8c1f-rose (Rosé Coordinator)"
    # <service>:* grants it too
    assert post(site, "everything", "ana", "Ana").json()["actor"] == ["ana", "Ana"]


def test_without_the_headers_the_origin_is_who_did_it(site):
    body = post(site, "console").json()
    assert body["actor"] is None and body["who"] == body["origin"] == body["full"]


def test_a_key_without_the_scope_may_not_claim_a_person(site):
    refused = post(site, "portal", "8c1f-rose", "Rose")
    assert refused.status_code == 403
    assert "audit:act-for-staff" in refused.json()["message"]
    assert post(site, "portal", name="Rose").status_code == 403


@pytest.mark.parametrize(
    "staff_id, name",
    [
        ("../etc", "Rose"),
        ("a" * 65, "Rose"),
        ("", "Rose"),
        (None, "Rose"),
        ("rose", None),
        ("rose", ""),
        ("rose", "%20%20"),
        ("rose", "Rose%0AForged: yes"),
        ("rose", "R%C3"),
        ("rose", "x" * 101),
        ("rose", "Rose%E2%80%A8Coordinator"),
    ],
)
def test_a_malformed_person_is_refused(site, staff_id, name):
    refused = post(site, "console", staff_id, name)
    assert refused.status_code == 400, (staff_id, name, refused.text)
    assert refused.json()["error"] == "invalid_staff"
