"""Rules of notify: who gets which email, how it is identified, what its
fixed subject says. No I/O here."""
from __future__ import annotations

import uuid

PENDING, SENT, FAILED = "pending", "sent", "failed"

PROGRAM_RECEIVED = "program_received"

# subjects are fixed per language and never contain user-supplied text, so
# nothing a delegate types can reach a mail header
SUBJECTS = {
    PROGRAM_RECEIVED: {
        "en": "Your program profile was received",
        "es": "Recibimos su perfil de programa",
        "pt": "Recebemos o seu perfil de programa",
        "fr": "Votre fiche de programme a bien été reçue",
    },
}

_EMAIL_NAMESPACE = uuid.UUID("6f1d3a0e-8a53-4c1e-9b8e-2f4f5d7c9a10")


def dedup_key(event_id: str, recipient_id: str, kind: str) -> str:
    return f"{event_id}:{recipient_id}:{kind}"


def email_id(key: str) -> str:
    """Stable id (and so a stable Message-ID) for one (event, recipient, kind)."""
    return str(uuid.uuid5(_EMAIL_NAMESPACE, key))


def subject(kind: str, language: str) -> str:
    by_language = SUBJECTS[kind]
    return by_language.get(language, by_language["en"])


def acknowledgement_recipients(recipients: list) -> list:
    """A program receipt goes to the delegation's focal point (all delegates if none)."""
    focal = [r for r in recipients if r.is_focal_point]
    return focal or list(recipients)
