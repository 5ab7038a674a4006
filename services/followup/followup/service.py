"""followup's nameko entrypoints: parse, call a use case, answer.

Events are handled by the entrypoints `inbound.CONSUMES` declares; this
class holds the HTTP ones. Domain errors become answers (and parked
reasons) through `exceptions.ERRORS`."""

from __future__ import annotations

from werkzeug.wrappers import Response

from rueda_backbone import Clock, Database, LoggingContext, event_handlers, json_http, read_json
from rueda_backbone.docs import docs_endpoints
from rueda_backbone.health import health_endpoint

from . import api, domain, exceptions, inbound, labels, reports, schemas, usecases
from .dependencies import FollowUpScheduler, Settings
from .exceptions import BadParameter

CHART_TYPES = {"png": "image/png", "svg": "image/svg+xml"}


def _flag(request, name: str) -> bool | None:
    value = request.args.get(name)
    if value is None:
        return None
    if value not in ("true", "false"):
        raise BadParameter(name, "use true or false")
    return value == "true"


def _states(request) -> list[str]:
    states = [s for s in request.args.get("state", "").split(",") if s]
    unknown = [s for s in states if s not in domain.STATES]
    if unknown:
        raise BadParameter(
            "state", f"unknown state {unknown[0]!r}; one of {', '.join(domain.STATES)}"
        )
    return states


def _language(request, default: str | None = labels.DEFAULT_LANGUAGE) -> str | None:
    """`?lang=`: the language reports and charts are labelled in. Without it
    a JSON report keeps its codes (what programs read); a CSV and a chart are
    in English."""
    value = request.args.get("lang")
    if value is None:
        return default
    if value not in labels.LANGUAGES:
        raise BadParameter("lang", f"one of {', '.join(labels.LANGUAGES)}")
    return value


@event_handlers(inbound.CONSUMES)
class FollowupService:
    name = "followup"
    errors = exceptions.ERRORS

    db = Database()
    log = LoggingContext()
    clock = Clock()
    docs = docs_endpoints()
    scheduler = FollowUpScheduler()
    settings = Settings()

    def _run(self, use_case, command: dict):
        """One use case in one unit of work, at the service's time."""
        with self.db.transaction() as uow:
            return use_case(command, uow=uow, now=self.clock())

    def _form(self, request, schema, **ids) -> dict:
        """The command of a request: the path's ids and the validated body."""
        return {**ids, **schema().load(read_json(request))}

    # -- the contract -----------------------------------------------------------------

    @json_http("GET", "/openapi.json", public=True)
    def openapi(self, request):
        return 200, api.openapi()

    # -- activities --------------------------------------------------------------

    @json_http("GET", "/activities")
    def list_activities(self, request):
        return self._run(
            usecases.list_activities,
            {
                "workshop_id": request.args.get("workshop_id"),
                "states": _states(request),
                "owner_staff_id": request.args.get("owner_staff_id"),
                "delegation_id": request.args.get("delegation_id"),
                "overdue": _flag(request, "overdue"),
            },
        )

    @json_http("POST", "/activities")
    def create_activity(self, request):
        view = self._run(usecases.create_activity, self._form(request, schemas.ActivityForm))
        self.log.info("activity.created", activity_id=view["id"])
        return 201, view

    @json_http("GET", "/activities/<string:activity_id>")
    def get_activity(self, request, activity_id):
        return self._run(usecases.get_activity, {"activity_id": activity_id})

    @json_http("POST", "/activities/<string:activity_id>/transitions")
    def transition(self, request, activity_id):
        view = self._run(
            usecases.transition,
            self._form(request, schemas.TransitionForm, activity_id=activity_id),
        )
        self.log.info("activity.transitioned", activity_id=activity_id, state=view["state"])
        return view

    @json_http("POST", "/activities/<string:activity_id>/owner")
    def assign_owner(self, request, activity_id):
        return self._run(
            usecases.assign_owner, self._form(request, schemas.OwnerForm, activity_id=activity_id)
        )

    @json_http("POST", "/activities/<string:activity_id>/follow-up")
    def set_follow_up(self, request, activity_id):
        view = self._run(
            usecases.set_follow_up,
            self._form(request, schemas.FollowUpForm, activity_id=activity_id),
        )
        self.scheduler.wake()
        return view

    @json_http("POST", "/activities/<string:activity_id>/supplying")
    def resolve_supplying(self, request, activity_id):
        return self._run(
            usecases.resolve_supplying,
            self._form(request, schemas.SupplyingForm, activity_id=activity_id),
        )

    @json_http("POST", "/activities/<string:activity_id>/updates")
    def post_update(self, request, activity_id):
        return 201, self._run(
            usecases.post_update,
            self._form(request, schemas.CounterpartUpdateForm, activity_id=activity_id),
        )

    @json_http("PUT", "/activities/<string:activity_id>/scores")
    def score_activity(self, request, activity_id):
        return self._run(
            usecases.score_activity,
            self._form(request, schemas.ScoresForm, activity_id=activity_id),
        )

    # -- workshop settings, selection -------------------------------------------

    @json_http("GET", "/workshops/<string:workshop_id>/follow-up-settings")
    def get_follow_up_settings(self, request, workshop_id):
        return self._run(usecases.get_follow_up_settings, {"workshop_id": workshop_id})

    @json_http("PUT", "/workshops/<string:workshop_id>/follow-up-settings")
    def set_follow_up_settings(self, request, workshop_id):
        return self._run(
            usecases.set_follow_up_settings,
            self._form(request, schemas.FollowUpSettingsForm, workshop_id=workshop_id),
        )

    @json_http("GET", "/workshops/<string:workshop_id>/criteria")
    def get_criteria(self, request, workshop_id):
        return self._run(usecases.get_criteria, {"workshop_id": workshop_id})

    @json_http("PUT", "/workshops/<string:workshop_id>/criteria")
    def set_criteria(self, request, workshop_id):
        return self._run(
            usecases.set_criteria,
            self._form(request, schemas.CriteriaForm, workshop_id=workshop_id),
        )

    @json_http("POST", "/workshops/<string:workshop_id>/selections")
    def propose_selection(self, request, workshop_id):
        return 201, self._run(
            usecases.propose_selection,
            self._form(request, schemas.SelectionForm, workshop_id=workshop_id),
        )

    @json_http("GET", "/selections/<string:selection_id>")
    def get_selection(self, request, selection_id):
        return self._run(usecases.get_selection, {"selection_id": selection_id})

    @json_http(
        "POST", "/selections/<string:selection_id>/confirm", scope="followup:funding:confirm"
    )
    def confirm_selection(self, request, selection_id):
        view = self._run(
            usecases.confirm_selection,
            self._form(request, schemas.ConfirmForm, selection_id=selection_id),
        )
        self.log.info("selection.confirmed", selection_id=selection_id)
        return view

    # -- reports and charts ------------------------------------------------------------

    @json_http("GET", "/workshops/<string:workshop_id>/reports/<string:name>")
    def get_report(self, request, workshop_id, name):
        name, _, extension = name.partition(".")
        requested = request.args.get("format")
        # a `format` sent is checked even when the name's extension decides
        if requested is not None and requested not in ("json", "csv"):
            raise BadParameter("format", "json or csv")
        fmt = extension or requested or "json"
        if name in reports.REPORTS and fmt not in ("json", "csv"):
            raise BadParameter("format", "json or csv")
        answer = self._run(
            usecases.get_report,
            {
                "workshop_id": workshop_id,
                "report": name,
                # a CSV is opened by people, JSON read by programs
                "lang": _language(
                    request, default=(labels.DEFAULT_LANGUAGE if fmt == "csv" else None)
                ),
            },
        )
        if fmt == "csv":
            return Response(
                reports.to_csv(answer["rows"]),
                content_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
            )
        return answer

    @json_http("GET", "/workshops/<string:workshop_id>/reports/iati.xml")
    def get_iati(self, request, workshop_id):
        with self.db.transaction() as uow:
            body = usecases.get_iati(
                {"workshop_id": workshop_id}, uow=uow, now=self.clock(), settings=self.settings
            )
        return Response(
            body,
            content_type="application/xml; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{workshop_id}-iati.xml"'},
        )

    @json_http("GET", "/workshops/<string:workshop_id>/charts/<string:filename>")
    def get_chart(self, request, workshop_id, filename):
        name, _, fmt = filename.partition(".")
        body = self._run(
            usecases.get_chart,
            {"workshop_id": workshop_id, "chart": name, "format": fmt, "lang": _language(request)},
        )
        return Response(body, mimetype=CHART_TYPES[fmt])

    health = health_endpoint()
