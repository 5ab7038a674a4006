"""matching's nameko entrypoints."""
from __future__ import annotations

from rueda_backbone import Database, LoggingContext, event_handler
from rueda_backbone.health import health_endpoint

from . import inbound, usecases


class MatchingService:
    name = "matching"

    db = Database()
    log = LoggingContext()

    @event_handler("intake", "delegation_registered")
    def handle_delegation_registered(self, event):
        payload = inbound.DelegationRegistered().load(event.payload)
        with self.db.transaction() as uow:
            usecases.record_delegation(payload, uow=uow)

    @event_handler("intake", "program_submitted")
    def handle_program_submitted(self, event):
        payload = inbound.ProgramSubmitted().load(event.payload)
        with self.db.transaction() as uow:
            usecases.record_program(payload, uow=uow)
        self.log.info("program.recorded", program_id=payload["program_id"])

    health = health_endpoint()
