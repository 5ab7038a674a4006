"""Expressions of interest become activities: once, whatever the order and
number of deliveries."""

import itertools

import pytest

from followup import domain, usecases
from followup.models import Activity, Delegation

from .conftest import NOW, delegation, expression, published, staff, withdrawal


def apply(uow, message):
    kind, event = message
    if kind == "submitted":
        usecases.record_expression(event, uow=uow, now=NOW)
    else:
        usecases.withdraw_expression(event, uow=uow, now=NOW)
    uow.session.flush()


def activities(uow):
    return uow.session.query(Activity).all()


def test_an_expression_delivered_twice_is_one_activity_proposed_once(uow):
    for _ in range(2):
        apply(uow, ("submitted", expression()))
    [activity] = activities(uow)
    assert activity.state == domain.PROPOSED
    assert len(published(uow, "activity_proposed")) == 1


def test_a_late_older_version_changes_nothing(uow):
    apply(uow, ("submitted", expression(version=2, supplying=("d-br", "d-cl"))))
    apply(uow, ("submitted", expression(version=1, supplying=("d-br",))))
    [activity] = activities(uow)
    assert activity.supplying_delegation_ids == ["d-br", "d-cl"]


# every order of: v1 submitted, v1 withdrawn, v2 submitted (re-signed), each twice
MESSAGES = [
    ("submitted", expression(version=1)),
    ("withdrawn", withdrawal(version=1)),
    ("submitted", expression(version=2, supplying=("d-br", "d-uy"))),
]


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
def test_any_order_and_duplication_ends_in_the_same_activity(uow, order):
    for index in order:
        apply(uow, MESSAGES[index])
        apply(uow, MESSAGES[index])
    [activity] = activities(uow)
    assert activity.state == domain.PROPOSED  # version 2 re-opened what version 1 withdrew
    assert activity.supplying_delegation_ids == ["d-br", "d-uy"]


@pytest.mark.parametrize("order", [(0, 1), (1, 0)])
def test_a_withdrawn_expression_leaves_no_open_activity_in_any_order(uow, order):
    for index in order:
        apply(uow, MESSAGES[index])
    assert [a.state for a in activities(uow)] in ([], [domain.WITHDRAWN])


def test_an_expression_before_its_delegations_is_named_when_they_arrive(uow):
    apply(uow, ("submitted", expression(supplying=())))
    [activity] = activities(uow)
    view = usecases.get_activity({"activity_id": activity.id}, uow=uow, now=NOW)
    assert view["demanding"]["name"] is None and view["supplying_defined"] is False
    usecases.record_delegation(
        delegation("d-pe", "Ministerio de Desarrollo e Inclusión Social", "Peru", acronym="MIDIS"),
        uow=uow,
        now=NOW,
    )
    view = usecases.get_activity({"activity_id": activity.id}, uow=uow, now=NOW)
    assert (view["demanding"]["name"], view["demanding"]["country"]) == ("MIDIS", "Peru")


def test_staff_resolve_an_undefined_supplying_side(uow):
    apply(uow, ("submitted", expression(supplying=())))
    usecases.record_delegation(delegation("d-br", "MDS", "Brazil"), uow=uow, now=NOW)
    [activity] = activities(uow)
    assert activity.supplier_status == "not_yet_defined"
    uow.origin = "http:secretariat-app@127.0.0.1"
    view = usecases.resolve_supplying(
        {
            "activity_id": activity.id,
            "supplying_delegation_ids": ["d-br", "d-br"],
            "reason": "Brazil offered",
        },
        uow=uow,
        now=NOW,
    )
    assert (
        activity.supplying_delegation_ids
        == ["d-br"]
        == [d["delegation_id"] for d in view["supplying"]]
    )
    trail = view["trail"]
    assert [c["kind"] for c in trail] == ["created", "supplying_resolved"]
    assert trail[1]["details"] == {"from": [], "to": ["d-br"]}
    assert trail[1]["actor"] == "secretariat-app"  # no `by`: the API client acted
    assert view["supplier_status"] == "named"


def test_a_later_registration_revision_wins_and_an_older_one_is_ignored(uow):
    usecases.record_delegation(delegation("d-pe", "MIDIS", "Peru", version=2), uow=uow, now=NOW)
    usecases.record_delegation(delegation("d-pe", "Old name", "Peru", version=1), uow=uow, now=NOW)
    assert uow.session.get(Delegation, "d-pe").institution == "MIDIS"


def test_new_activities_spread_over_the_secretariat(uow):
    usecases.record_staff_member(staff("ana", "secretariat"), uow=uow, now=NOW)
    usecases.record_staff_member(staff("bea", "secretariat"), uow=uow, now=NOW)
    usecases.record_staff_member(staff("carlos", "coordinator"), uow=uow, now=NOW)
    usecases.record_staff_member(
        staff("bea", "secretariat", version=2, active=False), uow=uow, now=NOW
    )
    usecases.record_staff_member(
        staff("bea", "secretariat", version=1), uow=uow, now=NOW
    )  # late, ignored
    usecases.record_staff_member(staff("dora", "secretariat"), uow=uow, now=NOW)
    for n in range(4):
        apply(uow, ("submitted", expression(f"x{n}")))
    assert sorted(a.owner_staff_id for a in activities(uow)) == ["ana", "ana", "dora", "dora"]
