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
import re
from datetime import date, datetime
from decimal import Decimal
from functools import cache, lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, get_currency_precision
from babel.support import Translations
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from markupsafe import Markup

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
    catalogue = translations(language)
    env.install_gettext_translations(catalogue, newstyle=True)
    if language == "fr":
        # the same, eliding "de"/"le"/"la" before a value that starts with a
        # vowel or an h: "l'agenda d'ISM", not "l'agenda de ISM"
        env.globals["gettext"] = env.globals["_"] = _eliding_gettext(catalogue.ugettext)
        env.globals["ngettext"] = _eliding_ngettext(catalogue.ungettext)
    env.globals["label"] = lambda key: label(key, language)
    return env


# French articles and "de" that elide before a vowel or a (mute) h
_ELIDED = re.compile(r"\b(de|De|le|Le|la|La) %\((\w+)\)s")
_VOWEL = re.compile(r"[aeiouyhàâäéèêëîïôöûüAEIOUYHÀÂÄÉÈÊËÎÏÔÖÛÜ]")


def elide(sentence: str, values: dict) -> str:
    """French elision where a sentence composes a word with a value."""

    def fold(match):
        word, name = match.groups()
        value = str(values.get(name, ""))
        if value and _VOWEL.match(value):
            return f"{word[0]}'%({name})s"
        return match.group(0)

    return _ELIDED.sub(fold, sentence)


def _substitute(context, sentence: str, variables: dict):
    sentence = elide(sentence, variables)
    if context.eval_ctx.autoescape:
        sentence = Markup(sentence)
    return sentence % variables


def _eliding_gettext(gettext):
    @pass_context
    def translate(context, __string, **variables):
        return _substitute(context, gettext(__string), variables)

    return translate


def _eliding_ngettext(ngettext):
    @pass_context
    def translate(context, __singular, __plural, __num, **variables):
        variables.setdefault("num", __num)
        return _substitute(context, ngettext(__singular, __plural, __num), variables)

    return translate


# -- what people read: labels, money, dates, in the reader's language -----------------


def label(key: str, language: str) -> str:
    """A code (a state, a level, a topic) in words of `language`; a code
    notify does not know yet (a state followup adds later) is shown as it is."""
    gettext = translations(language).gettext
    if key in domain.LABELS:
        return gettext(domain.LABELS[key])
    if key in domain.TOPICS:
        return gettext(domain.TOPICS[key])
    return key


def title(text: str, language: str) -> str:
    """An activity title followup derived from a topic ("Food security") in
    words of `language`; any other title as it is."""
    code = domain.TOPIC_TITLES.get(text)
    if code is None:
        return text
    words = label(code, language)
    return words[:1].upper() + words[1:]


def money(cents: int, currency: str, language: str) -> str:
    """An amount kept in minor units, as the reader writes money, with the
    ISO code ("USD 22,345.66", "22.345,66 USD")."""
    digits = get_currency_precision(currency)
    amount = Decimal(int(cents)).scaleb(-digits)
    pattern = Locale.parse(language).currency_formats["standard"].pattern
    pattern = pattern.split(";")[0].replace("¤", "¤¤")
    if pattern.startswith("¤¤") and not pattern[2:3].isspace():
        pattern = "¤¤\xa0" + pattern[2:]
    return format_currency(amount, currency, format=pattern, locale=language)


def day(value: date | None, language: str) -> str:
    """A date as the reader writes it (2 de noviembre de 2027)."""
    return format_date(value, format="long", locale=language) if value else ""


@lru_cache(maxsize=1024)
def when(instant: datetime, time_zone: str | None, language: str) -> str:
    """An instant in the workshop's zone (UTC without one), as the reader
    writes it, with the zone: "2 nov 2027, 14:00 (America/Bogota)".
    Remembered: every receipt of a workshop names the same deadline, and
    Babel's formatting was a tenth of writing the email."""
    zone = ZoneInfo(time_zone or "UTC")
    local = instant.astimezone(zone)
    return (
        f"{format_date(local, format='medium', locale=language)}, "
        f"{format_time(local, format='short', locale=language)} ({time_zone or 'UTC'})"
    )


def clock(instant: datetime, zone: ZoneInfo, language: str, *, with_date: bool) -> str:
    """The start or end of a round in the workshop's zone: date and time, or time only."""
    local = instant.astimezone(zone)
    time = format_time(local, format="short", locale=language)
    return f"{format_date(local, format='medium', locale=language)}, {time}" if with_date else time


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
    return (
        environment(language).get_template(f"{name}.html.j2").render(language=language, **context)
    )


def subject(kind: str, language: str) -> str:
    if language not in domain.LANGUAGES:
        language = domain.LAST_RESORT_LANGUAGE
    return translations(language).gettext(domain.SUBJECTS[kind])
