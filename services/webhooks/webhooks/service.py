"""webhooks' nameko entrypoints: parse, call a use case, answer.

Events are handled by the entrypoints `inbound.CONSUMES` declares (one per
event type outside systems may subscribe to); this class holds the HTTP
ones: subscriptions for the systems' operators, the delivery log and replay
for ops. Domain errors become answers through `exceptions.ERRORS`."""

from __future__ import annotations

from rueda_backbone import Clock, Database, LoggingContext, event_handlers, json_http, read_json
from rueda_backbone.docs import docs_endpoints
from rueda_backbone.health import health_endpoint

from . import api, exceptions, inbound, schemas, usecases
from .dependencies import Deliveries, Settings


@event_handlers(inbound.CONSUMES)
class WebhooksService:
    name = "webhooks"
    errors = exceptions.ERRORS

    db = Database()
    log = LoggingContext()
    clock = Clock()
    sender = Deliveries()
    settings = Settings()

    def _run(self, use_case, command: dict, **extras):
        """One use case in one unit of work, at the service's time."""
        with self.db.transaction() as uow:
            return use_case(command, uow=uow, now=self.clock(), **extras)

    @json_http("GET", "/openapi.json", public=True)
    def openapi(self, request):
        return 200, api.openapi()

    @json_http("GET", "/event-types")
    def list_event_types(self, request):
        return self._run(usecases.list_event_types, {})

    # -- subscriptions ----------------------------------------------------------

    @json_http("POST", "/subscriptions", idempotent=True)
    def create_subscription(self, request):
        form = schemas.SUBSCRIPTION_FORM.load(read_json(request))
        # DNS before the transaction, not inside it
        view = self._run(
            usecases.create_subscription, form, settings=self.settings.resolved_for(form["url"])
        )
        self.log.info(
            "subscription.created",
            subscription_id=view["id"],
            name=view["name"],
            event_types=view["event_types"],
        )
        return 201, view

    @json_http("GET", "/subscriptions")
    def list_subscriptions(self, request):
        query = schemas.SUBSCRIPTION_LIST_QUERY.load(request.args.to_dict())
        return self._run(usecases.list_subscriptions, {"all": query["all"] == "true"})

    @json_http("GET", "/subscriptions/<string:subscription_id>")
    def get_subscription(self, request, subscription_id):
        return self._run(usecases.get_subscription, {"subscription_id": subscription_id})

    @json_http("DELETE", "/subscriptions/<string:subscription_id>")
    def remove_subscription(self, request, subscription_id):
        view = self._run(usecases.remove_subscription, {"subscription_id": subscription_id})
        self.log.info("subscription.removed", subscription_id=subscription_id)
        self.sender.wake()  # its pending deliveries are parked
        return view

    # -- deliveries (ops) -------------------------------------------------------------

    @json_http("GET", "/deliveries")
    def list_deliveries(self, request):
        return self._run(
            usecases.list_deliveries, schemas.DELIVERY_QUERY.load(request.args.to_dict())
        )

    @json_http("GET", "/deliveries/<string:delivery_id>")
    def get_delivery(self, request, delivery_id):
        return self._run(usecases.get_delivery, {"delivery_id": delivery_id})

    @json_http("POST", "/deliveries/<string:delivery_id>/replay")
    def replay_delivery(self, request, delivery_id):
        view = self._run(usecases.replay_delivery, {"delivery_id": delivery_id})
        self.log.info("delivery.replayed", delivery_id=delivery_id)
        self.sender.wake()
        return 202, view

    health = health_endpoint()
    docs = docs_endpoints()
