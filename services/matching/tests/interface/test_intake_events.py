"""matching keeps its own copy of intake's delegations and programs."""

import pytest
import sqlalchemy as sa

from matching.models import Delegation, Program
from matching.service import MatchingService
from rueda_backbone.database import Store
from rueda_backbone.testing import publish_event, wait_for

pytestmark = pytest.mark.broker

DELEGATION = {
    "delegation_id": "d-co",
    "country": "Colombia",
    "institution": "Prosperidad Social",
    "kind": "agency",
    "acronym": "DPS",
    "working_languages": ["es"],
    "registered_at": "2026-03-01T10:00:00+00:00",
    "delegates": [
        {
            "delegate_id": f"x{i}",
            "name": "n",
            "role": None,
            "language": "es",
            "is_focal_point": i == 0,
        }
        for i in range(5)
    ],
}
PROGRAM = {
    "program_id": "p-resa",
    "delegation_id": "d-co",
    "title": "ReSA",
    "topics": ["food_security"],
    "version": 1,
    "submitted_at": "2026-03-02T10:00:00+00:00",
}


def rows(config, model):
    with Store.for_url(config["DATABASE_URL"]).transaction() as session:
        return list(session.scalars(sa.select(model)))


def test_matching_stores_delegations_with_their_seats_and_programs(container_factory, config):
    container_factory(MatchingService, config).start()
    publish_event(config["AMQP_URI"], "intake", "delegation_registered", DELEGATION)
    event = publish_event(config["AMQP_URI"], "intake", "program_submitted", PROGRAM)
    publish_event(
        config["AMQP_URI"], "intake", "program_submitted", PROGRAM, event_id=event.event_id
    )
    wait_for(lambda: rows(config, Program) and rows(config, Delegation), what="the read model")
    (delegation,) = rows(config, Delegation)
    assert delegation.delegates == 5
    (program,) = rows(config, Program)
    assert (program.title, program.host_delegation_id) == ("ReSA", "d-co")
