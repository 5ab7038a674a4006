"""intake's nameko entrypoints: parse, call a use case, answer.

Every HTTP entrypoint loads its body through its form, runs one use case in
one transaction (`_run`) and answers its view. The backbone's JSON HTTP layer
does the rest: domain errors become 4xx answers in the caller's language
(`exceptions.ERRORS`), and every POST/PUT accepts an Idempotency-Key
(`idempotent=True`). Forms published by other systems are consumed through
the table in `inbound.py` and go through the same use cases.
"""

from __future__ import annotations

from rueda_backbone import Clock, Database, LoggingContext, event_handlers, json_http, read_json
from rueda_backbone.docs import docs_endpoints
from rueda_backbone.health import health_endpoint

from . import api, exceptions, inbound, schemas, usecases, views
from .dependencies import RequestLog
from .schemas import listing as listing_schemas
from .usecases import listing

FORM_PATHS = 'any(programs, interests, "expressions-of-interest")'
KIND_OF_PATH = {spec["path"]: kind for kind, spec in usecases.KINDS.items()}
MAX_BODY_BYTES = 256_000  # the longest form (a program profile) is well under 64 kB
# a past workshop's records in one request: hundreds of forms
MAX_ARCHIVE_BYTES = 4_000_000

# built once: a schema's load keeps no state between calls
WORKSHOP_FORM = schemas.WorkshopForm()
LATE_WINDOW_FORM = schemas.LateWindowForm()
STAFF_FORM = schemas.StaffForm()
REGISTRATION_FORM = schemas.DelegationRegistrationForm()
REVIEW_FORM = schemas.ReviewForm()
REMINDER_FORM = schemas.ReminderForm()
ARCHIVE_IMPORT_FORM = schemas.ArchiveImportForm()
FORMS = {kind: form() for kind, form in schemas.FORMS.items()}
LISTING = {
    "workshops": listing_schemas.WorkshopQuery(),
    "staff": listing_schemas.StaffQuery(),
    "delegations": listing_schemas.DelegationQuery(),
    "forms": listing_schemas.WorkshopFormQuery(),
}


def http(method, url, **kwargs):
    kwargs.setdefault("max_body_bytes", MAX_BODY_BYTES)
    return json_http(method, url, **kwargs)


def change(method, url, **kwargs):
    """An endpoint that changes something: a retry with the same
    Idempotency-Key gets the first answer instead of doing it twice."""
    return http(method, url, idempotent=True, **kwargs)


@event_handlers(inbound.CONSUMES)
class IntakeService:
    name = "intake"
    errors = exceptions.ERRORS

    db = Database()
    clock = Clock()
    log = LoggingContext()
    request_log = RequestLog()

    def _run(self, use_case, command: dict, view, status: int = 200):
        """One use case in one transaction (the one that also claims the
        request's Idempotency-Key), answered with its view."""
        with self.db.transaction() as uow:
            return self.db.answer(status, view(use_case(command, uow=uow, now=self.clock())))

    # -- the contract ---------------------------------------------------------------

    @json_http("GET", "/openapi.json", public=True)
    def openapi(self, request):
        return 200, api.openapi()

    # -- workshops ---------------------------------------------------------------------

    @change("POST", "/workshops", scope="intake:workshops:write")
    def create_workshop(self, request):
        return self._run(
            usecases.create_workshop,
            WORKSHOP_FORM.load(read_json(request)),
            views.workshop_view,
            201,
        )

    @http("GET", "/workshops/<string:workshop_id>")
    def get_workshop(self, request, workshop_id):
        return self._run(usecases.get_workshop, {"workshop_id": workshop_id}, views.workshop_view)

    @change("PUT", "/workshops/<string:workshop_id>", scope="intake:workshops:write")
    def revise_workshop(self, request, workshop_id):
        return self._run(
            usecases.revise_workshop,
            {**WORKSHOP_FORM.load(read_json(request)), "workshop_id": workshop_id},
            views.workshop_view,
        )

    @change("POST", "/workshops/<string:workshop_id>/late-windows", scope="intake:workshops:write")
    def grant_late_window(self, request, workshop_id):
        return self._run(
            usecases.grant_late_window,
            {**LATE_WINDOW_FORM.load(read_json(request)), "workshop_id": workshop_id},
            views.workshop_view,
            201,
        )

    @change("POST", "/workshops/<string:workshop_id>/reminders", scope="intake:workshops:write")
    def request_reminders(self, request, workshop_id):
        return self._run(
            usecases.request_reminders,
            {**REMINDER_FORM.load(read_json(request)), "workshop_id": workshop_id},
            views.reminder_view,
            202,
        )

    @change(
        "POST",
        "/workshops/<string:workshop_id>/archive-imports",
        scope="intake:archive:import",
        max_body_bytes=MAX_ARCHIVE_BYTES,
    )
    def import_archive(self, request, workshop_id):
        return self._run(
            usecases.import_archive,
            {**ARCHIVE_IMPORT_FORM.load(read_json(request)), "workshop_id": workshop_id},
            views.archive_import_view,
            201,
        )

    @http("GET", "/workshops/<string:workshop_id>/programs")
    def workshop_programs(self, request, workshop_id):
        return self._run(
            usecases.workshop_programs, {"workshop_id": workshop_id}, views.form_list_view
        )

    # -- staff --------------------------------------------------------------------------

    @change("POST", "/staff", scope="intake:workshops:write")
    def register_staff(self, request):
        return self._run(
            usecases.register_staff, STAFF_FORM.load(read_json(request)), views.staff_view, 201
        )

    @change("PUT", "/staff/<string:staff_id>", scope="intake:workshops:write")
    def revise_staff(self, request, staff_id):
        return self._run(
            usecases.revise_staff,
            {**STAFF_FORM.load(read_json(request)), "staff_id": staff_id},
            views.staff_view,
        )

    # -- delegations ------------------------------------------------------------------

    @change("POST", "/delegations", scope="intake:forms:write")
    def register_delegation(self, request):
        return self._run(
            usecases.register_delegation,
            REGISTRATION_FORM.load(read_json(request)),
            views.delegation_view,
            201,
        )

    @http("GET", "/delegations/<string:delegation_id>")
    def get_delegation(self, request, delegation_id):
        return self._run(
            usecases.get_delegation, {"delegation_id": delegation_id}, views.delegation_view
        )

    @change("PUT", "/delegations/<string:delegation_id>", scope="intake:forms:write")
    def revise_delegation(self, request, delegation_id):
        return self._run(
            usecases.revise_delegation,
            {**REGISTRATION_FORM.load(read_json(request)), "delegation_id": delegation_id},
            views.delegation_view,
        )

    @http("GET", "/delegations/<string:delegation_id>/versions")
    def delegation_versions(self, request, delegation_id):
        return self._run(
            usecases.delegation_versions,
            {"delegation_id": delegation_id},
            lambda versions: views.versions_view(delegation_id, versions),
        )

    @change("POST", "/delegations/<string:delegation_id>/withdraw", scope="intake:forms:write")
    def withdraw_delegation(self, request, delegation_id):
        return self._run(
            usecases.withdraw_delegation, {"delegation_id": delegation_id}, views.delegation_view
        )

    @change("POST", "/delegates/<string:delegate_id>/erasure", scope="intake:delegates:erase")
    def erase_delegate(self, request, delegate_id):
        return self._run(usecases.erase_delegate, {"delegate_id": delegate_id}, views.erasure_view)

    # -- program profiles, interest forms, expressions of interest -------------------------

    @change("POST", f"/<{FORM_PATHS}:path>", scope="intake:forms:write")
    def submit_form(self, request, path):
        kind = KIND_OF_PATH[path]
        return self._run(
            usecases.submit_form,
            {**FORMS[kind].load(read_json(request)), "kind": kind},
            views.form_view,
            201,
        )

    @change("POST", f"/<{FORM_PATHS}:path>/drafts", scope="intake:forms:write")
    def create_draft(self, request, path):
        kind = KIND_OF_PATH[path]
        return self._run(
            usecases.save_draft,
            {**FORMS[kind].load(read_json(request), partial=True), "kind": kind},
            views.form_view,
            201,
        )

    @http("GET", f"/<{FORM_PATHS}:path>/<string:form_id>")
    def get_form(self, request, path, form_id):
        return self._run(
            usecases.get_form, {"kind": KIND_OF_PATH[path], "form_id": form_id}, views.form_view
        )

    @change("PUT", f"/<{FORM_PATHS}:path>/<string:form_id>", scope="intake:forms:write")
    def revise_form(self, request, path, form_id):
        kind = KIND_OF_PATH[path]
        return self._run(
            usecases.revise_form,
            {**FORMS[kind].load(read_json(request)), "kind": kind, "form_id": form_id},
            views.form_view,
        )

    @change("PUT", f"/<{FORM_PATHS}:path>/<string:form_id>/draft", scope="intake:forms:write")
    def save_draft(self, request, path, form_id):
        kind = KIND_OF_PATH[path]
        return self._run(
            usecases.save_draft,
            {
                **FORMS[kind].load(read_json(request), partial=True),
                "kind": kind,
                "form_id": form_id,
            },
            views.form_view,
        )

    @change("POST", f"/<{FORM_PATHS}:path>/<string:form_id>/submit", scope="intake:forms:write")
    def submit_draft(self, request, path, form_id):
        return self._run(
            usecases.submit_draft, {"kind": KIND_OF_PATH[path], "form_id": form_id}, views.form_view
        )

    @change("POST", f"/<{FORM_PATHS}:path>/<string:form_id>/withdraw", scope="intake:forms:write")
    def withdraw_form(self, request, path, form_id):
        return self._run(
            usecases.withdraw_form,
            {"kind": KIND_OF_PATH[path], "form_id": form_id},
            views.form_view,
        )

    @http("GET", f"/<{FORM_PATHS}:path>/<string:form_id>/versions")
    def form_versions(self, request, path, form_id):
        return self._run(
            usecases.form_versions,
            {"kind": KIND_OF_PATH[path], "form_id": form_id},
            lambda versions: views.versions_view(form_id, versions),
        )

    @change("POST", "/programs/<string:program_id>/review", scope="intake:forms:review")
    def review_program(self, request, program_id):
        return self._run(
            usecases.review_program,
            {**REVIEW_FORM.load(read_json(request)), "program_id": program_id},
            views.form_view,
        )

    health = health_endpoint()
    docs = docs_endpoints()

    # -- read-only lists (the staff console) -------------------------------------------

    @http("GET", "/workshops")
    def list_workshops(self, request):
        return self._run(
            listing.list_workshops,
            LISTING["workshops"].load(request.args.to_dict()),
            views.workshop_list_view,
        )

    @http("GET", "/staff")
    def list_staff(self, request):
        return self._run(
            listing.list_staff, LISTING["staff"].load(request.args.to_dict()), views.staff_list_view
        )

    @http("GET", "/staff/<string:staff_id>")
    def get_staff(self, request, staff_id):
        return self._run(listing.get_staff, {"staff_id": staff_id}, views.staff_view)

    @http("GET", "/workshops/<string:workshop_id>/delegations")
    def workshop_delegations(self, request, workshop_id):
        return self._run(
            listing.workshop_delegations,
            {**LISTING["delegations"].load(request.args.to_dict()), "workshop_id": workshop_id},
            views.delegation_list_view,
        )

    @http("GET", "/workshops/<string:workshop_id>/forms")
    def workshop_forms(self, request, workshop_id):
        return self._run(
            listing.workshop_forms,
            {**LISTING["forms"].load(request.args.to_dict()), "workshop_id": workshop_id},
            views.workshop_form_list_view,
        )
