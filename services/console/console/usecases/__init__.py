"""The console's use cases, `(command, *, uow, now, ...)`: signing in and out,
sessions, preferences. They touch only the console's own tables; reading
and changing workshops goes through `console.gateway`, outside any
transaction."""

from .preferences import set_language
from .signin import (
    check_password,
    end_session,
    open_session,
    pop_flash,
    prune,
    refresh_person,
    set_flash,
    set_password,
    start_session,
)

__all__ = [
    "check_password",
    "end_session",
    "open_session",
    "pop_flash",
    "prune",
    "refresh_person",
    "set_flash",
    "set_language",
    "set_password",
    "start_session",
]
