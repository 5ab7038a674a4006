"""Every intake form takes the suite's one input policy (rueda_backbone.fields)
and the rules real records need: each refusal names its field and says why."""

import intake_forms
import pytest
from marshmallow import ValidationError

from intake import inbound
from intake.schemas import (
    ArchiveImportForm,
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
ENCODED_WORD = "=?utf-8?q?x?=@example.org"


def refusals(schema, body, **kwargs) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        schema.load(body, **kwargs)
    return dict(flatten_errors(caught.value.messages))


def staff(**changes):
    return {
        "name": "María",
        "email": "m@example.org",
        "language": "es",
        "roles": ["secretariat"],
        **changes,
    }


def delegates(**changes):
    return [{"name": "Ana", "email": "ana@example.org", "language": "es", **changes}]


def registration(**changes):
    """A registration whose focal point is its first delegate."""
    body = intake_forms.registration(ID, **changes)
    body.pop("focal_point_email")
    return body


# -- control characters, line breaks --------------------------------------------------


@pytest.mark.parametrize(
    "schema, body, path",
    [
        (StaffForm(), staff(name="Mar\x00ía"), "name"),
        (
            DelegationRegistrationForm(),
            intake_forms.registration(ID, institution="MIDIS\x00"),
            "institution",
        ),
        (WorkshopForm(), intake_forms.workshop(title="Santa\x00 Marta"), "title"),
        (
            DelegationRegistrationForm(),
            registration(delegates=delegates(name="Ana\x07")),
            "delegates[0].name",
        ),
        (
            ProgramProfileForm(),
            intake_forms.program(ID, objectives="Keep\x1b children"),
            "objectives",
        ),
        (
            ExpressionOfInterestForm(),
            intake_forms.expression(ID, [OTHER], OTHER, description="visits\x00"),
            "description",
        ),
        (ReviewForm(), {"decision": "returned", "reason": "add\x00"}, "reason"),
    ],
)
def test_nul_and_other_control_characters_are_refused_in_every_text(schema, body, path):
    assert refusals(schema, body)[path] == "must not contain control characters (such as NUL)"


@pytest.mark.parametrize(
    "schema, body, path",
    [
        (StaffForm(), staff(name="María\nFernández"), "name"),
        (WorkshopForm(), intake_forms.workshop(title="Santa Marta\r\nworkshop"), "title"),
        (DelegationRegistrationForm(), intake_forms.registration(ID, country="Peru\n"), "country"),
        (ProgramProfileForm(), intake_forms.program(ID, title="PENNAT\u2028II"), "title"),
        (InterestForm(), intake_forms.interest(ID, [f"{OTHER}\n"]), "programs[0]"),
    ],
)
def test_line_breaks_are_refused_in_one_line_fields(schema, body, path):
    assert refusals(schema, body)[path] == "must be a single line"


def test_line_breaks_are_kept_in_free_text():
    body = intake_forms.program(ID, objectives="Keep working children\nin school.\n\nAnd more.")
    assert ProgramProfileForm().load(body)["objectives"].count("\n") == 3
    assert ExpressionOfInterestForm().load(
        intake_forms.expression(ID, [OTHER], OTHER, description="Two visits:\n- one\n- two")
    )["description"]


# -- instants and dates at the ends of the range ------------------------------------------


@pytest.mark.parametrize(
    "instant",
    [
        "9999-12-31T23:59:00-05:00",
        "0001-01-01T00:01:00+00:05",
        "1899-12-31T23:00:00Z",
        "2200-01-01T00:00:00Z",
    ],
)
def test_instants_out_of_range_are_refused_not_crashed_on(instant):
    day = intake_forms.workshop()["starts_on"]
    sessions = [{"starts_at": instant}]
    assert (
        refusals(WorkshopForm(), intake_forms.workshop(sessions=sessions))["sessions[0].starts_at"]
        == "must be between 1900 and 2199"
    )
    deadlines = {
        "programs": instant,
        "interests": f"{day}T00:00:00Z",
        "expressions_of_interest": f"{day}T00:00:00Z",
    }
    assert "deadlines.programs" in refusals(
        WorkshopForm(), intake_forms.workshop(deadlines=deadlines)
    )
    assert refusals(
        LateWindowForm(), {"delegation_id": ID, "form": "programs", "until": instant}
    ) == {"until": "must be between 1900 and 2199"}


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_dates_out_of_range_are_refused(day):
    assert (
        refusals(ProgramProfileForm(), intake_forms.program(ID, starts_on=day))["starts_on"]
        == "must be between 1900 and 2199"
    )
    assert "starts_on" in refusals(WorkshopForm(), intake_forms.workshop(starts_on=day))


# -- email addresses that cannot go into a header -------------------------------------------


@pytest.mark.parametrize(
    "schema, body, path",
    [
        (StaffForm(), staff(email=ENCODED_WORD), "email"),
        (
            DelegationRegistrationForm(),
            registration(delegates=delegates(email=ENCODED_WORD)),
            "delegates[0].email",
        ),
        (
            DelegationRegistrationForm(),
            registration(delegates=delegates(email='"ana maria"@example.org')),
            "delegates[0].email",
        ),
        (
            DelegationRegistrationForm(),
            intake_forms.registration(ID, focal_point_email=ENCODED_WORD),
            "focal_point_email",
        ),
    ],
)
def test_an_address_that_cannot_go_into_a_header_is_refused_with_a_clear_message(
    schema, body, path
):
    assert refusals(schema, body)[path].startswith("this address cannot be used in an email header")


def test_a_form_published_as_an_event_meets_the_same_policy():
    reader = inbound.DelegationFormSubmitted()
    body = registration(
        delegates=[
            *delegates(email=ENCODED_WORD),
            {"name": "A\x00", "email": "a@example.org", "language": "es"},
        ]
    )
    assert set(refusals(reader, body)) == {"delegates[0].email", "delegates[1].name"}
    assert reader.load({**intake_forms.registration(ID), "from_the_portal": "ignored"})


# -- people: languages and sessions --------------------------------------------------------


@pytest.mark.parametrize(
    "change, path, message",
    [
        (
            {"languages": ["en"]},
            "delegates[0].languages",
            "must include the delegate's language (es)",
        ),
        ({"languages": ["es", "de"]}, "delegates[0].languages[1]", None),
        ({"languages": ["es", "es"]}, "delegates[0].languages", None),
        ({"sessions": [0]}, "delegates[0].sessions[0]", None),
        ({"sessions": [1, 1]}, "delegates[0].sessions", None),
        ({"sessions": []}, "delegates[0].sessions", None),
        ({"sessions": ["1"]}, "delegates[0].sessions[0]", None),
    ],
)
def test_each_delegates_languages_and_sessions_are_checked(change, path, message):
    body = registration(delegates=delegates(**change))
    found = refusals(DelegationRegistrationForm(), body)
    assert path in found and (message is None or found[path] == message)


def test_a_delegate_who_says_nothing_of_sessions_is_present_at_all():
    loaded = DelegationRegistrationForm().load(intake_forms.registration(ID))
    assert [d["sessions"] for d in loaded["delegates"]] == [None, None]


# -- places: a region instead of a country ---------------------------------------------------


def test_a_subregional_mechanism_or_an_international_organisation_gives_a_region():
    for kind in ("subregional_mechanism", "international_organisation"):
        body = {**intake_forms.registration(ID, kind=kind, region="Central America")}
        del body["country"]
        assert DelegationRegistrationForm().load(body)["region"] == "Central America"
        assert refusals(DelegationRegistrationForm(), {**body, "country": "Panama"}) == {
            "country": "a subregional mechanism or an international organisation gives its "
            "region, not a country"
        }
        body.pop("region")
        assert set(refusals(DelegationRegistrationForm(), body)) == {"region"}


def test_a_place_sent_as_country_by_an_older_client_is_a_regional_delegations_region():
    body = intake_forms.registration(ID, "MERCOSUR", kind="subregional_mechanism")
    loaded = DelegationRegistrationForm().load(body)
    assert (loaded.get("country"), loaded["region"]) == (None, "MERCOSUR")


def test_a_ministry_gives_a_country_not_a_region():
    body = intake_forms.registration(ID, region="South America")
    assert set(refusals(DelegationRegistrationForm(), body)) == {"region"}
    del body["country"], body["region"]
    assert refusals(DelegationRegistrationForm(), body) == {
        "country": "Missing data for required field."
    }
    # a draft may leave it for later
    assert DelegationRegistrationForm().load(body, partial=True)


# -- topics outside the vocabulary, what is not yet known, who supplies ------------------------


@pytest.mark.parametrize(
    "schema, body, path",
    [
        (ProgramProfileForm(), intake_forms.program(ID, topics=["other"]), "other_topic"),
        (
            ProgramProfileForm(),
            intake_forms.program(ID, other_topic="More than 1 option"),
            "other_topic",
        ),
        (InterestForm(), intake_forms.interest(ID, [OTHER], topics=["other"]), "other_topic"),
        (
            ExpressionOfInterestForm(),
            intake_forms.expression(ID, [], None, topic="other"),
            "other_topic",
        ),
        (
            ExpressionOfInterestForm(),
            intake_forms.expression(ID, [], None, topic="food_security", other_topic="x"),
            "other_topic",
        ),
    ],
)
def test_other_topic_comes_with_a_label_and_a_label_only_with_other(schema, body, path):
    assert path in refusals(schema, body)


def test_a_topic_outside_the_vocabulary_is_other_with_its_label():
    loaded = ExpressionOfInterestForm().load(
        intake_forms.expression(ID, [], None, topic="other", other_topic="More than 1 option")
    )
    assert (loaded["topic"], loaded["other_topic"]) == ("other", "More than 1 option")
    assert ProgramProfileForm().load(
        intake_forms.program(ID, topics=["food_security", "other"], other_topic="School meals")
    )["other_topic"]


@pytest.mark.parametrize(
    "change, path",
    [
        ({"activity_types": ["not_yet_known", "virtual"]}, "activity_types"),
        ({"supplier_status": "named", "supplying_delegation_ids": []}, "supplying_delegation_ids"),
        ({"supplier_status": "several_not_yet_named"}, "supplier_status"),
        ({"supplier_status": "not_yet_defined"}, "supplier_status"),
        ({"supplier_status": "some"}, "supplier_status"),
    ],
)
def test_what_is_not_yet_known_and_who_supplies_are_consistent(change, path):
    body = {**intake_forms.expression(ID, [OTHER], OTHER), **change}
    assert path in refusals(ExpressionOfInterestForm(), body)


def test_activity_types_mechanism_and_focus_may_be_not_yet_known():
    loaded = ExpressionOfInterestForm().load(
        intake_forms.expression(
            ID,
            [],
            OTHER,
            activity_types=["not_yet_known"],
            mechanism="not_yet_known",
            focus="not_yet_known",
            supplier_status="several_not_yet_named",
        )
    )
    assert loaded["supplier_status"] == "several_not_yet_named"


# -- archive imports ----------------------------------------------------------------------


def test_an_archive_import_needs_a_record_and_each_id_once():
    assert refusals(ArchiveImportForm(), {"source": "Santa Marta 2012"}) == {
        "$": "an import needs at least one record"
    }
    program = {**intake_forms.program(ID), "program_id": "p-1"}
    assert refusals(
        ArchiveImportForm(), {"source": "Santa Marta 2012", "programs": [program, program]}
    ) == {"$": "each program_id at most once in an import; repeated: p-1"}


def test_an_archived_record_is_checked_like_the_form_and_names_its_place():
    delegation = intake_forms.registration(ID)
    assert "delegations[0].workshop_id" in refusals(
        ArchiveImportForm(), {"source": "Santa Marta 2012", "delegations": [delegation]}
    )  # the path gives it
    del delegation["workshop_id"]
    delegation["delegates"][1]["email"] = ENCODED_WORD
    assert set(
        refusals(ArchiveImportForm(), {"source": "Santa Marta 2012", "delegations": [delegation]})
    ) == {"delegations[0].delegates[1].email"}
