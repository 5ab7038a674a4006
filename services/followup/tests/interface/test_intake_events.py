"""followup records the delegations intake registers."""

import pytest
import sqlalchemy as sa

from followup.models import Delegation
from followup.service import FollowupService
from rueda_backbone.database import Store
from rueda_backbone.testing import publish_event, wait_for

pytestmark = pytest.mark.broker


def test_followup_records_a_registered_delegation(container_factory, config):
    container_factory(FollowupService, config).start()
    publish_event(
        config["AMQP_URI"],
        "intake",
        "delegation_registered",
        {
            "delegation_id": "d-uy",
            "institution": "MIDES",
            "acronym": "MIDES",
            "country": "Uruguay",
            "kind": "ministry",
            "working_languages": ["es"],
            "registered_at": "2026-03-01T10:00:00Z",
            "delegates": [
                {
                    "delegate_id": "u1",
                    "name": "n",
                    "role": None,
                    "language": "es",
                    "is_focal_point": True,
                }
            ],
        },
    )

    def recorded():
        with Store.for_url(config["DATABASE_URL"]).transaction() as session:
            return session.scalar(sa.select(Delegation).where(Delegation.id == "d-uy"))

    delegation = wait_for(recorded, what="the delegation")
    assert (delegation.institution, delegation.focal_point_delegate_id) == ("MIDES", "u1")
