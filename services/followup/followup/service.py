"""followup's nameko entrypoints: parse, call a use case, answer."""
from __future__ import annotations

from rueda_backbone import Database, LoggingContext, event_handler, json_http, read_json
from rueda_backbone.health import health_endpoint
from rueda_backbone.web import ApiError
from werkzeug.wrappers import Response

from . import api, domain, inbound, reports, schemas, usecases
from .dependencies import Clock, FollowUpScheduler
from .models import FundingSelection, Workshop

CHART_TYPES = {"png": "image/png", "svg": "image/svg+xml"}


def _actor(request, form: dict | None = None) -> usecases.Actor:
    client = request.environ.get("rueda.client", "anonymous")
    return usecases.Actor((form or {}).get("by") or client,
                          f"http:{client}@{request.remote_addr or '-'}")


def _flag(request, name: str) -> bool | None:
    value = request.args.get(name)
    if value is None:
        return None
    if value not in ("true", "false"):
        raise usecases.invalid(name, "use true or false", 400)
    return value == "true"


class FollowupService:
    name = "followup"

    db = Database()
    log = LoggingContext()
    now = Clock()
    scheduler = FollowUpScheduler()

    # -- what intake and matching tell us -------------------------------------

    @event_handler("intake", "workshop_published")
    def handle_workshop_published(self, event):
        payload = inbound.read(event)
        with self.db.transaction() as uow:
            usecases.record_workshop(payload, uow=uow)

    @event_handler("intake", "delegation_registered")
    def handle_delegation_registered(self, event):
        payload = inbound.read(event)
        with self.db.transaction() as uow:
            usecases.record_delegation(payload, uow=uow)
        self.log.info("delegation.recorded", delegation_id=payload["delegation_id"])

    @event_handler("intake", "delegation_withdrawn")
    def handle_delegation_withdrawn(self, event):
        payload = inbound.read(event)
        with self.db.transaction() as uow:
            usecases.withdraw_delegation(payload, uow=uow)

    @event_handler("intake", "program_submitted")
    def handle_program_submitted(self, event):
        payload = inbound.read(event)
        with self.db.transaction() as uow:
            usecases.record_program(payload, uow=uow)

    @event_handler("intake", "staff_member_registered")
    def handle_staff_member_registered(self, event):
        payload = inbound.read(event)
        with self.db.transaction() as uow:
            usecases.record_staff_member(payload, uow=uow)

    @event_handler("intake", "expression_of_interest_submitted")
    def handle_expression_of_interest_submitted(self, event):
        payload = inbound.read(event)
        with self.db.transaction() as uow:
            activity = usecases.record_expression(payload, uow=uow, now=self.now())
            activity_id = activity.id if activity else None
        self.log.info("expression.recorded", expression_id=payload["expression_id"],
                      activity_id=activity_id)

    @event_handler("intake", "expression_of_interest_withdrawn")
    def handle_expression_of_interest_withdrawn(self, event):
        payload = inbound.read(event)
        with self.db.transaction() as uow:
            usecases.withdraw_expression(payload, uow=uow, now=self.now())

    @event_handler("matching", "schedule_published")
    def handle_schedule_published(self, event):
        payload = inbound.read(event)
        with self.db.transaction() as uow:
            usecases.record_schedule(payload, uow=uow)

    # -- what the counterparts send through other systems ------------------------

    @event_handler(inbound.PORTAL, "activity_update_submitted")
    def handle_activity_update_submitted(self, event):
        form = inbound.read(event)
        activity_id = form.pop("activity_id")
        actor = usecases.Actor(form["delegation_id"],
                               f"event:{inbound.PORTAL}/activity_update_submitted")
        try:
            with self.db.transaction() as uow:
                usecases.post_update(activity_id, form, uow=uow, actor=actor, now=self.now())
        except ApiError as exc:
            # refused as the HTTP API would refuse it; parked with the field at fault
            raise usecases.refusal(exc) from None
        self.log.info("update.accepted", activity_id=activity_id, update_id=form["update_id"])

    # -- the contract -----------------------------------------------------------------

    @json_http("GET", "/openapi.json", public=True)
    def openapi(self, request):
        return 200, api.openapi()

    # -- activities --------------------------------------------------------------

    @json_http("GET", "/activities")
    def list_activities(self, request):
        states = [s for s in request.args.get("state", "").split(",") if s]
        unknown = [s for s in states if s not in domain.STATES]
        if unknown:
            raise usecases.invalid("state", f"unknown state {unknown[0]!r}; one of "
                                   f"{', '.join(domain.STATES)}", 400)
        overdue = _flag(request, "overdue")
        with self.db.transaction() as uow:
            return {"activities": usecases.list_activities(
                uow.session, now=self.now(), workshop_id=request.args.get("workshop_id"),
                states=states, owner_staff_id=request.args.get("owner_staff_id"),
                delegation_id=request.args.get("delegation_id"), overdue=overdue)}

    @json_http("POST", "/activities")
    def create_activity(self, request):
        form = schemas.ActivityForm().load(read_json(request))
        with self.db.transaction() as uow:
            activity = usecases.create_activity(form, uow=uow, actor=_actor(request, form),
                                                now=self.now())
            view = usecases.describe(uow.session, activity, self.now(), with_trail=True)
        self.log.info("activity.created", activity_id=view["id"])
        return 201, view

    @json_http("GET", "/activities/<string:activity_id>")
    def get_activity(self, request, activity_id):
        with self.db.transaction() as uow:
            activity = usecases.get_activity(uow.session, activity_id)
            return usecases.describe(uow.session, activity, self.now(), with_trail=True)

    def _change(self, request, activity_id, form_schema, use_case):
        form = form_schema().load(read_json(request))
        now = self.now()
        with self.db.transaction() as uow:
            activity = use_case(activity_id, form, uow=uow, actor=_actor(request, form), now=now)
            return usecases.describe(uow.session, activity, now, with_trail=True)

    @json_http("POST", "/activities/<string:activity_id>/transitions")
    def transition(self, request, activity_id):
        view = self._change(request, activity_id, schemas.TransitionForm, usecases.transition)
        self.log.info("activity.transitioned", activity_id=activity_id, state=view["state"])
        return view

    @json_http("POST", "/activities/<string:activity_id>/owner")
    def assign_owner(self, request, activity_id):
        return self._change(request, activity_id, schemas.OwnerForm, usecases.assign_owner)

    @json_http("POST", "/activities/<string:activity_id>/follow-up")
    def set_follow_up(self, request, activity_id):
        view = self._change(request, activity_id, schemas.FollowUpForm, usecases.set_follow_up)
        self.scheduler.wake()
        return view

    @json_http("POST", "/activities/<string:activity_id>/supplying")
    def resolve_supplying(self, request, activity_id):
        return self._change(request, activity_id, schemas.SupplyingForm,
                            usecases.resolve_supplying)

    @json_http("POST", "/activities/<string:activity_id>/updates")
    def post_update(self, request, activity_id):
        return 201, self._change(request, activity_id, schemas.CounterpartUpdateForm,
                                 usecases.post_update)

    @json_http("PUT", "/activities/<string:activity_id>/scores")
    def score_activity(self, request, activity_id):
        form = schemas.ScoresForm().load(read_json(request))
        with self.db.transaction() as uow:
            return usecases.score_activity(activity_id, form, uow=uow,
                                           actor=_actor(request, form), now=self.now())

    # -- workshop settings, selection -------------------------------------------

    @json_http("GET", "/workshops/<string:workshop_id>/follow-up-settings")
    def get_follow_up_settings(self, request, workshop_id):
        with self.db.transaction() as uow:
            workshop = uow.session.get(Workshop, workshop_id) or Workshop(id=workshop_id)
            return usecases.follow_up_settings(workshop)

    @json_http("PUT", "/workshops/<string:workshop_id>/follow-up-settings")
    def set_follow_up_settings(self, request, workshop_id):
        form = schemas.FollowUpSettingsForm().load(read_json(request))
        with self.db.transaction() as uow:
            return usecases.follow_up_settings(
                usecases.set_follow_up_settings(workshop_id, form, uow=uow))

    @json_http("GET", "/workshops/<string:workshop_id>/criteria")
    def get_criteria(self, request, workshop_id):
        with self.db.transaction() as uow:
            return {"criteria": [{"key": c.key, "label": c.label, "weight": c.weight}
                                 for c in usecases.criteria_of(uow.session, workshop_id).values()]}

    @json_http("PUT", "/workshops/<string:workshop_id>/criteria")
    def set_criteria(self, request, workshop_id):
        form = schemas.CriteriaForm().load(read_json(request))
        with self.db.transaction() as uow:
            return {"criteria": usecases.set_criteria(workshop_id, form, uow=uow)}

    @json_http("POST", "/workshops/<string:workshop_id>/selections")
    def propose_selection(self, request, workshop_id):
        form = schemas.SelectionForm().load(read_json(request))
        with self.db.transaction() as uow:
            selection = usecases.propose_selection(workshop_id, form, uow=uow,
                                                   actor=_actor(request, form), now=self.now())
            return 201, usecases.describe_selection(selection)

    @json_http("GET", "/selections/<string:selection_id>")
    def get_selection(self, request, selection_id):
        with self.db.transaction() as uow:
            selection = uow.session.get(FundingSelection, selection_id)
            if selection is None:
                raise ApiError(404, "not_found", f"no selection {selection_id}")
            return usecases.describe_selection(selection)

    @json_http("POST", "/selections/<string:selection_id>/confirm")
    def confirm_selection(self, request, selection_id):
        form = schemas.ConfirmForm().load(read_json(request))
        with self.db.transaction() as uow:
            selection = usecases.confirm_selection(selection_id, uow=uow,
                                                   actor=_actor(request, form), now=self.now())
            view = usecases.describe_selection(selection)
        self.log.info("selection.confirmed", selection_id=selection_id)
        return view

    # -- reports and charts ------------------------------------------------------------

    @json_http("GET", "/workshops/<string:workshop_id>/reports/<string:name>")
    def get_report(self, request, workshop_id, name):
        name, _, extension = name.partition(".")
        fmt = extension or request.args.get("format", "json")
        if name not in reports.REPORTS:
            raise ApiError(404, "not_found", f"no report {name!r}; one of "
                           f"{', '.join(reports.REPORTS)}")
        if fmt not in ("json", "csv"):
            raise usecases.invalid("format", "json or csv", 400)
        with self.db.transaction() as uow:
            rows = reports.build(uow.session, workshop_id, name, self.now())
        if fmt == "csv":
            return Response(reports.to_csv(rows), mimetype="text/csv", headers={
                "Content-Disposition": f'attachment; filename="{name}.csv"'})
        return {"workshop_id": workshop_id, "report": name, "rows": rows}

    @json_http("GET", "/workshops/<string:workshop_id>/charts/<string:filename>")
    def get_chart(self, request, workshop_id, filename):
        name, _, fmt = filename.partition(".")
        if name not in reports.CHARTS or fmt not in CHART_TYPES:
            raise ApiError(404, "not_found", f"no chart {filename!r}; charts are "
                           f"{', '.join(reports.CHARTS)} as .png or .svg")
        with self.db.transaction() as uow:
            rows = reports.build(uow.session, workshop_id, name, self.now())
        label = "topic" if name == "demand_by_topic" else "country"
        body = reports.bar_chart(rows, label_key=label, title=reports.CHARTS[name], fmt=fmt)
        return Response(body, mimetype=CHART_TYPES[fmt])

    health = health_endpoint()
