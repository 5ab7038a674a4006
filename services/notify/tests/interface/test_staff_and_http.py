"""Staff reminders, opt-outs and the delivery log over HTTP, in a real
container on the real broker and both databases."""

import json

import pytest
import requests

from notify import api
from notify.service import NotifyService
from rueda_backbone import openapi as oas
from rueda_backbone.apikeys import create_api_key
from rueda_backbone.database import Store
from rueda_backbone.testing import free_port, publish_event, wait_for
from rueda_devkit import mailsink

pytestmark = pytest.mark.broker

DOCUMENT = api.openapi()

STAFF = {
    "staff_id": "marta",
    "name": "Marta",
    "email": "marta@example.org",
    "language": "es",
    "roles": ["secretariat"],
    "active": True,
    "version": 1,
}
CONTACTS = {
    "delegation_id": "pe",
    "contacts": [
        {
            "delegate_id": "rosa",
            "name": "Rosa",
            "email": "rosa@example.org",
            "language": "pt",
            "is_focal_point": True,
        }
    ],
}
DUE = {
    "activity_id": "a1",
    "workshop_id": None,
    "title": "Visita técnica",
    "state": "planned",
    "level": "overdue",
    "follow_up_on": "2026-05-01",
    "days_overdue": 12,
    "owner_staff_id": "marta",
    "escalation_staff_ids": [],
    "counterpart_delegation_ids": ["pe"],
    "detected_at": "2026-05-13T08:00:00+00:00",
}


@pytest.fixture
def notify(container_factory, config, tmp_path):
    port = free_port()
    sink = mailsink.start(tmp_path / "mail", port=port)
    config.update(
        {
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": port,
            "MAIL_FROM": "rueda@example.org",
            "MAIL_POLL_SECONDS": 0.1,
        }
    )
    container_factory(NotifyService, config).start()
    key = create_api_key(Store.for_url(config["DATABASE_URL"]), "staff-portal")
    base = f"http://{config['WEB_SERVER_ADDRESS']}"

    def call(method, path, body=None, params=None, api_key=key):
        response = requests.request(
            method,
            base + path,
            params=params,
            timeout=10,
            data=None if body is None else json.dumps(body),
            headers={"Content-Type": "application/json", "X-API-Key": api_key},
        )
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
    wait_for(
        lambda: call("GET", "/recipients/rosa/opt-outs").status_code == 200,
        what="rosa in the directory",
    )
    assert call(
        "PUT", "/recipients/rosa/opt-outs", {"categories": ["counterpart_reminders"]}
    ).json()["categories"] == ["counterpart_reminders"]
    publish_event(amqp, "followup", "activity_follow_up_due", DUE, correlation_id="trace-7")
    ((_path, message),) = wait_for(lambda: mailsink.read_messages(folder), what="the reminder")
    assert message["To"] == "marta@example.org"
    assert message["Subject"] == "Una actividad de cooperación requiere seguimiento"
    assert "Visita técnica" in message.get_body(("plain",)).get_content()

    sent = wait_for(
        lambda: call(
            "GET", "/deliveries", params={"kind": "follow_up_due", "status": "sent"}
        ).json()["deliveries"],
        what="the delivery logged",
    )
    assert [(d["recipient_id"], d["correlation_id"]) for d in sent] == [("marta", "trace-7")]
    assert "marta@example.org" not in json.dumps(sent)


def test_a_status_change_tells_the_owner_and_the_counterparts_once_each(notify, config):
    call, folder = notify
    amqp = config["AMQP_URI"]
    publish_event(amqp, "intake", "staff_contacts_updated", STAFF)
    publish_event(amqp, "intake", "delegation_contacts_updated", CONTACTS)
    publish_event(
        amqp,
        "intake",
        "delegation_contacts_updated",
        {
            "delegation_id": "co",
            "contacts": [
                {
                    "delegate_id": "luz",
                    "name": "Luz",
                    "email": "luz@example.org",
                    "language": "fr",
                    "is_focal_point": True,
                }
            ],
        },
    )
    wait_for(
        lambda: call("GET", "/recipients/luz/opt-outs").status_code == 200,
        what="luz in the directory",
    )
    assert (
        call("PUT", "/recipients/luz/opt-outs", {"categories": ["activity_updates"]}).status_code
        == 200
    )
    changed = {
        "activity_id": "a1",
        "workshop_id": "w1",
        "title": "Visita técnica",
        "from_state": "under_review",
        "to_state": "selected",
        "funding_source": "bilateral_cooperation",
        "reason": "Prioridad del comité",
        "changed_by": "marta",
        "changed_at": "2026-06-02T14:05:12+00:00",
        "owner_staff_id": "marta",
        "counterpart_delegation_ids": ["pe", "co"],
    }
    event = publish_event(
        amqp, "followup", "activity_status_changed", changed, correlation_id="trace-9"
    )
    # a real duplicate is the same envelope; whichever copy wins the race (the
    # first may be retried while the directory fills), the effect is the same
    publish_event(
        amqp,
        "followup",
        "activity_status_changed",
        changed,
        event_id=event.event_id,
        correlation_id="trace-9",
    )

    def sent_notices():
        deliveries = call(
            "GET", "/deliveries", params={"kind": "activity_status_changed", "status": "sent"}
        ).json()["deliveries"]
        return deliveries if len(deliveries) >= 2 else None

    sent = wait_for(sent_notices, what="both notices sent")
    __import__("eventlet").sleep(1.0)  # give a wrongly duplicated email the time to appear
    messages = {m["To"]: m for _path, m in mailsink.read_messages(folder)}
    assert sorted(messages) == ["marta@example.org", "rosa@example.org"]
    assert (
        messages["marta@example.org"]["Subject"]
        == "El estado de una actividad de cooperación ha cambiado"
    )
    assert (
        messages["rosa@example.org"]["Subject"] == "A situação de uma atividade de cooperação mudou"
    )
    body = messages["rosa@example.org"].get_body(("plain",)).get_content()
    assert "Visita técnica" in body and "Nova situação: selecionada" in body
    assert "cooperação bilateral" in body and "Prioridad del comité" in body
    assert {(d["recipient_id"], d["correlation_id"]) for d in sent} == {
        ("marta", "trace-9"),
        ("rosa", "trace-9"),
    }


def test_one_poison_address_fails_alone_the_batch_is_sent_and_ops_can_resend_it(notify, config):
    """Issue 12: seven funding emails in one batch, one of them to an address
    the message builder refuses: six go out, one is failed with its reason,
    visible in the log, not retried; resent once its address is fixed, with
    the same Message-ID."""
    call, folder = notify
    amqp = config["AMQP_URI"]
    people = [f"staff-{n}" for n in range(7)]
    for n, person in enumerate(people):
        address = "=?utf-8?q?x?=@example.org" if n == 3 else f"{person}@example.org"
        publish_event(
            amqp,
            "intake",
            "staff_contacts_updated",
            {**STAFF, "staff_id": person, "name": person, "email": address, "version": 1},
        )
    wait_for(
        lambda: all(call("GET", f"/recipients/{p}/opt-outs").status_code == 200 for p in people),
        what="the staff in the directory",
    )
    publish_event(
        amqp,
        "followup",
        "funding_selection_confirmed",
        {
            "selection_id": "s1",
            "workshop_id": None,
            "budget": 3000000,
            "currency": "USD",
            "total_cost": 2234566,
            "total_score": 80,
            "confirmed_by": "marta",
            "confirmed_at": "2026-06-02T14:05:12+00:00",
            "selected": [
                {"activity_id": "a1", "title": "Visita técnica", "score": 80, "cost": 2234566}
            ],
        },
    )
    failed = wait_for(
        lambda: call("GET", "/deliveries", params={"status": "failed"}).json()["deliveries"],
        what="the poison email failed",
    )
    sent = wait_for(
        lambda: (lambda d: d if len(d) == 6 else None)(
            call("GET", "/deliveries", params={"status": "sent"}).json()["deliveries"]
        ),
        what="the six others sent",
    )
    (poison,) = failed
    assert poison["recipient_id"] == "staff-3" and poison["attempts"] == 1
    assert poison["last_error"].startswith("cannot build the message")
    assert poison["address"] == "=***@example.org"  # masked by default
    assert len(sent) == 6 and len(mailsink.read_messages(folder)) == 6
    body = mailsink.read_messages(folder)[0][1].get_body(("plain",)).get_content()
    assert "22.345,66 USD de un presupuesto de 30.000,00 USD" in body.replace("\xa0", " ")
    shown = call("GET", "/deliveries", params={"status": "failed", "show_addresses": "true"})
    assert shown.json()["deliveries"][0]["address"] == "=?utf-8?q?x?=@example.org"

    # the address is fixed at intake, then ops resend it from the delivery log
    publish_event(
        amqp,
        "intake",
        "staff_contacts_updated",
        {
            **STAFF,
            "staff_id": "staff-3",
            "name": "staff-3",
            "email": "staff-3@example.org",
            "version": 2,
        },
    )
    __import__("eventlet").sleep(0.5)
    resent = call("POST", f"/deliveries/{poison['id']}/resend", {"note": "address fixed"})
    assert resent.status_code == 202 and resent.json()["status"] == "pending"
    wait_for(lambda: len(mailsink.read_messages(folder)) == 7, what="the resent email")
    messages = {m["To"]: m for _path, m in mailsink.read_messages(folder)}
    assert messages["staff-3@example.org"]["Message-ID"].startswith(f"<{poison['id']}@")
    (logged,) = [
        d for d in call("GET", "/deliveries").json()["deliveries"] if d["id"] == poison["id"]
    ]
    assert logged["status"] == "sent" and "address fixed" in logged["note"]
    again = call("POST", f"/deliveries/{poison['id']}/resend")
    assert again.status_code == 409
    assert call("POST", "/deliveries/nope/resend").status_code == 404


def test_addresses_need_a_scope_and_instants_out_of_range_are_refused(notify, config):
    call, _folder = notify
    refused = call("GET", "/deliveries", params={"until": "0001-01-01T00:01:00+00:05"})
    assert refused.status_code == 422
    assert [f["path"] for f in refused.json()["fields"]] == ["until"]
    reader = create_api_key(
        Store.for_url(config["DATABASE_URL"]), "reader", scopes=("notify:read",)
    )
    assert call("GET", "/deliveries", api_key=reader).status_code == 200
    forbidden = call("GET", "/deliveries", params={"show_addresses": "true"}, api_key=reader)
    assert forbidden.status_code == 403


def test_bad_requests_get_field_level_errors(notify):
    call, _folder = notify
    assert call("GET", "/deliveries", api_key="rk_wrong").status_code == 401
    response = call("GET", "/deliveries", params={"status": "lost", "limit": "0"})
    assert response.status_code == 422
    assert {f["path"] for f in response.json()["fields"]} == {"status", "limit"}
    assert call("GET", "/recipients/nobody/opt-outs").status_code == 404
    publish = call("PUT", "/recipients/nobody/opt-outs", {"categories": ["receipts"]})
    assert publish.status_code == 422 and publish.json()["fields"][0]["path"].startswith(
        "categories"
    )


def test_the_served_openapi_document_is_the_committed_one_and_needs_no_key(notify):
    call, _folder = notify
    response = call("GET", "/openapi.json", api_key="")
    assert response.status_code == 200
    assert response.json() == json.loads(api.DOCUMENT.read_text(encoding="utf-8"))


def test_a_resend_needs_its_own_scope_not_notify_write(notify, config):
    """The staff console's key resends without notify:write (which also changes opt-outs)."""
    call, _folder = notify
    store = Store.for_url(config["DATABASE_URL"])
    writer = create_api_key(store, "writer", scopes=("notify:write",))
    resender = create_api_key(store, "console", scopes=("notify:deliveries:resend",))
    assert call("POST", "/deliveries/nope/resend", api_key=writer).status_code == 403
    assert call("POST", "/deliveries/nope/resend", api_key=resender).status_code == 404
