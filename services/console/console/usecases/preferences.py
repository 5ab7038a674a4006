"""A staff member's preferences: the console's language, kept across sessions."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from .. import domain
from ..models import ConsoleSession, Preference


def set_language(command: dict, *, uow, now: datetime) -> str:
    """{"staff_id", "language"}: the person's language from now on, in every
    one of their sessions."""
    language = command["language"]
    if language not in domain.LANGUAGES:
        raise ValueError(f"not a console language: {language}")
    preference = uow.session.get(Preference, command["staff_id"])
    if preference is None:
        preference = Preference(staff_id=command["staff_id"])
        uow.session.add(preference)
    preference.language = language
    preference.updated_at = now
    uow.session.execute(
        sa.update(ConsoleSession)
        .where(ConsoleSession.staff_id == command["staff_id"])
        .values(language=language)
    )
    return language
