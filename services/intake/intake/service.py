"""intake's nameko entrypoints: parse, call a use case, answer.

Every HTTP entrypoint goes through `_answer`, which gives the same behaviour
everywhere: errors in the caller's language, Idempotency-Key replays, one
transaction per request. Forms published by other systems go through the same
use cases (`handle_*_form_submitted`).
"""
from __future__ import annotations

import re

from marshmallow import ValidationError
from rueda_backbone import (ApiError, Database, LoggingContext, PermanentFailure, event_handler,
                            json_http, read_json)
from rueda_backbone.envelope import flatten_errors
from rueda_backbone.health import health_endpoint
from sqlalchemy.exc import IntegrityError

from . import api, inbound, messages, schemas, usecases

FORM_PATHS = 'any(programs, interests, "expressions-of-interest")'
KIND_OF_PATH = {spec["path"]: kind for kind, spec in usecases.KINDS.items()}
IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")
MAX_BODY_BYTES = 256_000  # the longest form (a program profile) is well under 64 kB


def _translated(exc: Exception, language: str) -> ApiError:
    if isinstance(exc, ValidationError):
        fields = [{"path": path, "message": messages.translate(message, language)}
                  for path, message in flatten_errors(exc.messages)]
        return ApiError(422, "invalid", messages.translate("some fields are invalid", language),
                        fields)
    return ApiError(exc.status, exc.code, messages.translate(exc.message, language),
                    [{**f, "message": messages.translate(f["message"], language)}
                     for f in exc.fields])


def http(method, url, **kwargs):
    return json_http(method, url, max_body_bytes=MAX_BODY_BYTES, **kwargs)


class IntakeService:
    name = "intake"

    db = Database()
    log = LoggingContext()

    # -- the one way every request is answered -----------------------------------

    def _answer(self, request, work, *, status: int = 200, body_schema=None):
        """Run `work(uow, form)` in one transaction and answer `status, view`.

        With an Idempotency-Key, the first answer is stored in that same
        transaction and returned again for the same request, so a retry after
        a lost response does not submit twice."""
        language = messages.negotiate(request.headers.get("Accept-Language"))
        try:
            answer = self._answer_in(request, work, status, body_schema)
        except (ValidationError, ApiError) as exc:
            raise _translated(exc, language) from None
        if request.method != "GET":
            # ids and paths only: a form's contents may carry personal data
            self.log.info("request.done", method=request.method, path=request.path,
                          status=answer[0])
        return answer

    def _answer_in(self, request, work, status, body_schema):
        key = request.headers.get("Idempotency-Key")
        if key is not None and not IDEMPOTENCY_KEY.match(key):
            raise ApiError(400, "invalid_idempotency_key",
                           "Idempotency-Key must be 1-200 visible ASCII characters")
        form = body_schema.load(read_json(request)) if body_schema is not None else None
        if key is None or request.method == "GET":
            with self.db.transaction() as uow:
                return status, work(uow, form)
        client = request.environ.get("rueda.client", "")
        print_ = usecases.fingerprint(request.method, request.path, request.get_data())
        try:
            with self.db.transaction() as uow:
                remembered = usecases.remembered_response(client, key, print_, uow=uow)
                if remembered is not None:
                    return remembered
                view = work(uow, form)
                usecases.remember_response(client, key, print_, status, view, uow=uow)
                return status, view
        except IntegrityError:
            # the same key arrived twice at once; the other one won
            with self.db.transaction() as uow:
                remembered = usecases.remembered_response(client, key, print_, uow=uow)
            if remembered is None:
                raise
            return remembered

    # -- the contract ---------------------------------------------------------------

    @json_http("GET", "/openapi.json", public=True)
    def openapi(self, request):
        return 200, api.openapi()

    # -- workshops ---------------------------------------------------------------------

    @http("POST", "/workshops")
    def create_workshop(self, request):
        return self._answer(request, lambda uow, form: usecases.workshop_view(
            usecases.create_workshop(form, uow=uow)), status=201, body_schema=schemas.WorkshopForm())

    @http("GET", "/workshops/<string:workshop_id>")
    def get_workshop(self, request, workshop_id):
        return self._answer(request, lambda uow, _: usecases.workshop_view(
            usecases.get_workshop(workshop_id, uow=uow)))

    @http("PUT", "/workshops/<string:workshop_id>")
    def revise_workshop(self, request, workshop_id):
        return self._answer(request, lambda uow, form: usecases.workshop_view(
            usecases.revise_workshop(workshop_id, form, uow=uow)), body_schema=schemas.WorkshopForm())

    @http("POST", "/workshops/<string:workshop_id>/late-windows")
    def grant_late_window(self, request, workshop_id):
        return self._answer(request, lambda uow, form: usecases.workshop_view(
            usecases.grant_late_window(workshop_id, form, uow=uow)), status=201,
            body_schema=schemas.LateWindowForm())

    @http("GET", "/workshops/<string:workshop_id>/programs")
    def workshop_programs(self, request, workshop_id):
        return self._answer(request, lambda uow, _: usecases.workshop_programs(workshop_id, uow=uow))

    # -- staff --------------------------------------------------------------------------

    @http("POST", "/staff")
    def register_staff(self, request):
        return self._answer(request, lambda uow, form: schemas.StaffView().dump(
            usecases.register_staff(form, uow=uow)), status=201, body_schema=schemas.StaffForm())

    @http("PUT", "/staff/<string:staff_id>")
    def revise_staff(self, request, staff_id):
        return self._answer(request, lambda uow, form: schemas.StaffView().dump(
            usecases.revise_staff(staff_id, form, uow=uow)), body_schema=schemas.StaffForm())

    # -- delegations ------------------------------------------------------------------

    @http("POST", "/delegations")
    def register_delegation(self, request):
        return self._answer(request, lambda uow, form: usecases.delegation_view(
            usecases.register_delegation(form, uow=uow)), status=201,
            body_schema=schemas.DelegationRegistrationForm())

    @http("GET", "/delegations/<string:delegation_id>")
    def get_delegation(self, request, delegation_id):
        return self._answer(request, lambda uow, _: usecases.delegation_view(
            usecases.get_delegation(delegation_id, uow=uow)))

    @http("PUT", "/delegations/<string:delegation_id>")
    def revise_delegation(self, request, delegation_id):
        return self._answer(request, lambda uow, form: usecases.delegation_view(
            usecases.revise_delegation(delegation_id, form, uow=uow)),
            body_schema=schemas.DelegationRegistrationForm())

    @http("GET", "/delegations/<string:delegation_id>/versions")
    def delegation_versions(self, request, delegation_id):
        return self._answer(request, lambda uow, _: usecases.versions(
            delegation_id, "delegation", uow=uow))

    @http("POST", "/delegations/<string:delegation_id>/withdraw")
    def withdraw_delegation(self, request, delegation_id):
        return self._answer(request, lambda uow, _: usecases.delegation_view(
            usecases.withdraw_delegation(delegation_id, uow=uow)))

    @http("POST", "/delegates/<string:delegate_id>/erasure")
    def erase_delegate(self, request, delegate_id):
        return self._answer(request, lambda uow, _: schemas.ErasureView().dump(
            usecases.erase_delegate(delegate_id, uow=uow)))

    # -- program profiles, interest forms, expressions of interest -------------------------

    @http("POST", f"/<{FORM_PATHS}:path>")
    def submit_form(self, request, path):
        kind = KIND_OF_PATH[path]
        return self._answer(request, lambda uow, form: usecases.form_view(
            usecases.submit_form(kind, form, uow=uow)), status=201,
            body_schema=schemas.FORMS[kind]())

    @http("POST", f"/<{FORM_PATHS}:path>/drafts")
    def create_draft(self, request, path):
        kind = KIND_OF_PATH[path]

        def work(uow, _):
            return usecases.form_view(usecases.save_draft(kind, read_json(request), uow=uow))
        return self._answer(request, work, status=201)

    @http("GET", f"/<{FORM_PATHS}:path>/<string:form_id>")
    def get_form(self, request, path, form_id):
        return self._answer(request, lambda uow, _: usecases.form_view(
            usecases.get_form(KIND_OF_PATH[path], form_id, uow=uow)))

    @http("PUT", f"/<{FORM_PATHS}:path>/<string:form_id>")
    def revise_form(self, request, path, form_id):
        kind = KIND_OF_PATH[path]
        return self._answer(request, lambda uow, form: usecases.form_view(
            usecases.submit_form(kind, form, uow=uow, form_id=form_id, revise=True)),
            body_schema=schemas.FORMS[kind]())

    @http("PUT", f"/<{FORM_PATHS}:path>/<string:form_id>/draft")
    def save_draft(self, request, path, form_id):
        kind = KIND_OF_PATH[path]

        def work(uow, _):
            return usecases.form_view(usecases.save_draft(kind, read_json(request), uow=uow,
                                                          form_id=form_id))
        return self._answer(request, work)

    @http("POST", f"/<{FORM_PATHS}:path>/<string:form_id>/submit")
    def submit_draft(self, request, path, form_id):
        kind = KIND_OF_PATH[path]
        return self._answer(request, lambda uow, _: usecases.form_view(
            usecases.submit_form(kind, None, uow=uow, form_id=form_id, revise=True)))

    @http("POST", f"/<{FORM_PATHS}:path>/<string:form_id>/withdraw")
    def withdraw_form(self, request, path, form_id):
        return self._answer(request, lambda uow, _: usecases.form_view(
            usecases.withdraw_form(KIND_OF_PATH[path], form_id, uow=uow)))

    @http("GET", f"/<{FORM_PATHS}:path>/<string:form_id>/versions")
    def form_versions(self, request, path, form_id):
        return self._answer(request, lambda uow, _: usecases.versions(
            form_id, KIND_OF_PATH[path], uow=uow))

    @http("POST", "/programs/<string:program_id>/review")
    def review_program(self, request, program_id):
        return self._answer(request, lambda uow, form: usecases.form_view(
            usecases.review_program(program_id, form, uow=uow)), body_schema=schemas.ReviewForm())

    health = health_endpoint()

    # -- forms published as events by other systems -----------------------------------

    def _accept_published(self, event):
        kind, reader, id_field = inbound.FORM_EVENTS[event.event_type]
        form = reader().load(event.payload)
        sender_id = form.pop(id_field, None)
        try:
            with self.db.transaction() as uow:
                made = usecases.accept_published_form(kind, form, uow=uow, sender_id=sender_id)
        except ApiError as exc:
            # refused as the HTTP API would refuse it: park it with the reason
            details = "; ".join(f"{f['path']}: {f['message']}" for f in exc.fields)
            raise PermanentFailure(f"{exc.code}: {exc.message}" + (f" ({details})" if details else "")) \
                from None
        self.log.info("form.accepted_from_event", kind=kind, id=made.id)

    @event_handler(inbound.EXCHANGE_PRODUCER, "delegation_form_submitted")
    def handle_delegation_form_submitted(self, event):
        self._accept_published(event)

    @event_handler(inbound.EXCHANGE_PRODUCER, "program_form_submitted")
    def handle_program_form_submitted(self, event):
        self._accept_published(event)

    @event_handler(inbound.EXCHANGE_PRODUCER, "interest_form_submitted")
    def handle_interest_form_submitted(self, event):
        self._accept_published(event)

    @event_handler(inbound.EXCHANGE_PRODUCER, "expression_of_interest_form_submitted")
    def handle_expression_of_interest_form_submitted(self, event):
        self._accept_published(event)
