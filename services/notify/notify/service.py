"""notify's nameko entrypoints."""
from __future__ import annotations

from rueda_backbone import Database, LoggingContext, event_handler, json_http
from rueda_backbone.health import health_endpoint

from . import inbound, sending, usecases
from .dependencies import Mailbox


class NotifyService:
    name = "notify"

    db = Database()
    log = LoggingContext()
    mailbox = Mailbox()

    @event_handler("intake", "delegation_contacts_updated")
    def handle_delegation_contacts_updated(self, event):
        payload = inbound.DelegationContactsUpdated().load(event.payload)
        with self.db.transaction() as uow:
            usecases.update_contacts(payload, uow=uow)

    @event_handler("intake", "program_submitted")
    def handle_program_submitted(self, event):
        payload = inbound.ProgramSubmitted().load(event.payload)
        with self.db.transaction() as uow:
            emails = usecases.acknowledge_program(payload, uow=uow, event_id=event.event_id)
        self.log.info("email.queued", kind="program_received", count=len(emails))

    @json_http("GET", "/deliveries")
    def list_deliveries(self, request):
        status = request.args.get("status")
        return 200, {"deliveries": sending.delivery_log(self.db.store, status=status)}

    health = health_endpoint()
