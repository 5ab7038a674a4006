"""The console in Spanish, Portuguese and French: every sentence translated,
with the same placeholders as the English one, and each language offered."""

import re

import pytest
from babel.messages.pofile import read_po
from console import domain, rendering

PLACEHOLDER = re.compile(r"%\((\w+)\)s")


@pytest.mark.parametrize("language", ["es", "pt", "fr"])
def test_every_sentence_is_translated_with_its_placeholders(language):
    with open(rendering.LOCALE / language / "LC_MESSAGES" / "messages.po", "rb") as handle:
        catalog = read_po(handle, locale=language)
    with open(rendering.LOCALE / "messages.pot", "rb") as handle:
        template = read_po(handle)
    ids = {m.id for m in template if m.id}
    assert ids <= {m.id for m in catalog if m.id}, "run pybabel update"
    untranslated = [m.id for m in catalog if m.id in ids and (not m.string or m.fuzzy)]
    assert untranslated == []
    wrong = [
        m.id
        for m in catalog
        if m.id in ids
        and sorted(PLACEHOLDER.findall(m.id)) != sorted(PLACEHOLDER.findall(m.string))
    ]
    assert wrong == []


def test_portuguese_and_french_are_offered_and_spoken():
    assert {"pt", "fr"} <= set(domain.LANGUAGES)
    assert rendering.translations("pt").gettext("Sign in") == "Entrar"
    assert rendering.translations("fr").gettext("Sign in") == "Se connecter"
    page = rendering.render(
        "sign_in.html",
        "fr",
        {
            "person": None,
            "csrf": "t",
            "flash": None,
            "csrf_field": rendering.csrf_field("t"),
            "path": "/",
            "visit": None,
            "nav": None,
            "refused": None,
            "login": "",
            "next": "",
        },
    )
    assert "Mot de passe" in page and 'lang="fr"' in page
