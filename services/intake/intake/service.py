"""intake's nameko entrypoints: parse, call a use case, answer."""
from __future__ import annotations

from rueda_backbone import Database, LoggingContext, json_http, read_json
from rueda_backbone.health import health_endpoint

from . import schemas, usecases


class IntakeService:
    name = "intake"

    db = Database()
    log = LoggingContext()

    @json_http("POST", "/delegations")
    def register_delegation(self, request):
        form = schemas.DelegationRegistrationForm().load(read_json(request))
        with self.db.transaction() as uow:
            delegation = usecases.register_delegation(form, uow=uow)
            view = schemas.DelegationView().dump(delegation)
        self.log.info("delegation.registered", delegation_id=view["id"])
        return 201, view

    @json_http("POST", "/programs")
    def submit_program(self, request):
        form = schemas.ProgramProfileForm().load(read_json(request))
        with self.db.transaction() as uow:
            program = usecases.submit_program(form, uow=uow)
            view = schemas.ProgramView().dump(program)
        self.log.info("program.submitted", program_id=view["id"])
        return 201, view

    health = health_endpoint()
