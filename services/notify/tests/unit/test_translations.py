"""Every email, in every language: complete catalogues, nothing left untranslated."""

import re
import runpy
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from notify import domain, rendering

LOCALE = Path(rendering.__file__).parent / "locale"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")

# importlib import mode: a sibling module is loaded by path
SAMPLES = runpy.run_path(str(Path(__file__).with_name("notify_samples.py")))["SAMPLES"]


def catalogue(language):
    with open(LOCALE / language / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle, locale=language)


def template_ids():
    with open(LOCALE / "messages.pot", "rb") as handle:
        return {m.id for m in read_po(handle) if m.id}


def test_the_template_catalogue_knows_every_subject_and_label():
    ids = template_ids()
    assert set(domain.SUBJECTS.values()) <= ids
    assert set(domain.LABELS.values()) <= ids
    assert domain.WHERE in ids


@pytest.mark.parametrize("language", domain.LANGUAGES)
def test_every_message_is_translated_with_the_same_placeholders(language):
    po = catalogue(language)
    translated = {m.id: m for m in po if m.id}
    assert set(translated) == template_ids(), "run pybabel update (see rendering.py)"
    for message in translated.values():
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), f"{language}: {message.id!r} has no translation"
        assert not message.fuzzy, f"{language}: {message.id!r} is fuzzy"
        wanted = sorted({name for text in ids for name in PLACEHOLDER.findall(text)})
        for string in strings:
            # a singular may say "one" instead of its count
            assert set(PLACEHOLDER.findall(string)) <= set(wanted) and set(wanted) - {
                "count"
            } <= set(PLACEHOLDER.findall(string)), f"{language}: {message.id!r}"
    assert [error for _message, errors in po.check() for error in errors] == []


def test_every_kind_has_a_sample_and_both_templates():
    assert set(SAMPLES) == set(domain.KINDS)
    for kind in domain.KINDS:
        assert (rendering.TEMPLATES / f"{kind}.txt.j2").is_file()
        assert (rendering.TEMPLATES / f"{kind}.html.j2").is_file()


@pytest.mark.parametrize("kind", domain.KINDS)
@pytest.mark.parametrize("language", domain.LANGUAGES)
def test_every_template_renders_in_every_language(kind, language):
    text, html = rendering.render(kind, language, {"name": "Ana", **SAMPLES[kind]})
    subject = rendering.subject(kind, language)
    for body in (text, html, subject):
        assert "%(" not in body and "{{" not in body and "{%" not in body
    assert "Ana" in text and "Ana" in html
    assert f'lang="{language}"' in html
    if language != "en":
        english_text, _ = rendering.render(kind, "en", {"name": "Ana", **SAMPLES[kind]})
        english_lines = set(english_text.splitlines())
        # every sentence of our own (not the values) changed language
        for sentence in [line for line in text.splitlines() if line.strip()]:
            if sentence in english_lines:
                assert not any(
                    word in sentence
                    for word in ("received", "Please", "Dear", "agenda", "calendar", "automated")
                )
        assert subject != rendering.subject(kind, "en")


def test_html_is_escaped_and_text_is_not():
    evil = "<script>alert(1)</script>"
    text, html = rendering.render(
        "program_received", "es", {"name": evil, **{**SAMPLES["program_received"], "title": evil}}
    )
    assert evil in text
    assert evil not in html and "&lt;script&gt;" in html


def test_a_language_without_a_catalogue_falls_back_to_the_workshops_then_english():
    assert domain.choose_language("pt", ["es", "en"]) == "pt"
    assert domain.choose_language("de", ["fr", "en"]) == "fr"
    assert domain.choose_language(None, []) == "en"


def test_the_catalogue_template_is_up_to_date_with_the_code_and_templates():
    from babel.messages.extract import extract_from_dir

    root = Path(rendering.__file__).parents[1]
    method_map = [("notify/**.py", "python"), ("notify/templates/**.j2", "jinja2")]
    options = {
        "notify/templates/**.j2": {
            "extensions": "jinja2.ext.i18n",
            "trim_blocks": "true",
            "lstrip_blocks": "true",
        }
    }
    found = {
        message
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(root), method_map, options_map=options
        )
    }
    assert found == template_ids(), "run pybabel extract and update (see rendering.py)"
