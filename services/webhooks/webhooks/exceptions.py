"""webhooks' domain errors and its one mapping of them to HTTP answers and
parked reasons (`WebhooksService.errors`)."""

from __future__ import annotations

from rueda_backbone.errors import Conflict, DomainError, ErrorMapping, Invalid, NotFound

__all__ = [
    "DeliveryNotFound",
    "ERRORS",
    "NotFound",
    "ReplayRefused",
    "SubscriptionNotFound",
    "UrlRefused",
]


class UrlRefused(Invalid):
    """A receiver's URL the sender may not post to (SSRF, no TLS, credentials)."""

    def __init__(self, reason: str):
        super().__init__(
            "the URL cannot receive webhooks",
            [{"path": "url", "message": reason}],
            code="url_refused",
        )


class SubscriptionNotFound(NotFound):
    def __init__(self, subscription_id: str):
        super().__init__(f"no subscription {subscription_id}")


class DeliveryNotFound(NotFound):
    def __init__(self, delivery_id: str):
        super().__init__(f"no delivery {delivery_id}")


class ReplayRefused(Conflict):
    """A replay of a delivery still on its way, or of a removed subscription's."""

    code = "replay_refused"


ERRORS = ErrorMapping(status={Invalid: 422, NotFound: 404, Conflict: 409, DomainError: 422})
