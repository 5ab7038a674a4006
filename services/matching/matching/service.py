"""matching's nameko entrypoints."""
from __future__ import annotations

from rueda_backbone import ApiError, Database, LoggingContext, NotFound, event_handler, json_http
from rueda_backbone.health import health_endpoint
from rueda_backbone.web import read_json
from werkzeug.wrappers import Response

from . import api, inbound, planning, schemas, usecases
from .dependencies import Planning


class MatchingService:
    name = "matching"

    db = Database()
    log = LoggingContext()
    planning = Planning()

    # -- intake's events: the read model --------------------------------------------

    @event_handler("intake", "workshop_published")
    def handle_workshop_published(self, event):
        payload = inbound.WorkshopPublished().load(event.payload)
        with self.db.transaction() as uow:
            usecases.record_workshop(payload, uow=uow, now=self.planning.clock())

    @event_handler("intake", "delegation_registered")
    def handle_delegation_registered(self, event):
        payload = inbound.DelegationRegistered().load(event.payload)
        with self.db.transaction() as uow:
            usecases.record_delegation(payload, uow=uow, now=self.planning.clock())

    @event_handler("intake", "delegation_withdrawn")
    def handle_delegation_withdrawn(self, event):
        payload = inbound.DelegationWithdrawn().load(event.payload)
        with self.db.transaction() as uow:
            usecases.withdraw_delegation(payload, uow=uow, now=self.planning.clock())
        self.planning.wake()

    @event_handler("intake", "program_submitted")
    def handle_program_submitted(self, event):
        payload = inbound.ProgramSubmitted().load(event.payload)
        with self.db.transaction() as uow:
            usecases.record_program(payload, uow=uow)
        self.log.info("program.recorded", program_id=payload["program_id"])

    @event_handler("intake", "program_withdrawn")
    def handle_program_withdrawn(self, event):
        payload = inbound.ProgramWithdrawn().load(event.payload)
        with self.db.transaction() as uow:
            usecases.withdraw_program(payload, uow=uow, now=self.planning.clock())
        self.planning.wake()

    @event_handler("intake", "program_reviewed")
    def handle_program_reviewed(self, event):
        payload = inbound.ProgramReviewed().load(event.payload)
        with self.db.transaction() as uow:
            usecases.review_program(payload, uow=uow, now=self.planning.clock())

    @event_handler("intake", "interest_submitted")
    def handle_interest_submitted(self, event):
        payload = inbound.InterestSubmitted().load(event.payload)
        with self.db.transaction() as uow:
            usecases.record_interest(payload, uow=uow)

    @event_handler("intake", "interest_withdrawn")
    def handle_interest_withdrawn(self, event):
        payload = inbound.InterestWithdrawn().load(event.payload)
        with self.db.transaction() as uow:
            usecases.withdraw_interest(payload, uow=uow, now=self.planning.clock())
        self.planning.wake()

    # -- the contract -----------------------------------------------------------------

    @json_http("GET", "/openapi.json", public=True)
    def openapi(self, request):
        return 200, api.openapi()

    # -- staff: schedules and pins ---------------------------------------------------

    @json_http("POST", "/workshops/<string:workshop_id>/schedule")
    def compute_schedule(self, request, workshop_id):
        body = schemas.ScheduleRequest().load(read_json(request) if request.get_data() else {})
        settings = self.planning.settings
        time_limit = min(body.get("time_limit", settings.time_limit), settings.max_time_limit)
        try:
            view = planning.compute(self.db.transaction, workshop_id, trigger="staff",
                                    time_limit=time_limit, now=self.planning.clock,
                                    extra_pins=body["pins"])
        except planning.PlanRefused as exc:
            raise ApiError(409, "pins_conflict", "the solver refused the pins",
                           [{"path": "pins", "message": problem} for problem in exc.problems])
        return 201, view

    @json_http("GET", "/workshops/<string:workshop_id>/schedule")
    def get_schedule(self, request, workshop_id):
        which = request.args.get("state", "latest")
        if which not in ("latest", "published"):
            raise ApiError(400, "invalid", "state must be latest or published",
                           [{"path": "state", "message": "must be latest or published"}])
        with self.db.transaction() as uow:
            published = usecases.latest_published(uow, workshop_id)
            schedule = published if which == "published" else usecases.latest_computed(
                uow, workshop_id)
            if schedule is None:
                raise NotFound(f"workshop {workshop_id!r} has no schedule yet")
            return 200, usecases.schedule_view(schedule, published=published)

    @json_http("POST", "/workshops/<string:workshop_id>/schedule/publish")
    def publish_schedule(self, request, workshop_id):
        body = schemas.PublishRequest().load(read_json(request) if request.get_data() else {})
        with self.db.transaction() as uow:
            payload = usecases.publish_schedule(uow, workshop_id, now=self.planning.clock(),
                                                schedule_id=body["schedule_id"])
        return 201, payload

    @json_http("GET", "/workshops/<string:workshop_id>/pins")
    def list_pins(self, request, workshop_id):
        with self.db.transaction() as uow:
            return 200, {"pins": usecases.list_pins(uow, workshop_id)}

    @json_http("PUT", "/workshops/<string:workshop_id>/pins/<string:program_id>")
    def pin_program(self, request, workshop_id, program_id):
        body = schemas.PinForm().load(read_json(request))
        with self.db.transaction() as uow:
            pin = usecases.pin_program(uow, workshop_id, program_id, session=body["session"],
                                       table=body["table"], now=self.planning.clock())
            return 200, usecases.pin_view(pin)

    @json_http("DELETE", "/workshops/<string:workshop_id>/pins/<string:program_id>")
    def unpin_program(self, request, workshop_id, program_id):
        with self.db.transaction() as uow:
            usecases.unpin_program(uow, workshop_id, program_id)
        return Response(status=204)

    health = health_endpoint()
