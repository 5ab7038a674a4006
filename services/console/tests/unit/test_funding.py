"""The funding page's forms: criteria rows (an empty row dropped, each row's
problem named at its field) and an activity's scores (cost typed in units,
sent to followup in cents)."""

from console import rendering
from console.pages import funding


def test_criteria_rows_become_followups_criteria_and_an_empty_row_is_dropped():
    criteria, errors = funding.criteria_of(
        {
            "key-0": "impact",
            "label-0": "Expected impact",
            "weight-0": "3",
            "key-1": "feasibility",
            "label-1": "Feasibility",
            "weight-1": "1",
            "key-2": "",
            "label-2": "",
            "weight-2": "",
        }
    )
    assert errors == {}
    assert criteria == [
        {"key": "impact", "label": "Expected impact", "weight": 3},
        {"key": "feasibility", "label": "Feasibility", "weight": 1},
    ]


def test_a_wrong_criterion_is_named_at_its_field():
    _, errors = funding.criteria_of(
        {
            "key-0": "Impact!",
            "label-0": "",
            "weight-0": "0",
            "key-1": "",
            "label-1": "",
            "weight-1": "",
        }
    )
    assert set(errors) == {"key-0", "label-0", "weight-0"}
    _, errors = funding.criteria_of(
        {
            "key-0": "a",
            "label-0": "A",
            "weight-0": "1",
            "key-1": "a",
            "label-1": "B",
            "weight-1": "2",
        }
    )
    assert errors == {"criteria": "each criterion needs its own key"}
    assert funding.criteria_of({"key-0": "", "label-0": "", "weight-0": ""})[1] == {
        "criteria": "give at least one criterion"
    }


def test_scores_are_sent_per_criterion_with_the_cost_in_cents():
    body, errors = funding.scores_of(
        {
            "score-impact": "4",
            "score-feasibility": "",
            "estimated_cost": "15,000.50",
            "currency": "usd",
        },
        ["impact", "feasibility"],
    )
    assert errors == {}
    assert body == {"scores": {"impact": 4}, "estimated_cost": 1500050, "currency": "USD"}
    _, errors = funding.scores_of(
        {"score-impact": "6", "estimated_cost": "a lot", "currency": "dollars"}, ["impact"]
    )
    assert set(errors) == {"score-impact", "estimated_cost", "currency"}


def test_every_funding_message_is_in_the_catalogues():
    for language in ("es", "pt", "fr"):
        gettext = rendering.translations(language).gettext
        assert gettext("a score from 0 to 5") != "a score from 0 to 5", language
