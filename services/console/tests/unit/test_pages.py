"""What the pages compute themselves: the workshop form's local times, the
catalogues, the person named in followup's audit."""

from babel.messages.pofile import read_po
from console import rendering
from console.pages import activities, workshops

FORM = {
    "title": "Fourth Workshop",
    "place": "Santa Marta",
    "time_zone": "America/Bogota",
    "starts_on": "2027-10-24",
    "ends_on": "2027-10-25",
    "languages": ["es", "en"],
    "sessions": "2027-10-24 09:00\n\n2027-10-24 11:00",
    "tables_per_session": "4",
    "table_capacity": "8",
    "round_minutes": "45",
    "deadline_programs": "2027-09-30T23:59",
    "deadline_interests": "2027-10-10T23:59",
    "deadline_expressions_of_interest": "2027-11-30T23:59",
}


def test_local_times_become_instants_with_the_workshops_offset():
    body, errors = workshops.body_of(FORM, None)
    assert errors == {}
    assert body["sessions"] == [
        {"starts_at": "2027-10-24T09:00:00-05:00"},
        {"starts_at": "2027-10-24T11:00:00-05:00"},
    ]
    assert body["deadlines"]["programs"] == "2027-09-30T23:59:00-05:00"
    assert body["tables_per_session"] == 4


def test_a_bad_zone_time_or_number_is_named_before_intake_is_asked():
    _, errors = workshops.body_of(
        {**FORM, "time_zone": "Mars/Olympus", "round_minutes": "x", "sessions": "tomorrow"}, None
    )
    assert set(errors) >= {"time_zone", "round_minutes", "sessions"}


def test_editing_keeps_what_the_page_does_not_show_and_shows_local_times():
    previous = {
        "form": {
            **workshops.body_of(FORM, None)[0],
            "max_runs_per_program": 2,
            "rank_weights": [3, 2, 1],
        }
    }
    body, _ = workshops.body_of(FORM, previous)
    assert body["max_runs_per_program"] == 2 and body["rank_weights"] == [3, 2, 1]
    values = workshops.values_of(previous)
    assert values["sessions"] == "2027-10-24 09:00\n2027-10-24 11:00"
    assert values["deadline_programs"] == "2027-09-30T23:59"


def test_intakes_field_paths_land_on_the_pages_fields():
    assert workshops.field_of("sessions[1].starts_at") == "sessions"
    assert workshops.field_of("deadlines.interests") == "deadline_interests"
    assert workshops.field_of("$") == "_"


def test_every_sentence_has_its_spanish_translation():
    path = rendering.LOCALE / "es" / "LC_MESSAGES" / "messages.po"
    with open(path, "rb") as handle:
        catalog = read_po(handle, locale="es")
    untranslated = [m.id for m in catalog if m.id and not m.string]
    assert untranslated == []
    assert rendering.translations("es").gettext("Sign in") == "Iniciar sesión"
    assert rendering.translations("en").gettext("Sign in") == "Sign in"


def test_pages_escape_what_people_typed():
    page = rendering.render(
        "sign_in.html",
        "en",
        {
            "person": None,
            "csrf": "t",
            "flash": None,
            "csrf_field": rendering.csrf_field("t"),
            "path": "/",
            "visit": None,
            "nav": None,
            "refused": "wrong",
            "login": '"><script>alert(1)</script>',
            "next": "",
        },
    )
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    assert 'name="csrf_token" value="t"' in page


def test_money_and_dates_are_written_for_the_readers_language():
    es, en = rendering.formatters("es"), rendering.formatters("en")
    assert es["money"](30000, "USD") == "30.000,00\xa0US$"
    assert en["money"](30000, "USD") == "$30,000.00"
    assert es["day"]("2027-10-24") == "24 oct 2027"
    assert es["delegation_name"]({"acronym": "MIDIS", "country": "Peru"}) == "MIDIS (Peru)"


def test_followup_is_told_the_persons_name_and_staff_id_in_100_characters():
    class Visit:
        person = {"staff_id": "0f7c2f6e-aaaa-bbbb-cccc-123456789012", "name": "A" * 200}

    by = activities.acting(Visit())
    assert len(by) <= 100 and by.endswith("[0f7c2f6e-aaaa-bbbb-cccc-123456789012]")
