"""Signing in and what protects every page: sessions, cookie flags, CSRF,
the rate limit, roles from intake's registry."""

import pytest
import requests

from .conftest import PASSWORD, Browser

pytestmark = pytest.mark.broker


@pytest.mark.parametrize(
    "path",
    [
        "/workshops",
        "/workshops/new",
        "/mail",
        "/workshops/w1/rounds",
        "/workshops/w1/reports/supply_demand.csv",
        "/workshops/w1/rounds/jobs/j1.json",
    ],
)
def test_no_page_or_download_without_signing_in(console, path):
    response = requests.get(console + path, allow_redirects=False, timeout=10)
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/sign-in?next=/")


def test_signing_in_sets_an_httponly_samesite_session_cookie_and_signing_out_ends_it(
    console, intake, password_for
):
    login = password_for(intake.staff("Ana", ["secretariat"]))
    browser = Browser(console)
    answer = browser.sign_in(login)
    assert answer.status_code == 303 and answer.headers["Location"] == "/workshops"
    cookie = next(
        c for c in answer.headers["Set-Cookie"].split(", rueda") if "rueda_console_session=" in c
    )
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie and "Max-Age=43200" in cookie
    page = browser.page("/workshops")
    assert page.status_code == 200 and "Ana" in page.text
    assert page.headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert browser.submit("/sign-out").status_code == 303
    assert browser.page("/workshops").status_code == 303


def test_the_cookie_is_secure_when_configured(start_console, intake, password_for):
    base, _ = start_console(COOKIE_SECURE="true")
    login = password_for(intake.staff("Bea", ["secretariat"]))
    form = requests.get(base + "/sign-in", timeout=10)
    assert "Secure" in form.headers["Set-Cookie"] and "HttpOnly" in form.headers["Set-Cookie"]
    token = (
        form.cookies.get("rueda_console_signin")
        or form.headers["Set-Cookie"].split("rueda_console_signin=")[1].split(";")[0]
    )
    # a browser sends a Secure cookie over HTTPS only; this client is told to
    answer = requests.post(
        base + "/sign-in",
        data={"login": login, "password": PASSWORD, "csrf_token": token},
        cookies={"rueda_console_signin": token},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 303
    assert "rueda_console_session=" in answer.headers["Set-Cookie"]
    assert "Secure" in answer.headers["Set-Cookie"].split("rueda_console_session=")[1]


def test_a_form_posted_without_its_csrf_token_gets_403(console, intake, password_for):
    login = password_for(intake.staff("Ana", ["secretariat"]))
    stranger = Browser(console)
    stranger.page("/sign-in")
    assert (
        stranger.submit("/sign-in", {"login": login, "password": "x"}, csrf=False).status_code
        == 403
    )
    browser = Browser(console)
    browser.sign_in(login)
    browser.page("/workshops")
    assert browser.submit("/workshops", {"title": "x"}, csrf=False).status_code == 403
    assert (
        browser.submit("/workshops", {"title": "x", "csrf_token": "forged"}, csrf=False).status_code
        == 403
    )
    assert browser.submit("/sign-out", csrf=False).status_code == 403


def test_a_secretariat_member_cannot_publish_a_schedule_or_confirm_a_selection(
    console, intake, password_for
):
    login = password_for(intake.staff("Ana", ["secretariat"]))
    browser = Browser(console)
    browser.sign_in(login)
    browser.page("/workshops")
    assert browser.submit("/workshops/w1/rounds/publish").status_code == 403
    assert browser.submit("/workshops/w1/funding/selections/s1/confirm").status_code == 403


def test_a_focal_point_liaison_reads_but_cannot_create_a_workshop(console, intake, password_for):
    login = password_for(intake.staff("Lia", ["focal_point_liaison"]))
    browser = Browser(console)
    browser.sign_in(login)
    assert browser.page("/workshops").status_code == 200
    assert browser.page("/workshops/new").status_code == 403


def test_sign_in_is_refused_after_five_failures_even_with_the_right_password(
    console, intake, password_for
):
    login = password_for(intake.staff("Ana", ["secretariat"]))
    browser = Browser(console)
    for _ in range(5):
        assert browser.sign_in(login, "not the password").status_code == 401
    answer = browser.sign_in(login)
    assert answer.status_code == 429 and "Too many failed attempts" in answer.text


def test_a_member_who_left_intakes_registry_is_signed_out(start_console, intake, password_for):
    base, _ = start_console(ROLES_REFRESH_SECONDS=0)
    ana = intake.staff("Ana", ["secretariat"])
    login = password_for(ana)
    browser = Browser(base)
    browser.sign_in(login)
    assert browser.page("/workshops").status_code == 200
    intake.call(
        "PUT",
        f"/staff/{ana['id']}",
        {
            "name": "Ana",
            "email": "ana@sec.example.org",
            "language": "en",
            "roles": ["secretariat"],
            "active": False,
        },
    )
    assert browser.page("/workshops").status_code == 303
    assert browser.sign_in(login).status_code == 401


def test_a_redirect_after_sign_in_never_leaves_the_console(console, intake, password_for):
    login = password_for(intake.staff("Ana", ["secretariat"]))
    browser = Browser(console)
    browser.page("/sign-in?next=//evil.example/")
    answer = browser.post(
        console + "/sign-in?next=//evil.example/",
        data={"login": login, "password": "a long enough password", "csrf_token": browser.csrf},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.headers["Location"] == "/workshops"


def test_behind_a_proxy_the_limit_counts_the_browsers_address_not_the_proxys(
    start_console, intake, password_for
):
    base, _ = start_console(
        CLIENT_ADDRESS_HEADER="X-Forwarded-For", SIGN_IN_MAX_FAILURES_PER_ADDRESS=2
    )
    login = password_for(intake.staff("Ana", ["secretariat"]))
    for n in range(2):
        guesser = Browser(base)
        guesser.headers["X-Forwarded-For"] = "203.0.113.9"
        assert guesser.sign_in(f"nobody{n}@example.org", "guess").status_code == 401
    blocked = Browser(base)
    blocked.headers["X-Forwarded-For"] = "203.0.113.9"
    assert blocked.sign_in(login).status_code == 429
    colleague = Browser(base)
    colleague.headers["X-Forwarded-For"] = "198.51.100.7"
    assert colleague.sign_in(login).status_code == 303
