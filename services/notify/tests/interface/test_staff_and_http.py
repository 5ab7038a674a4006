"""Staff reminders, opt-outs and the delivery log over HTTP, in a real
container on the real broker and both databases."""
import json

import pytest
import requests
from rueda_backbone import openapi as oas
from rueda_backbone.apikeys import create_api_key
from rueda_backbone.database import Store
from rueda_backbone.testing import free_port, publish_event, wait_for
from rueda_devkit import mailsink

from notify import api
from notify.service import NotifyService

pytestmark = pytest.mark.broker

DOCUMENT = api.openapi()

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
        response = requests.request(
            method, base + path, params=params, timeout=10,
            data=None if body is None else json.dumps(body),
            headers={"Content-Type": "application/json", "X-API-Key": api_key})
        # every answer of every test is held to the published document
        assert oas.response_problems(DOCUMENT, method, path, response) == []
        return response
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


def test_a_status_change_tells_the_owner_and_the_counterparts_once_each(notify, config):
    call, folder = notify
    amqp = config["AMQP_URI"]
    publish_event(amqp, "intake", "staff_contacts_updated", STAFF)
    publish_event(amqp, "intake", "delegation_contacts_updated", CONTACTS)
    publish_event(amqp, "intake", "delegation_contacts_updated", {"delegation_id": "co", "contacts": [
        {"delegate_id": "luz", "name": "Luz", "email": "luz@example.org", "language": "fr",
         "is_focal_point": True}]})
    wait_for(lambda: call("GET", "/recipients/luz/opt-outs").status_code == 200,
             what="luz in the directory")
    assert call("PUT", "/recipients/luz/opt-outs",
                {"categories": ["activity_updates"]}).status_code == 200
    changed = {"activity_id": "a1", "workshop_id": "w1", "title": "Visita técnica",
               "from_state": "under_review", "to_state": "selected",
               "funding_source": "bilateral_cooperation", "reason": "Prioridad del comité",
               "changed_by": "marta", "changed_at": "2026-06-02T14:05:12+00:00",
               "owner_staff_id": "marta", "counterpart_delegation_ids": ["pe", "co"]}
    event = publish_event(amqp, "followup", "activity_status_changed", changed,
                          correlation_id="trace-9")
    # a real duplicate is the same envelope; whichever copy wins the race (the
    # first may be retried while the directory fills), the effect is the same
    publish_event(amqp, "followup", "activity_status_changed", changed, event_id=event.event_id,
                  correlation_id="trace-9")

    def sent_notices():
        deliveries = call("GET", "/deliveries", params={"kind": "activity_status_changed",
                                                        "status": "sent"}).json()["deliveries"]
        return deliveries if len(deliveries) >= 2 else None
    sent = wait_for(sent_notices, what="both notices sent")
    __import__("eventlet").sleep(1.0)  # give a wrongly duplicated email the time to appear
    messages = {m["To"]: m for _path, m in mailsink.read_messages(folder)}
    assert sorted(messages) == ["marta@example.org", "rosa@example.org"]
    assert messages["marta@example.org"]["Subject"] == \
        "El estado de una actividad de cooperación ha cambiado"
    assert messages["rosa@example.org"]["Subject"] == "A situação de uma atividade de cooperação mudou"
    body = messages["rosa@example.org"].get_body(("plain",)).get_content()
    assert "Visita técnica" in body and "Nova situação: selecionada" in body
    assert "cooperação bilateral" in body and "Prioridad del comité" in body
    assert {(d["recipient_id"], d["correlation_id"]) for d in sent} == \
        {("marta", "trace-9"), ("rosa", "trace-9")}


def test_bad_requests_get_field_level_errors(notify):
    call, _folder = notify
    assert call("GET", "/deliveries", api_key="rk_wrong").status_code == 401
    response = call("GET", "/deliveries", params={"status": "lost", "limit": "0"})
    assert response.status_code == 422
    assert {f["path"] for f in response.json()["fields"]} == {"status", "limit"}
    assert call("GET", "/recipients/nobody/opt-outs").status_code == 404
    publish = call("PUT", "/recipients/nobody/opt-outs", {"categories": ["receipts"]})
    assert publish.status_code == 422 and publish.json()["fields"][0]["path"].startswith("categories")


def test_the_served_openapi_document_is_the_committed_one_and_needs_no_key(notify):
    call, _folder = notify
    response = call("GET", "/openapi.json", api_key="")
    assert response.status_code == 200
    assert response.json() == json.loads(api.DOCUMENT.read_text(encoding="utf-8"))
