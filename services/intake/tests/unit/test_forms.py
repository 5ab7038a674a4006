"""Every form intake takes: a complete one loads; each kind of invalid one is
refused with the path of the field at fault."""

from datetime import UTC, datetime, timedelta

import intake_forms
import pytest
from marshmallow import ValidationError

from intake import domain
from intake.schemas import (
    DelegationRegistrationForm,
    ExpressionOfInterestForm,
    InterestForm,
    LateWindowForm,
    ProgramProfileForm,
    ReviewForm,
    StaffForm,
    WorkshopForm,
)
from rueda_backbone.envelope import flatten_errors

ID = "5f0c3a56-3f65-4b3e-9d3e-0c7f4f3c9a11"
OTHER = "0b8e6f1c-2a8e-4d8b-a0a5-6f1d3c2b4e77"


def paths_of(schema, body, **kwargs) -> set[str]:
    with pytest.raises(ValidationError) as caught:
        schema.load(body, **kwargs)
    return {path for path, _ in flatten_errors(caught.value.messages)}


def test_a_complete_workshop_is_accepted():
    loaded = WorkshopForm().load(intake_forms.workshop())
    assert loaded["max_runs_per_program"] == 1 and loaded["rank_weights"] is None


def _sessions(*hours):
    day = intake_forms.workshop()["starts_on"]
    return [{"starts_at": f"{day}T{hour}-05:00"} for hour in hours]


@pytest.mark.parametrize(
    "change, path",
    [
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"ends_on": "2000-01-01"}, "ends_on"),
        ({"languages": ["es", "de"]}, "languages[1]"),
        ({"languages": ["es", "es"]}, "languages"),
        ({"languages": []}, "languages"),
        ({"sessions": []}, "sessions"),
        ({"sessions": _sessions("11:00:00", "09:00:00")}, "sessions[1].starts_at"),
        ({"sessions": _sessions("09:00:00", "09:30:00")}, "sessions[1].starts_at"),
        ({"sessions": [{"starts_at": "2001-01-01T09:00:00-05:00"}]}, "sessions[0].starts_at"),
        ({"sessions": [{"starts_at": "2030-01-01T09:00:00"}]}, "sessions[0].starts_at"),
        ({"tables_per_session": 0}, "tables_per_session"),
        ({"tables_per_session": "4"}, "tables_per_session"),
        ({"table_capacity": 1}, "table_capacity"),
        ({"round_minutes": 5}, "round_minutes"),
        ({"rank_weights": [-1]}, "rank_weights[0]"),
        (
            {
                "deadlines": {
                    "programs": "2030-02-01T00:00:00Z",
                    "interests": "2030-01-01T00:00:00Z",
                    "expressions_of_interest": "2030-03-01T00:00:00Z",
                }
            },
            "deadlines.interests",
        ),
        ({"deadlines": {"programs": "2030-02-01T00:00:00Z"}}, "deadlines.interests"),
        ({"title": "ab"}, "title"),
        ({"venue": "Santa Marta"}, "venue"),
    ],
)
def test_each_kind_of_invalid_workshop_names_its_field(change, path):
    assert path in paths_of(WorkshopForm(), {**intake_forms.workshop(), **change})


def test_a_complete_registration_is_accepted():
    loaded = DelegationRegistrationForm().load(intake_forms.registration(ID))
    assert loaded["kind"] == "ministry" and len(loaded["delegates"]) == 2


@pytest.mark.parametrize(
    "change, path",
    [
        ({"workshop_id": None}, "workshop_id"),
        ({"kind": "ngo"}, "kind"),
        ({"country": "X"}, "country"),
        ({"delegates": []}, "delegates"),
        (
            {
                "delegates": [{"name": "Ana", "email": "not-an-email", "language": "es"}],
                "focal_point_email": None,
            },
            "delegates[0].email",
        ),
        (
            {
                "delegates": [{"name": "Ana", "email": "a@example.org", "language": "de"}],
                "focal_point_email": None,
            },
            "delegates[0].language",
        ),
        (
            {
                "delegates": [
                    {"name": "Ana", "email": "a@example.org", "language": "es", "phone": "1"}
                ],
                "focal_point_email": None,
            },
            "delegates[0].phone",
        ),
        (
            {
                "delegates": [
                    {"name": "Ana", "email": "a@example.org", "language": "es"},
                    {"name": "Ana B", "email": "A@example.org", "language": "es"},
                ],
                "focal_point_email": None,
            },
            "delegates",
        ),
        ({"focal_point_email": "stranger@example.org"}, "focal_point_email"),
        ({"working_languages": ["es", "es"]}, "working_languages"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_each_kind_of_invalid_registration_names_its_field(change, path):
    body = {k: v for k, v in {**intake_forms.registration(ID), **change}.items() if v is not None}
    if change.get("workshop_id", "") is None:
        body.pop("workshop_id", None)
    assert path in paths_of(DelegationRegistrationForm(), body)


def test_a_complete_program_profile_is_accepted_and_a_minimal_one_lists_what_it_misses():
    assert ProgramProfileForm().load(intake_forms.program(ID))["ends_on"] is None
    minimal = ProgramProfileForm().load(
        {"delegation_id": ID, "title": "PAA", "topics": ["food_security"]}
    )
    assert domain.missing_program_fields(minimal) == list(domain.RECOMMENDED_PROGRAM_FIELDS)
    assert domain.missing_program_fields(ProgramProfileForm().load(intake_forms.program(ID))) == []


@pytest.mark.parametrize(
    "change, path",
    [
        ({"topics": ["astrology"]}, "topics[0]"),
        ({"topics": []}, "topics"),
        ({"topics": ["food_security", "food_security"]}, "topics"),
        ({"areas_of_influence": ["galactic"]}, "areas_of_influence[0]"),
        ({"target_populations": ["pets"]}, "target_populations[0]"),
        ({"other_population": None}, "other_population"),
        ({"statuses": ["dreaming"]}, "statuses[0]"),
        ({"exchange_methods": ["telepathy"]}, "exchange_methods[0]"),
        ({"starts_on": "2010-01-01", "ends_on": "2009-01-01"}, "ends_on"),
        ({"starts_on": "yesterday"}, "starts_on"),
        ({"title": "x" * 301}, "title"),
        ({"objectives": "x" * 5001}, "objectives"),
        ({"other_organisations": ["x"] * 31}, "other_organisations"),
    ],
)
def test_each_kind_of_invalid_program_profile_names_its_field(change, path):
    body = {
        k: v
        for k, v in {**intake_forms.program(ID), **change}.items()
        if v is not None or k == "ends_on"
    }
    assert path in paths_of(ProgramProfileForm(), body)


def test_a_draft_is_checked_only_for_what_it_has():
    assert ProgramProfileForm().load({"delegation_id": ID, "title": "PAA"}, partial=True)
    assert paths_of(ProgramProfileForm(), {"topics": ["astrology"]}, partial=True) == {"topics[0]"}


def test_a_complete_interest_is_accepted():
    assert InterestForm().load(intake_forms.interest(ID, [OTHER]))["programs"] == [OTHER]


@pytest.mark.parametrize(
    "change, path",
    [
        ({"programs": []}, "programs"),
        ({"programs": [OTHER, OTHER]}, "programs"),
        ({"programs": [""]}, "programs[0]"),
        ({"topics": ["astrology"]}, "topics[0]"),
        ({"attending_delegate_ids": [ID, ID]}, "attending_delegate_ids"),
    ],
)
def test_each_kind_of_invalid_interest_names_its_field(change, path):
    assert path in paths_of(InterestForm(), {**intake_forms.interest(ID, [OTHER]), **change})


def test_an_expression_of_interest_may_have_one_several_or_no_supplier_yet():
    for supplying in ([OTHER], [OTHER, "c3d2"], []):
        body = intake_forms.expression(ID, supplying, None, topic="food_security")
        assert ExpressionOfInterestForm().load(body)["supplying_delegation_ids"] == supplying


@pytest.mark.parametrize(
    "change, path",
    [
        ({"program_id": None, "topic": None}, "$"),
        ({"topic": "food_security"}, "$"),
        ({"supplying_delegation_ids": [ID]}, "supplying_delegation_ids"),
        ({"activity_types": []}, "activity_types"),
        ({"activity_types": ["party"]}, "activity_types[0]"),
        ({"mechanism": "handshake"}, "mechanism"),
        ({"focus": "everything"}, "focus"),
        ({"description": ""}, "description"),
        ({"round": {"session": 0, "table": 1, "program_id": OTHER}}, "round.session"),
        ({"round": {"session": 1, "table": 1}}, "round.program_id"),
    ],
)
def test_each_kind_of_invalid_expression_of_interest_names_its_field(change, path):
    body = {**intake_forms.expression(ID, [OTHER], OTHER), **change}
    assert path in paths_of(ExpressionOfInterestForm(), body)


@pytest.mark.parametrize(
    "body, path",
    [
        (
            {"name": "", "email": "m@example.org", "language": "es", "roles": ["secretariat"]},
            "name",
        ),
        ({"name": "M", "email": "m", "language": "es", "roles": ["secretariat"]}, "email"),
        ({"name": "M", "email": "m@example.org", "language": "es", "roles": []}, "roles"),
        ({"name": "M", "email": "m@example.org", "language": "es", "roles": ["boss"]}, "roles[0]"),
    ],
)
def test_each_kind_of_invalid_staff_member_names_its_field(body, path):
    assert path in paths_of(StaffForm(), body)


def test_a_returned_program_needs_a_reason_and_a_late_window_a_known_form():
    assert paths_of(ReviewForm(), {"decision": "returned"}) == {"reason"}
    assert ReviewForm().load({"decision": "accepted"})["reason"] is None
    assert paths_of(
        LateWindowForm(), {"delegation_id": ID, "form": "lunch", "until": "2030-01-01T00:00:00Z"}
    ) == {"form"}


def test_a_deadline_refuses_late_forms_unless_a_late_window_is_open():
    now = datetime(2030, 1, 10, tzinfo=UTC)
    deadlines = {"programs": now - timedelta(days=1)}
    with pytest.raises(domain.DeadlinePassed, match="ask the secretariat for a late window"):
        domain.check_deadline(
            "programs", deadlines=deadlines, late_windows=[], delegation_id=ID, now=now
        )
    window = {"delegation_id": ID, "form": "programs", "until": now + timedelta(hours=1)}
    domain.check_deadline(
        "programs", deadlines=deadlines, late_windows=[window], delegation_id=ID, now=now
    )
    with pytest.raises(domain.DeadlinePassed):  # someone else's window
        domain.check_deadline(
            "programs", deadlines=deadlines, late_windows=[window], delegation_id=OTHER, now=now
        )
    with pytest.raises(domain.DeadlinePassed):  # a closed window
        domain.check_deadline(
            "programs",
            deadlines=deadlines,
            late_windows=[window],
            delegation_id=ID,
            now=now + timedelta(hours=2),
        )
