"""notify's nameko entrypoints: thin, the rules are in usecases.py."""
from __future__ import annotations

from marshmallow import Schema, fields, validate
from rueda_backbone import Database, LoggingContext, event_handler, json_http
from rueda_backbone.health import health_endpoint
from rueda_backbone.web import NotFound, read_json

from . import api, domain, inbound, sending, usecases
from .dependencies import Mailbox


class OptOutsBody(Schema):
    categories = fields.List(fields.String(validate=validate.OneOf(domain.OPTIONAL_CATEGORIES)),
                             required=True)


class DeliveryQuery(Schema):
    status = fields.String(validate=validate.OneOf(domain.STATUSES))
    kind = fields.String(validate=validate.OneOf(domain.KINDS))
    recipient_id = fields.String(validate=validate.Length(max=64))
    correlation_id = fields.String(validate=validate.Length(max=64))
    since = fields.AwareDateTime()
    until = fields.AwareDateTime()
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))


class NotifyService:
    name = "notify"

    db = Database()
    log = LoggingContext()
    mailbox = Mailbox()

    # -- the directory ---------------------------------------------------------

    @event_handler("intake", "delegation_contacts_updated")
    def handle_delegation_contacts_updated(self, event):
        payload = inbound.read(event)
        with self.db.transaction() as uow:
            usecases.update_contacts(payload, uow=uow)

    @event_handler("intake", "staff_contacts_updated")
    def handle_staff_contacts_updated(self, event):
        payload = inbound.read(event)
        with self.db.transaction() as uow:
            usecases.update_staff(payload, uow=uow)

    @event_handler("intake", "delegate_erased")
    def handle_delegate_erased(self, event):
        payload = inbound.read(event)
        with self.db.transaction() as uow:
            outcome = usecases.erase_delegate(payload, uow=uow)
        self.log.info("recipient.erased", **outcome)

    @event_handler("intake", "delegation_withdrawn")
    def handle_delegation_withdrawn(self, event):
        payload = inbound.read(event)
        with self.db.transaction() as uow:
            usecases.withdraw_delegation(payload, uow=uow)

    @event_handler("intake", "workshop_published")
    def handle_workshop_published(self, event):
        payload = inbound.read(event)
        with self.db.transaction() as uow:
            usecases.publish_workshop(payload, uow=uow)

    # -- receipts ------------------------------------------------------------------

    def _queue(self, event, usecase, kind):
        payload = inbound.read(event)
        with self.db.transaction() as uow:
            emails = usecase(payload, uow=uow, event_id=event.event_id)
        self.log.info("email.queued", kind=kind, count=len(emails))

    @event_handler("intake", "program_submitted")
    def handle_program_submitted(self, event):
        self._queue(event, usecases.acknowledge_program, domain.PROGRAM_RECEIVED)

    @event_handler("intake", "program_reviewed")
    def handle_program_reviewed(self, event):
        self._queue(event, usecases.acknowledge_review, domain.PROGRAM_REVIEWED)

    @event_handler("intake", "interest_submitted")
    def handle_interest_submitted(self, event):
        self._queue(event, usecases.acknowledge_interest, domain.INTEREST_RECEIVED)

    @event_handler("intake", "expression_of_interest_submitted")
    def handle_expression_of_interest_submitted(self, event):
        self._queue(event, usecases.acknowledge_expression, domain.EXPRESSION_RECEIVED)

    # -- agendas ---------------------------------------------------------------------

    @event_handler("matching", "schedule_published")
    def handle_schedule_published(self, event):
        payload = inbound.read(event)
        notices = self.mailbox.notices
        with self.db.transaction() as uow:
            emails = usecases.record_schedule(
                payload, uow=uow, event_id=event.event_id, correlation_id=event.correlation_id,
                window=notices.window, uid_domain=notices.uid_domain)
        self.log.info("email.queued", kind=domain.AGENDA, count=len(emails),
                      revision=payload["revision"])

    # -- follow-up -------------------------------------------------------------------

    @event_handler("followup", "activity_follow_up_due")
    def handle_activity_follow_up_due(self, event):
        self._queue(event, usecases.remind_follow_up, domain.FOLLOW_UP_DUE)

    @event_handler("followup", "activity_status_changed")
    def handle_activity_status_changed(self, event):
        self._queue(event, usecases.announce_status_change, domain.ACTIVITY_STATUS_CHANGED)

    @event_handler("followup", "weekly_digest_prepared")
    def handle_weekly_digest_prepared(self, event):
        self._queue(event, usecases.send_digest, domain.WEEKLY_DIGEST)

    @event_handler("followup", "funding_selection_confirmed")
    def handle_funding_selection_confirmed(self, event):
        self._queue(event, usecases.announce_funding, domain.FUNDING_SELECTION)

    # -- HTTP --------------------------------------------------------------------------

    @json_http("GET", "/openapi.json", public=True)
    def openapi(self, request):
        return 200, api.openapi()

    @json_http("GET", "/deliveries")
    def list_deliveries(self, request):
        query = DeliveryQuery().load(request.args.to_dict())
        return 200, {"deliveries": sending.delivery_log(self.db.store, **query)}

    @json_http("GET", "/recipients/<string:recipient_id>/opt-outs")
    def get_opt_outs(self, request, recipient_id):
        with self.db.store.transaction() as session:
            categories = usecases.opt_outs(session, recipient_id)
        if categories is None:
            raise NotFound(f"notify knows no recipient {recipient_id}")
        return 200, {"recipient_id": recipient_id, "categories": categories,
                     "optional_categories": list(domain.OPTIONAL_CATEGORIES)}

    @json_http("PUT", "/recipients/<string:recipient_id>/opt-outs")
    def put_opt_outs(self, request, recipient_id):
        body = OptOutsBody().load(read_json(request))
        with self.db.store.transaction() as session:
            categories = usecases.set_opt_outs(session, recipient_id, body["categories"])
        if categories is None:
            raise NotFound(f"notify knows no recipient {recipient_id}")
        return 200, {"recipient_id": recipient_id, "categories": categories}

    health = health_endpoint()

