"""matching's nameko entrypoints: intake's events (derived from
`inbound.CONSUMES`) and staff's HTTP API. Each parses, calls a use case and
answers; domain errors become answers through `exceptions.ERRORS`. Solves
are jobs that a replica's runner works through (dependencies.JobRunner):
`POST /schedule` answers 202 with the job, or waits for it with `?wait=true`."""

from __future__ import annotations

import time

import eventlet
from werkzeug.wrappers import Response

from rueda_backbone import BadRequest, Clock, Database, LoggingContext, event_handlers, json_http
from rueda_backbone.docs import docs_endpoints
from rueda_backbone.health import health_endpoint
from rueda_backbone.web import read_json

from . import api, exceptions, inbound, schemas, usecases
from .dependencies import Planning

SCHEDULE_STATES = ("latest", "published")
# how often `POST /schedule?wait=true` looks at its job
WAIT_POLL_SECONDS = 0.25


def _optional_body(request) -> dict:
    return read_json(request) if request.get_data() else {}


def _flag_argument(request, name: str) -> bool:
    value = request.args.get(name, "false").lower()
    if value not in ("true", "false", "1", "0"):
        raise BadRequest(
            f"{name} must be true or false", [{"path": name, "message": "must be true or false"}]
        )
    return value in ("true", "1")


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

    @json_http("POST", "/workshops/<string:workshop_id>/schedule", idempotent=True)
    def compute_schedule(self, request, workshop_id):
        wait = _flag_argument(request, "wait")
        body = schemas.SCHEDULE_REQUEST.load(_optional_body(request))
        settings = self.planning.settings
        time_limit = min(body.get("time_limit", settings.time_limit), settings.max_time_limit)
        with self.db.transaction() as uow:
            job = usecases.request_solve(
                {"workshop_id": workshop_id, "time_limit": time_limit, "pins": body["pins"]},
                uow=uow,
                now=self.clock(),
            )
        self.planning.wake_runner()
        if not wait:
            return 202, job
        # for scripts: the answer of the old synchronous API, once the job ends
        # (whichever replica runs it); 202 with the job if it takes too long
        deadline = time.monotonic() + time_limit * 3 + 120
        while job["state"] in ("queued", "running") and time.monotonic() < deadline:
            eventlet.sleep(WAIT_POLL_SECONDS)
            with self.db.transaction() as uow:
                job = usecases.show_job(
                    {"workshop_id": workshop_id, "job_id": job["job_id"]}, uow=uow, now=self.clock()
                )
        if job["state"] in ("queued", "running"):
            return 202, job
        with self.db.transaction() as uow:
            return 201, usecases.job_outcome(job, uow=uow, now=self.clock())

    @json_http("GET", "/workshops/<string:workshop_id>/schedule/jobs")
    def list_jobs(self, request, workshop_id):
        with self.db.transaction() as uow:
            return 200, usecases.list_jobs({"workshop_id": workshop_id}, uow=uow, now=self.clock())

    @json_http("GET", "/workshops/<string:workshop_id>/schedule/jobs/<string:job_id>")
    def get_job(self, request, workshop_id, job_id):
        with self.db.transaction() as uow:
            return 200, usecases.show_job(
                {"workshop_id": workshop_id, "job_id": job_id}, uow=uow, now=self.clock()
            )

    @json_http("DELETE", "/workshops/<string:workshop_id>/schedule/jobs/<string:job_id>")
    def delete_job(self, request, workshop_id, job_id):
        return self._cancel(workshop_id, job_id)

    @json_http("POST", "/workshops/<string:workshop_id>/schedule/jobs/<string:job_id>/cancel")
    def cancel_job(self, request, workshop_id, job_id):
        return self._cancel(workshop_id, job_id)

    def _cancel(self, workshop_id, job_id):
        with self.db.transaction() as uow:
            job = usecases.cancel_job(
                {"workshop_id": workshop_id, "job_id": job_id}, uow=uow, now=self.clock()
            )
        # 202: a running job stops once its replica sees the request
        return (200 if job["state"] == "cancelled" else 202), job

    @json_http("GET", "/workshops/<string:workshop_id>/fairness")
    def get_fairness(self, request, workshop_id):
        with self.db.transaction() as uow:
            return 200, usecases.show_fairness(
                {"workshop_id": workshop_id}, uow=uow, now=self.clock()
            )

    @json_http("PUT", "/workshops/<string:workshop_id>/fairness")
    def set_fairness(self, request, workshop_id):
        form = schemas.FAIRNESS_FORM.load(read_json(request))
        with self.db.transaction() as uow:
            return 200, usecases.set_fairness(
                {**form, "workshop_id": workshop_id}, uow=uow, now=self.clock()
            )

    @json_http("GET", "/workshops/<string:workshop_id>/replanning")
    def get_replanning(self, request, workshop_id):
        with self.db.transaction() as uow:
            return 200, usecases.show_replanning(
                {"workshop_id": workshop_id},
                uow=uow,
                now=self.clock(),
                default=self.planning.settings.autopublish,
            )

    @json_http("PUT", "/workshops/<string:workshop_id>/replanning")
    def set_replanning(self, request, workshop_id):
        form = schemas.REPLANNING_FORM.load(read_json(request))
        with self.db.transaction() as uow:
            return 200, usecases.set_replanning(
                {**form, "workshop_id": workshop_id},
                uow=uow,
                now=self.clock(),
                default=self.planning.settings.autopublish,
            )

    @json_http("GET", "/workshops/<string:workshop_id>/schedule")
    def get_schedule(self, request, workshop_id):
        state = request.args.get("state", "latest")
        if state not in SCHEDULE_STATES:
            raise BadRequest(
                "state must be latest or published",
                [{"path": "state", "message": "must be latest or published"}],
            )
        revision = request.args.get("revision")
        if revision is not None and not (revision.isdigit() and 0 < int(revision) < 10**6):
            raise BadRequest(
                "revision must be a published revision number",
                [{"path": "revision", "message": "must be 1, 2, ..."}],
            )
        with self.db.transaction() as uow:
            return 200, usecases.show_schedule(
                {
                    "workshop_id": workshop_id,
                    "state": state,
                    "revision": int(revision) if revision else None,
                },
                uow=uow,
                now=self.clock(),
            )

    @json_http(
        "POST",
        "/workshops/<string:workshop_id>/schedule/publish",
        scope="matching:schedules:publish",
    )
    def publish_schedule(self, request, workshop_id):
        body = schemas.PUBLISH_REQUEST.load(_optional_body(request))
        with self.db.transaction() as uow:
            payload = usecases.publish_schedule(
                {**body, "workshop_id": workshop_id}, uow=uow, now=self.clock()
            )
        return 201, payload

    @json_http("GET", "/workshops/<string:workshop_id>/pins")
    def list_pins(self, request, workshop_id):
        with self.db.transaction() as uow:
            return 200, usecases.list_pins({"workshop_id": workshop_id}, uow=uow, now=self.clock())

    @json_http("PUT", "/workshops/<string:workshop_id>/pins/<string:program_id>")
    def pin_program(self, request, workshop_id, program_id):
        form = schemas.PIN_FORM.load(read_json(request))
        with self.db.transaction() as uow:
            return 200, usecases.pin_program(
                {**form, "workshop_id": workshop_id, "program_id": program_id},
                uow=uow,
                now=self.clock(),
            )

    @json_http("DELETE", "/workshops/<string:workshop_id>/pins/<string:program_id>")
    def unpin_program(self, request, workshop_id, program_id):
        with self.db.transaction() as uow:
            usecases.unpin_program(
                {"workshop_id": workshop_id, "program_id": program_id}, uow=uow, now=self.clock()
            )
        return Response(status=204)

    health = health_endpoint()
    docs = docs_endpoints()
