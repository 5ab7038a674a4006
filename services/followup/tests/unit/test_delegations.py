"""followup remembers the delegations intake registers, and each only once."""

from followup import inbound, usecases
from followup.models import Delegation

from .conftest import NOW

EVENT = {
    "delegation_id": "d1",
    "institution": "MIDIS",
    "country": "Peru",
    "kind": "ministry",
    "registered_at": "2026-03-01T10:00:00+00:00",
    "unknown_future_field": 1,
    "delegates": [
        {"delegate_id": "a", "is_focal_point": False},
        {"delegate_id": "b", "is_focal_point": True},
    ],
}


def test_the_focal_point_is_remembered_as_the_counterpart(uow):
    usecases.record_delegation(inbound.DelegationRegistered().load(EVENT), uow=uow, now=NOW)
    assert uow.session.get(Delegation, "d1").focal_point_delegate_id == "b"


def test_recording_twice_keeps_one_delegation(uow):
    for _ in range(2):
        usecases.record_delegation(inbound.DelegationRegistered().load(EVENT), uow=uow, now=NOW)
        uow.session.flush()
    assert uow.session.query(Delegation).count() == 1
