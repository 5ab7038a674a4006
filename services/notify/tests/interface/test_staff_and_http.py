"""Staff reminders, opt-outs and the delivery log over HTTP, in a real
container on the real broker and both databases."""
import json

import pytest
import requests
from rueda_backbone.apikeys import create_api_key
from rueda_backbone.database import Store
from rueda_backbone.testing import free_port, publish_event, wait_for
from rueda_devkit import mailsink

from notify.service import NotifyService

pytestmark = pytest.mark.broker

STAFF = {"staff_id": "marta", "name": "Marta", "email": "marta@example.org", "language": "es",
         "roles": ["secretariat"], "active": True, "version": 1}
CONTACTS = {"delegation_id": "pe", "contacts": [
    {"delegate_id": "rosa", "name": "Rosa", "email": "rosa@example.org", "language": "pt",
     "is_focal_point": True}]}
DUE = {"activity_id": "a1", "workshop_id": None, "title": "Visita técnica", "state": "planned",
       "level": "overdue", "follow_up_on": "2026-05-01", "days_overdue": 12,
       "owner_staff_id": "marta", "escalation_staff_ids": [], "counterpart_delegation_ids": ["pe"],
       "detected_at": "2026-05-13T08:00:00+00:00"}


@pytest.fixture
def notify(container_factory, config, tmp_path):
    port = free_port()
    sink = mailsink.start(tmp_path / "mail", port=port)
    config.update({"SMTP_HOST": "127.0.0.1", "SMTP_PORT": port, "MAIL_FROM": "rueda@example.org",
                   "MAIL_POLL_SECONDS": 0.1})
    container_factory(NotifyService, config).start()
    key = create_api_key(Store.for_url(config["DATABASE_URL"]), "staff-portal")
    base = f"http://{config['WEB_SERVER_ADDRESS']}"

    def call(method, path, body=None, params=None, api_key=key):
        return requests.request(method, base + path, params=params, timeout=10,
                                data=None if body is None else json.dumps(body),
                                headers={"Content-Type": "application/json", "X-API-Key": api_key})
    yield call, tmp_path / "mail"
    sink.stop()


def test_an_overdue_activity_reminds_the_owner_and_a_counterpart_unless_opted_out(notify, config):
    call, folder = notify
    amqp = config["AMQP_URI"]
    publish_event(amqp, "intake", "staff_contacts_updated", STAFF)
    publish_event(amqp, "intake", "delegation_contacts_updated", CONTACTS)
    wait_for(lambda: call("GET", "/recipients/rosa/opt-outs").status_code == 200,
             what="rosa in the directory")
    assert call("PUT", "/recipients/rosa/opt-outs",
                {"categories": ["counterpart_reminders"]}).json()["categories"] == \
        ["counterpart_reminders"]
    publish_event(amqp, "followup", "activity_follow_up_due", DUE, correlation_id="trace-7")
    ((_path, message),) = wait_for(lambda: mailsink.read_messages(folder), what="the reminder")
    assert message["To"] == "marta@example.org"
    assert message["Subject"] == "Una actividad de cooperación requiere seguimiento"
    assert "Visita técnica" in message.get_body(("plain",)).get_content()

    sent = wait_for(lambda: call("GET", "/deliveries",
                                 params={"kind": "follow_up_due", "status": "sent"}).json()["deliveries"],
                    what="the delivery logged")
    assert [(d["recipient_id"], d["correlation_id"]) for d in sent] == [("marta", "trace-7")]
    assert "marta@example.org" not in json.dumps(sent)


def test_bad_requests_get_field_level_errors(notify):
    call, _folder = notify
    assert call("GET", "/deliveries", api_key="rk_wrong").status_code == 401
    response = call("GET", "/deliveries", params={"status": "lost", "limit": "0"})
    assert response.status_code == 422
    assert {f["path"] for f in response.json()["fields"]} == {"status", "limit"}
    assert call("GET", "/recipients/nobody/opt-outs").status_code == 404
    publish = call("PUT", "/recipients/nobody/opt-outs", {"categories": ["receipts"]})
    assert publish.status_code == 422 and publish.json()["fields"][0]["path"].startswith("categories")
