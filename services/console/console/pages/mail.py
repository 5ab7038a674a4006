"""Mail: notify's deliveries by person, kind and state, newest first, the
failed ones with the SMTP server's reply. Paged with a cursor (`until` =
the oldest shown), since notify answers newest first."""

from __future__ import annotations

from .. import domain
from ..exceptions import Upstream
from ..gateway import path
from ..web import Visit

KINDS = (
    "program_received",
    "program_reviewed",
    "interest_received",
    "expression_received",
    "agenda",
    "schedule_changed",
    "follow_up_due",
    "weekly_digest",
    "funding_selection",
    "activity_status_changed",
    "submission_reminder",
)
STATUSES = ("pending", "sent", "failed")
PAGE_SIZE = 50


def index(visit: Visit):
    args = visit.request.args
    status = args.get("status") if args.get("status") in STATUSES else None
    kind = args.get("kind") if args.get("kind") in KINDS else None
    recipient = (args.get("recipient_id") or "").strip()[:64] or None
    until = (args.get("until") or "").strip()[:40] or None
    deliveries = visit.gateway.notify.get(
        "/deliveries",
        params={
            "status": status,
            "kind": kind,
            "recipient_id": recipient,
            "until": until,
            "limit": PAGE_SIZE + 1,
        },
    )["deliveries"]
    more = len(deliveries) > PAGE_SIZE
    deliveries = deliveries[:PAGE_SIZE]
    staff = {
        m["id"]: m["name"]
        for m in visit.gateway.intake.get("/staff", params={"limit": 200})["items"]
    }
    failed = visit.gateway.notify.get("/deliveries", params={"status": "failed", "limit": 1000})
    return visit.render(
        "mail.html",
        deliveries=deliveries,
        staff=staff,
        kinds=KINDS,
        statuses=STATUSES,
        state=status or "",
        kind=kind or "",
        recipient_id=recipient or "",
        more=more,
        next_until=deliveries[-1]["created_at"] if more else None,
        failed_count=len(failed["deliveries"]),
    )


def resend(visit: Visit, email_id: str):
    """Send a failed email again (notify keeps its Message-ID and notes it in the log)."""
    visit.require("resend_delivery")
    back = domain.safe_next(visit.form("back"), "/mail")
    back = back if back.startswith("/mail") else "/mail"
    try:
        visit.gateway.notify.post(
            path("deliveries", email_id, "resend"),
            {
                "note": visit.gettext(
                    "resent from the console by %(name)s", name=visit.person["name"]
                )
            },
        )
    except Upstream as refused:
        return visit.redirect(back, text=refused.message, kind="error", fields=refused.fields)
    return visit.redirect(
        back,
        text=visit.gettext(
            "The email will be sent again in a moment; its state shows here once it is."
        ),
    )
