"""Pages rendered on the server: Jinja2 with autoescaping, every sentence
marked for gettext and translated with Babel catalogues (es, en). As in
notify, the catalogues are the `.po` files under `locale/`, read at start-up:
no compile step, so a checkout, a wheel and the image all translate alike.

Update the catalogues after changing a template or a marked string:

    cd services/console
    pybabel extract -F babel.cfg -o console/locale/messages.pot .
    pybabel update -i console/locale/messages.pot -d console/locale
"""

from __future__ import annotations

import io
from datetime import date, datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal
from babel.support import Translations
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from . import domain

TEMPLATES = Path(__file__).parent / "pages" / "templates"
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


def _instant(value) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(
        str(value).replace(" ", "T", 1) if "T" not in str(value) else str(value)
    )


def formatters(language: str) -> dict:
    """Dates, instants, numbers and money in the reader's language."""

    def when(value, zone: str | None = None, form: str = "medium"):
        instant = _instant(value)
        if instant is None:
            return "—"
        if zone:
            instant = instant.astimezone(ZoneInfo(zone))
        return format_datetime(instant, form, locale=language)

    def day(value, form: str = "medium"):
        if value in (None, ""):
            return "—"
        if isinstance(value, str):
            value = date.fromisoformat(value[:10])
        return format_date(value, form, locale=language)

    def money(amount, currency):
        if amount is None:
            return "—"
        return format_currency(amount, currency or "USD", locale=language)

    def number(value):
        return "—" if value is None else format_decimal(value, locale=language)

    def delegation_name(delegation: dict | None):
        """Acronym with country (or region), as in the emails."""
        if not delegation:
            return "—"
        place = delegation.get("country") or delegation.get("region") or ""
        name = delegation.get("acronym") or delegation.get("institution") or delegation.get("id")
        return f"{name} ({place})" if place else name

    return {
        "when": when,
        "day": day,
        "money": money,
        "number": number,
        "delegation_name": delegation_name,
    }


@cache
def environment(language: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default=True),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # newstyle gettext escapes what is substituted into a translated sentence
    env.install_gettext_translations(translations(language), newstyle=True)
    env.globals.update(formatters(language))
    env.globals["label"] = lambda key: (
        translations(language).gettext(LABELS.get(key, key)) if key is not None else "—"
    )
    env.globals["may"] = domain.may
    env.globals["LANGUAGES"] = domain.LANGUAGES
    return env


def render(template: str, language: str, context: dict) -> str:
    if language not in domain.LANGUAGES:
        language = domain.LANGUAGES[0]
    return environment(language).get_template(template).render(language=language, **context)


def csrf_field(token: str) -> Markup:
    return Markup('<input type="hidden" name="csrf_token" value="%s">') % escape(token)


# codes the services answer with, as people read them (extracted for translation)
def N_(text: str) -> str:  # noqa: N802 - the gettext marker's usual name
    return text


LABELS = {
    # activity states
    "proposed": N_("proposed"),
    "under_review": N_("under review"),
    "selected": N_("selected"),
    "declined": N_("declined"),
    "planned": N_("planned"),
    "in_progress": N_("in progress"),
    "completed": N_("completed"),
    "evaluated": N_("evaluated"),
    "withdrawn": N_("withdrawn"),
    # forms
    "program": N_("program profile"),
    "interest": N_("interest form"),
    "expression_of_interest": N_("expression of interest"),
    "draft": N_("draft"),
    "submitted": N_("submitted"),
    "registered": N_("registered"),
    "pending": N_("pending"),
    "accepted": N_("accepted"),
    "returned": N_("returned"),
    # schedules and jobs
    "provisional": N_("provisional"),
    "published": N_("published"),
    "queued": N_("queued"),
    "running": N_("running"),
    "succeeded": N_("succeeded"),
    "failed": N_("failed"),
    "cancelled": N_("cancelled"),
    "optimal": N_("optimal"),
    "feasible": N_("feasible"),
    "sent": N_("sent"),
    # what changed between two revisions, and the email it means
    "added": N_("added"),
    "removed": N_("removed"),
    "moved": N_("moved"),
    "people_changed": N_("other people"),
    "delegations_changed": N_("other delegations"),
    "presents": N_("presents"),
    "attends": N_("attends"),
    "agenda": N_("agenda"),
    "change_notice": N_("change notice"),
    # lateness
    "due_soon": N_("due soon"),
    "overdue": N_("overdue"),
    "escalation": N_("escalation"),
    # funding sources
    "network_fund": N_("network fund"),
    "subregional_mechanism": N_("subregional mechanism"),
    "bilateral_cooperation": N_("bilateral cooperation"),
    "own_resources": N_("own resources"),
    # roles
    "secretariat": N_("secretariat"),
    "coordinator": N_("coordinator"),
    "focal_point_liaison": N_("focal point liaison"),
    "funder_liaison": N_("funder liaison"),
}
