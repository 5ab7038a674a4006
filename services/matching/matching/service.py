"""matching's nameko entrypoints: intake's events (derived from
`inbound.CONSUMES`) and staff's HTTP API. Each parses, calls a use case and
answers; domain errors become answers through `exceptions.ERRORS`."""
from __future__ import annotations

from werkzeug.wrappers import Response

from rueda_backbone import BadRequest, Clock, Database, LoggingContext, event_handlers, json_http
from rueda_backbone.health import health_endpoint
from rueda_backbone.web import read_json

from . import api, exceptions, inbound, planning, schemas, usecases
from .dependencies import Planning

SCHEDULE_STATES = ("latest", "published")


def _optional_body(request) -> dict:
    return read_json(request) if request.get_data() else {}


@event_handlers(inbound.CONSUMES)
class MatchingService:
    name = "matching"
    errors = exceptions.ERRORS

    db = Database()
    clock = Clock()
    log = LoggingContext()
    planning = Planning()

    # -- the contract -----------------------------------------------------------------

    @json_http("GET", "/openapi.json", public=True)
    def openapi(self, request):
        return 200, api.openapi()

    # -- staff: schedules and pins ---------------------------------------------------

    @json_http("POST", "/workshops/<string:workshop_id>/schedule")
    def compute_schedule(self, request, workshop_id):
        body = schemas.SCHEDULE_REQUEST.load(_optional_body(request))
        settings = self.planning.settings
        time_limit = min(body.get("time_limit", settings.time_limit), settings.max_time_limit)
        # a solve spans two transactions with the solver between them
        view = planning.compute(
            {"workshop_id": workshop_id, "trigger": "staff", "time_limit": time_limit,
             "pins": body["pins"]},
            transaction=self.db.transaction, clock=self.clock)
        return 201, view

    @json_http("GET", "/workshops/<string:workshop_id>/schedule")
    def get_schedule(self, request, workshop_id):
        state = request.args.get("state", "latest")
        if state not in SCHEDULE_STATES:
            raise BadRequest("state must be latest or published",
                             [{"path": "state", "message": "must be latest or published"}])
        with self.db.transaction() as uow:
            return 200, usecases.show_schedule({"workshop_id": workshop_id, "state": state},
                                               uow=uow, now=self.clock())

    @json_http("POST", "/workshops/<string:workshop_id>/schedule/publish")
    def publish_schedule(self, request, workshop_id):
        body = schemas.PUBLISH_REQUEST.load(_optional_body(request))
        with self.db.transaction() as uow:
            payload = usecases.publish_schedule({**body, "workshop_id": workshop_id},
                                                uow=uow, now=self.clock())
        return 201, payload

    @json_http("GET", "/workshops/<string:workshop_id>/pins")
    def list_pins(self, request, workshop_id):
        with self.db.transaction() as uow:
            return 200, usecases.list_pins({"workshop_id": workshop_id}, uow=uow,
                                           now=self.clock())

    @json_http("PUT", "/workshops/<string:workshop_id>/pins/<string:program_id>")
    def pin_program(self, request, workshop_id, program_id):
        form = schemas.PIN_FORM.load(read_json(request))
        with self.db.transaction() as uow:
            return 200, usecases.pin_program(
                {**form, "workshop_id": workshop_id, "program_id": program_id},
                uow=uow, now=self.clock())

    @json_http("DELETE", "/workshops/<string:workshop_id>/pins/<string:program_id>")
    def unpin_program(self, request, workshop_id, program_id):
        with self.db.transaction() as uow:
            usecases.unpin_program({"workshop_id": workshop_id, "program_id": program_id},
                                   uow=uow, now=self.clock())
        return Response(status=204)

    health = health_endpoint()
