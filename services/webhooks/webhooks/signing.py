"""Standard Webhooks signatures (https://www.standardwebhooks.com), made with
its reference implementation, the `standardwebhooks` package.

Each request carries `webhook-id` (the delivery's id, the same on every try
and replay: receivers deduplicate on it), `webhook-timestamp` (Unix seconds
of this try) and `webhook-signature`: `v1,<base64 HMAC-SHA256>` of
`{id}.{timestamp}.{body}` under the secret (`whsec_` + base64 of 32 random bytes).
"""

from __future__ import annotations

import base64
import secrets
from datetime import UTC, datetime

from standardwebhooks.webhooks import Webhook

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32


def new_secret() -> str:
    """A fresh signing secret, as Standard Webhooks spells them."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def signature(secret: str, *, webhook_id: str, timestamp: int, body: str) -> str:
    """`v1,<base64>` for one try."""
    moment = datetime.fromtimestamp(timestamp, tz=UTC)
    return Webhook(secret).sign(msg_id=webhook_id, timestamp=moment, data=body)


def headers(secret: str, *, webhook_id: str, timestamp: int, body: str) -> dict[str, str]:
    """The three headers of one try."""
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(
            secret, webhook_id=webhook_id, timestamp=timestamp, body=body
        ),
    }
