"""notify's HTTP API as an OpenAPI 3.1 document, generated from the
marshmallow schemas the entrypoints load (`GET /openapi.json`, committed as
docs/api/notify.openapi.json; a test keeps the two equal).

`python -m notify.api` rewrites the committed copy.
"""

from __future__ import annotations

from pathlib import Path

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import Schema, fields, validate

from rueda_backbone import openapi as oas

from . import domain
from .schemas import ADDRESSES_SCOPE, DeliveryQuery, OptOutsBody, ResendBody

VERSION = "0.1.0"
DOCUMENT = Path(__file__).resolve().parents[3] / "docs" / "api" / "notify.openapi.json"

# the log's datetimes go through json.dumps(default=str), hence no date-time format
_LOGGED_AT = "date and time as `YYYY-MM-DD HH:MM:SS[.ffffff]+00:00`"


# -- what the entrypoints answer (documentation only: the use cases build dicts) --


class DeliveryView(Schema):
    id = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(domain.KINDS))
    recipient_id = fields.String(required=True)
    language = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(domain.STATUSES))
    attempts = fields.Integer(required=True)
    created_at = fields.String(required=True, metadata={"description": _LOGGED_AT})
    sent_at = fields.String(required=True, allow_none=True, metadata={"description": _LOGGED_AT})
    last_error = fields.String(required=True, allow_none=True)
    correlation_id = fields.String(required=True)
    possible_duplicate = fields.Boolean(
        required=True,
        metadata={
            "description": "resent after a hand-off cut off before its outcome was recorded: "
            "the server may have accepted the first copy (same Message-ID)"
        },
    )
    address = fields.String(
        required=True,
        allow_none=True,
        metadata={
            "description": "masked (a***@example.org) unless `show_addresses=true` by a key "
            f"with the scope `{ADDRESSES_SCOPE}`; null once erased"
        },
    )
    resent_at = fields.String(required=True, allow_none=True, metadata={"description": _LOGGED_AT})
    note = fields.String(
        required=True,
        allow_none=True,
        metadata={
            "description": "what staff did about it (a resend: by whom, when, the earlier failure)"
        },
    )


class ResendView(Schema):
    id = fields.String(required=True)
    status = fields.String(required=True, validate=validate.Equal(domain.PENDING))
    resent_at = fields.String(required=True, metadata={"description": _LOGGED_AT})
    note = fields.String(required=True)


class DeliveriesView(Schema):
    deliveries = fields.List(
        fields.Nested(DeliveryView),
        required=True,
        metadata={"description": "newest first; no bodies or addresses"},
    )


class OptOutsView(Schema):
    recipient_id = fields.String(required=True)
    categories = fields.List(
        fields.String(validate=validate.OneOf(domain.OPTIONAL_CATEGORIES)), required=True
    )
    optional_categories = fields.List(
        fields.String(), metadata={"description": "what one may opt out of (GET only)"}
    )


def _operations() -> dict:
    opt_outs = "/recipients/{recipient_id}/opt-outs"
    resend = "/deliveries/{email_id}/resend"
    page = "/agendas/{token}"
    feed = "/agendas/{token}/calendar.ics"
    return {
        ("GET", "/deliveries"): oas.operation(
            "list_deliveries",
            "What was sent, is waiting or failed",
            path="/deliveries",
            query=DeliveryQuery,
            response=DeliveriesView,
        ),
        ("POST", resend): oas.operation(
            "resend_delivery",
            "Send a failed email again",
            path=resend,
            request=ResendBody,
            response=ResendView,
            status=202,
            errors=(409,),
            body_required=False,
            description=(
                "Queues a failed email (a 550, an address refused, a message that could not "
                "be built) to go out again with the SAME Message-ID, to the recipient's "
                "current address, and notes it in the delivery log. 409 `conflict` for an "
                "email that has not failed, was erased or never rendered; 404 for an unknown "
                "id. The body is optional."
            ),
        ),
        ("GET", opt_outs): oas.operation(
            "get_opt_outs",
            "The email categories a person opted out of",
            path=opt_outs,
            response=OptOutsView,
        ),
        ("PUT", opt_outs): oas.operation(
            "put_opt_outs",
            "Replace the categories a person opted out of",
            path=opt_outs,
            request=OptOutsBody,
            response=OptOutsView,
        ),
        ("GET", page): _public(
            oas.operation(
                "get_agenda_page",
                "A delegate's agenda page",
                path=page,
                content={"text/html": {"type": "string"}},
                params=_TOKEN,
                description=(
                    "The delegate's own rounds (presenting or attending), their colleagues' "
                    "rounds and the delegation's unmet interests with the reason, in the "
                    "currently published revision and the delegate's language: a small page "
                    "with no external assets. No API key: the address, sent only in the "
                    "delegate's agenda emails, is the credential; 404 once the delegate is "
                    "erased."
                ),
            )
        ),
        ("GET", feed): _public(
            oas.operation(
                "get_agenda_feed",
                "A delegate's live calendar (iCalendar)",
                path=feed,
                content={"text/calendar": {"type": "string"}},
                params=_TOKEN,
                description=(
                    "The delegate's rounds in the currently published revision: one VEVENT per "
                    "round, UID `round-<round_id>@<domain>` as in the emails' files and SEQUENCE "
                    "the schedule revision, so a subscribed calendar updates itself after a "
                    "re-plan. No API key (as the page); 404 once the delegate is erased."
                ),
            )
        ),
    }


_TOKEN = {
    "token": {
        "description": "the unguessable token of the delegate's agenda links",
        "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{43}$"},
    }
}


def _public(operation: dict) -> dict:
    """An operation anyone holding its address may call: no API key, no 401."""
    operation["security"] = []
    operation["responses"].pop("401", None)
    return operation


def openapi() -> dict:
    spec = APISpec(
        title="rueda notify",
        version=VERSION,
        openapi_version="3.1.0",
        plugins=[MarshmallowPlugin()],
        info={
            "description": (
                "Turns the other services' events into emails, in each recipient's language, "
                "exactly once. Over HTTP: the delivery log for staff, each person's opt-outs, and "
                "each delegate's agenda page and live calendar feed (public, at unguessable "
                "addresses). "
                "Errors are JSON with a stable code and the path of every invalid field."
            )
        },
        servers=[{"url": "http://127.0.0.1:8004"}],
    )
    from .service import NotifyService  # the entrypoints declare each operation's scope

    # scopes in each security requirement, with their 403 (and `show_addresses`
    # answers 403 too without notify:addresses)
    return oas.apply_scopes(oas.document(spec, _operations()), NotifyService)


def write(path: Path = DOCUMENT) -> None:
    oas.write(openapi(), path)


if __name__ == "__main__":
    write()
