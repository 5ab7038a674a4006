"""The funding selection is exact: it matches brute force."""

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from followup import domain, usecases
from followup.models import Activity
from rueda_backbone import Conflict

from .conftest import NOW, delegation, expression, published


def brute_force(candidates, budget) -> int:
    best = 0
    for size in range(len(candidates) + 1):
        for subset in itertools.combinations(candidates, size):
            if sum(c.cost for c in subset) <= budget:
                best = max(best, sum(c.score for c in subset))
    return best


candidates = st.lists(
    st.builds(
        domain.Candidate,
        key=st.uuids().map(str),
        cost=st.integers(0, 5_000_000),
        score=st.integers(0, 60),
    ),
    max_size=10,
    unique_by=lambda c: c.key,
)


@settings(max_examples=300, deadline=None)
@given(candidates, st.integers(0, 20_000_000))
def test_the_selection_matches_brute_force(items, budget):
    chosen = domain.best_selection(items, budget)
    by_key = {c.key: c for c in items}
    assert chosen.total_cost == sum(by_key[k].cost for k in chosen.chosen) <= budget
    assert chosen.total_score == sum(by_key[k].score for k in chosen.chosen)
    assert chosen.total_score == brute_force(items, budget)


def test_greedy_by_ratio_would_be_wrong_here():
    # the best ratio (a) blocks the pair that scores more
    items = [domain.Candidate("a", 6, 7), domain.Candidate("b", 5, 5), domain.Candidate("c", 5, 5)]
    assert domain.best_selection(items, 10) == domain.Selection(("b", "c"), 10, 10)


def test_a_negative_budget_is_refused():
    with pytest.raises(ValueError):
        domain.best_selection([], -1)


def test_staff_score_propose_and_confirm_a_selection(uow):
    by = {"by": "ana"}
    usecases.set_criteria(
        {
            "workshop_id": "w1",
            "criteria": [
                {"key": "alignment", "label": "Alignment with network priorities", "weight": 3},
                {"key": "feasibility", "label": "Feasibility", "weight": 2},
            ],
        },
        uow=uow,
        now=NOW,
    )
    costs = {
        "x1": (600_000, {"alignment": 5, "feasibility": 5}),
        "x2": (500_000, {"alignment": 4, "feasibility": 3}),
        "x3": (500_000, {"alignment": 4, "feasibility": 3}),
        "x4": (100_000, {"alignment": 5, "feasibility": 5}),
    }
    ids = {}
    for key, (cost, scores) in costs.items():
        activity = usecases.record_expression(expression(key), uow=uow, now=NOW)
        ids[key] = activity.id
        if key != "x4":  # x4 stays proposed: not yet reviewed, so not a candidate
            usecases.transition(
                {"activity_id": activity.id, "to": "under_review", "reason": "r", **by},
                uow=uow,
                now=NOW,
            )
        usecases.score_activity(
            {
                "activity_id": activity.id,
                "scores": scores,
                "estimated_cost": cost,
                "currency": "USD",
                **by,
            },
            uow=uow,
            now=NOW,
        )
    selection = usecases.propose_selection(
        {
            "workshop_id": "w1",
            "budget": 1_000_000,
            "currency": "USD",
            "funding_source": "network_fund",
            **by,
        },
        uow=uow,
        now=NOW,
    )
    assert sorted(s["activity_id"] for s in selection["selected"]) == sorted([ids["x2"], ids["x3"]])
    assert (selection["total_score"], selection["total_cost"], selection["candidate_count"]) == (
        36,
        1_000_000,
        3,
    )
    assert (selection["status"], selection["proposed_by"]) == ("proposed", "ana")
    uow.envelopes.clear()
    confirmed = usecases.confirm_selection(
        {"selection_id": selection["id"], **by}, uow=uow, now=NOW
    )
    assert (confirmed["status"], confirmed["confirmed_by"]) == ("confirmed", "ana")
    states = {k: uow.session.get(Activity, i).state for k, i in ids.items()}
    assert states == {"x1": "under_review", "x2": "selected", "x3": "selected", "x4": "proposed"}
    [event] = published(uow, "funding_selection_confirmed")
    assert event.payload["total_score"] == 36 and event.payload["budget"] == 1_000_000
    assert len(published(uow, "activity_status_changed")) == 2
    with pytest.raises(Conflict, match="already confirmed"):
        usecases.confirm_selection({"selection_id": selection["id"], **by}, uow=uow, now=NOW)


def test_the_confirmed_selection_names_each_activitys_delegations_and_currency(uow):
    """funding_selection_confirmed v2: a reader needs no other event to say
    who takes part in each activity and what it costs."""
    usecases.record_delegation(
        delegation("d-pe", "Ministerio de Desarrollo e Inclusión Social", "Peru", acronym="MIDIS"),
        uow=uow,
        now=NOW,
    )
    usecases.record_delegation(
        delegation(
            "d-ism",
            "Instituto Social del MERCOSUR",
            None,
            acronym="ISM",
            region="South America",
            kind="subregional_mechanism",
        ),
        uow=uow,
        now=NOW,
    )
    usecases.set_criteria(
        {
            "workshop_id": "w1",
            "criteria": [{"key": "alignment", "label": "Alignment", "weight": 1}],
        },
        uow=uow,
        now=NOW,
    )
    activity = usecases.record_expression(
        expression("x1", demanding="d-pe", supplying=("d-ism", "d-unseen")), uow=uow, now=NOW
    )
    usecases.transition(
        {"activity_id": activity.id, "to": "under_review", "reason": "r"}, uow=uow, now=NOW
    )
    usecases.score_activity(
        {
            "activity_id": activity.id,
            "scores": {"alignment": 5},
            "estimated_cost": 2_234_566,
            "currency": "USD",
        },
        uow=uow,
        now=NOW,
    )
    selection = usecases.propose_selection(
        {
            "workshop_id": "w1",
            "budget": 3_000_000,
            "currency": "USD",
            "funding_source": "network_fund",
        },
        uow=uow,
        now=NOW,
    )
    usecases.confirm_selection({"selection_id": selection["id"]}, uow=uow, now=NOW)
    [event] = published(uow, "funding_selection_confirmed")
    assert event.schema_version == 2
    [item] = event.payload["selected"]
    assert (item["cost"], item["currency"], item["supplier_status"]) == (2_234_566, "USD", "named")
    assert item["demanding"] == {
        "delegation_id": "d-pe",
        "acronym": "MIDIS",
        "institution": "Ministerio de Desarrollo e Inclusión Social",
        "country": "Peru",
        "region": None,
    }
    assert item["supplying"] == [
        {
            "delegation_id": "d-ism",
            "acronym": "ISM",
            "institution": "Instituto Social del MERCOSUR",
            "country": None,
            "region": "South America",
        },
        # one followup has not seen yet: its id, nothing invented
        {
            "delegation_id": "d-unseen",
            "acronym": None,
            "institution": None,
            "country": None,
            "region": None,
        },
    ]
