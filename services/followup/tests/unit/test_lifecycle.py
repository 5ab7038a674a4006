"""The activity's state machine: every legal and every illegal transition."""

from datetime import date

import pytest

from followup import domain, exceptions, usecases
from followup.exceptions import FieldRefused
from followup.models import Activity, ActivityChange
from rueda_backbone import Conflict

from .conftest import NOW, expression, published

LEGAL = [(a, b) for a in domain.STATES for b in domain.TRANSITIONS[a]]
ILLEGAL = [(a, b) for a in domain.STATES for b in domain.STATES if (a, b) not in LEGAL]
NEEDS = {
    "funding_source": "network_fund",
    "planned_start": date(2026, 8, 3),
    "planned_end": date(2026, 8, 7),
    "terms_of_reference": "two experts, one week",
}
# the way from proposed to each state, so a use-case test can start anywhere
PATH = {
    domain.PROPOSED: [],
    domain.UNDER_REVIEW: [domain.UNDER_REVIEW],
    domain.SELECTED: [domain.UNDER_REVIEW, domain.SELECTED],
    domain.DECLINED: [domain.UNDER_REVIEW, domain.DECLINED],
    domain.PLANNED: [domain.UNDER_REVIEW, domain.SELECTED, domain.PLANNED],
    domain.IN_PROGRESS: [domain.UNDER_REVIEW, domain.SELECTED, domain.PLANNED, domain.IN_PROGRESS],
    domain.COMPLETED: [
        domain.UNDER_REVIEW,
        domain.SELECTED,
        domain.PLANNED,
        domain.IN_PROGRESS,
        domain.COMPLETED,
    ],
    domain.WITHDRAWN: [domain.WITHDRAWN],
}
PATH[domain.EVALUATED] = PATH[domain.COMPLETED] + [domain.EVALUATED]
ORIGIN = "http:test@127.0.0.1"


def test_the_lifecycle_has_the_stages_of_the_domain():
    assert len(LEGAL) == 12 and len(LEGAL) + len(ILLEGAL) == len(domain.STATES) ** 2
    assert all(domain.WITHDRAWN in domain.TRANSITIONS[s] for s in domain.OPEN_STATES)
    assert [s for s in domain.STATES if not domain.TRANSITIONS[s]] == [
        domain.DECLINED,
        domain.EVALUATED,
        domain.WITHDRAWN,
    ]


@pytest.mark.parametrize("from_state,to_state", LEGAL)
def test_a_legal_transition_is_accepted(from_state, to_state):
    domain.check_transition(from_state, to_state, **NEEDS)


@pytest.mark.parametrize("from_state,to_state", ILLEGAL)
def test_an_illegal_transition_is_refused_with_what_is_allowed(from_state, to_state):
    with pytest.raises(domain.IllegalTransition) as refused:
        domain.check_transition(from_state, to_state, **NEEDS)
    assert f"{from_state} cannot become {to_state}" in str(refused.value)


@pytest.mark.parametrize(
    "missing,field",
    [
        ({"funding_source": None}, "funding_source"),
        ({"funding_source": "lottery"}, "funding_source"),
    ],
)
def test_selection_needs_a_known_funding_source(missing, field):
    with pytest.raises(domain.MissingForTransition) as refused:
        domain.check_transition(domain.UNDER_REVIEW, domain.SELECTED, **{**NEEDS, **missing})
    assert refused.value.field == field


@pytest.mark.parametrize(
    "missing,field",
    [
        ({"planned_start": None}, "planned_start"),
        ({"planned_end": date(2026, 8, 1)}, "planned_end"),
        ({"terms_of_reference": "  "}, "terms_of_reference"),
    ],
)
def test_planning_needs_dates_in_order_and_terms_of_reference(missing, field):
    with pytest.raises(domain.MissingForTransition) as refused:
        domain.check_transition(domain.SELECTED, domain.PLANNED, **{**NEEDS, **missing})
    assert refused.value.field == field


def _activity_in(uow, state) -> Activity:
    activity = usecases.record_expression(expression(), uow=uow, now=NOW)
    uow.origin = ORIGIN  # staff take it from here, over HTTP
    for step in PATH[state]:
        transition(uow, activity, step, "on the way", **NEEDS)
    uow.envelopes.clear()
    return activity


def transition(uow, activity, to_state, reason, **extra) -> dict:
    return usecases.transition(
        {"activity_id": activity.id, "to": to_state, "reason": reason, "by": "ana", **extra},
        uow=uow,
        now=NOW,
    )


@pytest.mark.parametrize("from_state,to_state", LEGAL)
def test_a_legal_transition_is_kept_in_the_trail_and_published(uow, from_state, to_state):
    activity = _activity_in(uow, from_state)
    view = transition(uow, activity, to_state, "why not", **NEEDS)
    assert activity.state == to_state == view["state"]
    [event] = published(uow)
    assert event.event_type == "activity_status_changed"
    assert (event.payload["from_state"], event.payload["to_state"]) == (from_state, to_state)
    assert event.payload["changed_by"] == "ana"
    assert event.payload["funding_source"] == (
        "network_fund" if domain.SELECTED in PATH[from_state] + [to_state] else None
    )
    last = uow.session.query(ActivityChange).order_by(ActivityChange.id.desc()).first()
    assert (last.from_state, last.to_state, last.actor, last.origin, last.reason) == (
        from_state,
        to_state,
        "ana",
        "http:test@127.0.0.1",
        "why not",
    )
    assert (activity.follow_up_on is None) == (to_state not in domain.FOLLOWED_STATES)


@pytest.mark.parametrize("from_state,to_state", ILLEGAL)
def test_an_illegal_transition_changes_nothing_and_publishes_nothing(uow, from_state, to_state):
    activity = _activity_in(uow, from_state)
    trail = uow.session.query(ActivityChange).count()
    with pytest.raises(Conflict) as refused:
        transition(uow, activity, to_state, "try", **NEEDS)
    assert exceptions.ERRORS.status_of(refused.value) == 409
    assert refused.value.code == "conflict" and refused.value.fields[0]["path"] == "to"
    assert activity.state == from_state and published(uow) == []
    assert uow.session.query(ActivityChange).count() == trail


def test_selecting_without_a_funding_source_is_a_field_error(uow):
    activity = _activity_in(uow, domain.UNDER_REVIEW)
    with pytest.raises(FieldRefused) as refused:
        transition(uow, activity, domain.SELECTED, "good")
    assert exceptions.ERRORS.status_of(refused.value) == 422
    assert refused.value.fields == [{"path": "funding_source", "message": refused.value.message}]
    assert activity.state == domain.UNDER_REVIEW
