"""notify's nameko entrypoints: thin. The events it consumes and the use case
each one runs are declared in inbound.py (the handlers are derived from that
table); the rules are in usecases/."""

from __future__ import annotations

from werkzeug.wrappers import Response

from rueda_backbone import Clock, Database, LoggingContext, event_handlers, json_http
from rueda_backbone.apikeys import Principal
from rueda_backbone.docs import docs_endpoints
from rueda_backbone.health import health_endpoint
from rueda_backbone.web import ApiError, read_json

from . import api, exceptions, inbound, usecases
from .dependencies import Mailbox, Settings
from .schemas import ADDRESSES_SCOPE, RESEND_SCOPE, DeliveryQuery, OptOutsBody, ResendBody

# the pages' address is their credential: never cached by a shared cache nor
# sent on as a Referer; the page loads nothing from anywhere
PRIVATE = {
    "Cache-Control": "private, no-cache",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex",
    "X-Content-Type-Options": "nosniff",
}
PAGE_HEADERS = {
    **PRIVATE,
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'",
}


@event_handlers(inbound.CONSUMES)
class NotifyService:
    name = "notify"
    errors = exceptions.ERRORS

    db = Database()
    clock = Clock()
    log = LoggingContext()
    mailbox = Mailbox()
    settings = Settings()

    @json_http("GET", "/openapi.json", public=True)
    def openapi(self, request):
        return 200, api.openapi()

    @json_http("GET", "/deliveries")
    def list_deliveries(self, request):
        query = DeliveryQuery().load(request.args.to_dict())
        if query["show_addresses"] and not _allows(request, ADDRESSES_SCOPE):
            raise ApiError(
                403,
                "forbidden",
                f"this API key may not see addresses; ask for a "
                f"key with the scope {ADDRESSES_SCOPE!r}",
                [{"path": "show_addresses", "message": f"needs scope {ADDRESSES_SCOPE}"}],
            )
        with self.db.transaction() as uow:
            return 200, usecases.list_deliveries(query, uow=uow, now=self.clock())

    @json_http("POST", "/deliveries/<string:email_id>/resend", scope=RESEND_SCOPE)
    def resend_delivery(self, request, email_id):
        body = ResendBody().load(read_json(request) if request.get_data() else {})
        command = {
            **body,
            "email_id": email_id,
            "by": f"API client {request.environ.get('rueda.client') or 'unknown'}",
        }
        with self.db.transaction() as uow:
            answer = usecases.resend_delivery(command, uow=uow, now=self.clock())
        self.mailbox.wake()
        return 202, answer

    @json_http("GET", "/recipients/<string:recipient_id>/opt-outs")
    def get_opt_outs(self, request, recipient_id):
        with self.db.transaction() as uow:
            return 200, usecases.opt_outs({"recipient_id": recipient_id}, uow=uow, now=self.clock())

    @json_http("PUT", "/recipients/<string:recipient_id>/opt-outs")
    def put_opt_outs(self, request, recipient_id):
        body = OptOutsBody().load(read_json(request))
        with self.db.transaction() as uow:
            return 200, usecases.set_opt_outs(
                {"recipient_id": recipient_id, **body}, uow=uow, now=self.clock()
            )

    # each delegate's agenda page and live calendar feed: public, the
    # unguessable token in the path is the credential (see usecases/pages.py)
    @json_http("GET", "/agendas/<string:token>", public=True)
    def agenda_page(self, request, token):
        with self.db.transaction() as uow:
            html = usecases.agenda_page(
                {"token": token}, uow=uow, now=self.clock(), settings=self.settings
            )
        return Response(
            html, status=200, content_type="text/html; charset=utf-8", headers=PAGE_HEADERS
        )

    @json_http("GET", "/agendas/<string:token>/calendar.ics", public=True)
    def agenda_feed(self, request, token):
        with self.db.transaction() as uow:
            content = usecases.agenda_feed(
                {"token": token}, uow=uow, now=self.clock(), settings=self.settings
            )
        return Response(
            content,
            status=200,
            content_type="text/calendar; charset=utf-8",
            headers={**PRIVATE, "Content-Disposition": 'inline; filename="agenda.ics"'},
        )

    health = health_endpoint()
    docs = docs_endpoints()


def _allows(request, scope: str) -> bool:
    """Whether the request's API key holds `scope`."""
    granted = tuple(request.environ.get("rueda.scopes") or ())
    return Principal(client="", scopes=granted, key_prefix="").allows(scope)
