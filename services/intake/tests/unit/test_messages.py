"""Error messages in the caller's language."""

import pytest

from intake import messages


@pytest.mark.parametrize(
    "header, language",
    [
        (None, "en"),
        ("", "en"),
        ("de", "en"),
        ("es", "es"),
        ("pt-BR", "pt"),
        ("de, fr;q=0.8, es;q=0.9", "es"),
        ("es;q=0, fr", "fr"),
        ("EN-gb", "en"),
        ("es;q=x, pt", "pt"),
    ],
)
def test_the_callers_first_supported_language_is_chosen(header, language):
    assert messages.negotiate(header) == language


@pytest.mark.parametrize(
    "english, language, expected",
    [
        ("Missing data for required field.", "es", "Falta este campo obligatorio."),
        ("Length must be between 1 and 50.", "fr", "La longueur doit être comprise entre 1 et 50."),
        ("Must be one of: a, b.", "pt", "Deve ser um de: a, b."),
        ("Missing data for required field.", "en", "Missing data for required field."),
        ("A message nobody translated.", "es", "A message nobody translated."),
        (
            "must not contain control characters (such as NUL)",
            "pt",
            "não pode conter caracteres de controle (como NUL)",
        ),
        ("must be between 1900 and 2199", "fr", "doit être compris entre 1900 et 2199"),
        (
            "this address cannot be used in an email header; use letters, digits and . _ - + only "
            "before the @, with no quotes, spaces or '=?'",
            "es",
            "esta dirección no puede usarse en un correo; antes de la @ use solo letras, cifras y "
            ". _ - +, sin comillas, espacios ni '=?'",
        ),
    ],
)
def test_messages_are_translated_with_their_values(english, language, expected):
    assert messages.translate(english, language) == expected


def test_every_catalogue_entry_has_the_three_other_languages():
    for pattern, translations in messages.CATALOGUE:
        assert set(translations) == {"es", "pt", "fr"}, pattern
