"""followup's nameko entrypoints."""
from __future__ import annotations

from rueda_backbone import Database, LoggingContext, event_handler
from rueda_backbone.health import health_endpoint

from . import inbound, usecases


class FollowupService:
    name = "followup"

    db = Database()
    log = LoggingContext()

    @event_handler("intake", "delegation_registered")
    def handle_delegation_registered(self, event):
        payload = inbound.DelegationRegistered().load(event.payload)
        with self.db.transaction() as uow:
            usecases.record_delegation(payload, uow=uow)
        self.log.info("delegation.recorded", delegation_id=payload["delegation_id"])

    health = health_endpoint()
