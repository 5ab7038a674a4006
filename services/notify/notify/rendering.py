"""Jinja2 rendering of email bodies in the recipient's language.

One template pair per kind of email (`<kind>.txt.j2`, `<kind>.html.j2`,
HTML autoescaped), with every sentence marked for gettext. The catalogues
are the `.po` files under `locale/`, read at start-up: no compile step is
needed, so a checkout, a wheel and the Docker image all translate alike.

Update the catalogues after changing a template or a marked string:

    cd services/notify
    pybabel extract -F babel.cfg -o notify/locale/messages.pot .
    pybabel update -i notify/locale/messages.pot -d notify/locale
"""
from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from . import domain

TEMPLATES = Path(__file__).parent / "templates"
LOCALE = Path(__file__).parent / "locale"


@cache
def translations(language: str) -> Translations:
    path = LOCALE / language / "LC_MESSAGES" / "messages.po"
    with open(path, "rb") as handle:
        catalog = read_po(handle, locale=language)
    buffer = io.BytesIO()
    # fuzzy entries are guesses nobody checked: better the English original
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer)


@cache
def environment(language: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
        # a missing value must fail the render, not send "Dear ,"
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # newstyle gettext escapes the values substituted into a translated
    # sentence in HTML, and fails loudly on a missing placeholder
    env.install_gettext_translations(translations(language), newstyle=True)
    env.globals["label"] = lambda key: translations(language).gettext(domain.LABELS.get(key, key))
    return env


def render(kind: str, language: str, context: dict) -> tuple[str, str]:
    """(text, html) bodies of `kind` in `language`."""
    if language not in domain.LANGUAGES:
        language = domain.LAST_RESORT_LANGUAGE
    env = environment(language)
    text = env.get_template(f"{kind}.txt.j2").render(language=language, **context)
    html = env.get_template(f"{kind}.html.j2").render(language=language, **context)
    return text, html


def render_page(name: str, language: str, context: dict) -> str:
    """The HTML page `<name>.html.j2` (autoescaped) in `language`."""
    if language not in domain.LANGUAGES:
        language = domain.LAST_RESORT_LANGUAGE
    return environment(language).get_template(f"{name}.html.j2").render(language=language,
                                                                          **context)


def subject(kind: str, language: str) -> str:
    if language not in domain.LANGUAGES:
        language = domain.LAST_RESORT_LANGUAGE
    return translations(language).gettext(domain.SUBJECTS[kind])
