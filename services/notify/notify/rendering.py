"""Jinja2 rendering of email bodies: HTML autoescaped, plain text as is."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATES = Path(__file__).parent / "templates"
FALLBACK_LANGUAGE = "en"


@lru_cache(maxsize=1)
def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
        # a missing value must fail the render, not send "Dear ,"
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


def render(kind: str, language: str, context: dict) -> tuple[str, str]:
    """(text, html) bodies of `kind` in `language`, falling back to English."""
    env = environment()
    if not (TEMPLATES / language / f"{kind}.txt.j2").exists():
        language = FALLBACK_LANGUAGE
    text = env.get_template(f"{language}/{kind}.txt.j2").render(**context)
    html = env.get_template(f"{language}/{kind}.html.j2").render(**context)
    return text, html
