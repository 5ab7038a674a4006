"""Signing in and out, and the person's language."""

from __future__ import annotations

from .. import domain
from ..exceptions import SignInRefused
from ..web import Visit, redirect


def form(visit: Visit):
    return visit.render(
        "sign_in.html",
        refused=None,
        login="",
        next=domain.safe_next(visit.request.args.get("next"), ""),
    )


def sign_in(visit: Visit):
    login = visit.form("login")[:320]
    try:
        return visit.visits.sign_in(visit, login, visit.request.form.get("password") or "")
    except SignInRefused as refused:
        status = 429 if refused.reason == "rate_limited" else 401
        return visit.render(
            "sign_in.html",
            status=status,
            refused=refused.reason,
            login=login,
            next=domain.safe_next(visit.request.args.get("next"), ""),
        )


def language(visit: Visit):
    chosen = visit.form("language")
    if chosen in domain.LANGUAGES:
        visit.visits.set_language(visit, chosen)
    return redirect(domain.safe_next(visit.form("next")))
