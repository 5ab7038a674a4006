import pytest
from marshmallow import ValidationError

from intake.schemas import DelegationRegistrationForm, ProgramProfileForm

VALID = {
    "country": "Bolivia", "institution": "Ministerio de Educación", "kind": "ministry",
    "delegates": [{"name": "Ana", "email": "ana@example.org", "language": "es"},
                  {"name": "Luis", "email": "luis@example.org", "language": "en"}],
    "focal_point_email": "luis@example.org",
}


def test_a_complete_registration_is_accepted():
    assert DelegationRegistrationForm().load(VALID)["kind"] == "ministry"


@pytest.mark.parametrize("change, path", [
    ({"kind": "ngo"}, "kind"),
    ({"delegates": []}, "delegates"),
    ({"delegates": [{"name": "Ana", "email": "not-an-email", "language": "es"}]}, "delegates"),
    ({"delegates": [{"name": "Ana", "email": "a@example.org", "language": "de"}]}, "delegates"),
    ({"focal_point_email": "stranger@example.org"}, "focal_point_email"),
    ({"colour": "blue"}, "colour"),
])
def test_each_kind_of_invalid_registration_names_its_field(change, path):
    with pytest.raises(ValidationError) as caught:
        DelegationRegistrationForm().load({**VALID, **change})
    assert path in caught.value.messages


def test_a_program_profile_needs_known_topics():
    with pytest.raises(ValidationError) as caught:
        ProgramProfileForm().load({"delegation_id": "d", "title": "PENNAT", "topics": ["astrology"]})
    assert list(caught.value.messages) == ["topics"]
    assert "Must be one of" in caught.value.messages["topics"][0][0]
