"""The console in a real Chromium (Debian's), driven by Playwright, with
axe-core on every page: `python browse.py SCENARIO '{"base": ...}'`.

Run by test_pages.py in a child process without eventlet. Each scenario
plays one task as the secretariat would, asserts what the page shows, runs
axe-core (no serious or critical violation allowed), saves a screenshot of
each page, and prints one JSON line: the pages seen and what axe found.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect, sync_playwright

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE = Axe()
REPORT: dict = {"pages": [], "violations": {}}


def check(page, name: str, spec: dict) -> None:
    """axe-core on the page as it is now, and a screenshot of it."""
    results = AXE.run(page)
    bad = [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:3]}
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    REPORT["pages"].append(name)
    if bad:
        REPORT["violations"][name] = bad
    Path(spec["screenshots"]).mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(Path(spec["screenshots"]) / f"{name}.png"), full_page=True)


def sign_in(page, spec: dict, login: str) -> None:
    page.goto(spec["base"] + "/sign-in")
    page.get_by_label("Email address").fill(login)
    page.get_by_label("Password").fill(spec["password"])
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/workshops$"))


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/sign-in$"))


# -- scenarios ----------------------------------------------------------------------


def sign_in_and_out(page, context, spec):
    page.goto(spec["base"] + "/workshops")
    expect(page).to_have_url(re.compile(r"/sign-in\?next=/workshops"))
    check(page, "sign-in", spec)
    page.get_by_label("Email address").fill(spec["ana"])
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("not right")
    page.get_by_label("Password").fill(spec["password"])
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/workshops$"))
    # Ana's language in intake's registry is Spanish: the console speaks it
    expect(page.get_by_role("heading", level=1)).to_have_text("Talleres")
    cookie = next(c for c in context.cookies() if c["name"] == "rueda_console_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax", cookie
    check(page, "workshops-es", spec)
    # keyboard: the skip link is the first stop and shows where the focus is
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Ir al contenido")).to_be_focused()
    # she prefers English from now on (kept across sessions)
    page.get_by_label("Idioma").select_option("en")
    page.get_by_role("button", name="Cambiar").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Workshops")
    check(page, "workshops", spec)
    sign_out(page)
    page.goto(spec["base"] + "/workshops")
    expect(page).to_have_url(re.compile(r"/sign-in"))


def workshops(page, context, spec):
    sign_in(page, spec, spec["ana"])
    page.get_by_role("link", name="New workshop").click()
    check(page, "workshop-form", spec)
    page.get_by_label("Title").fill("Fifth Workshop on Social Protection")
    page.get_by_label("Place").fill("Lima, Peru")
    page.get_by_label("Time zone").fill("America/Lima")
    page.get_by_label("First day").fill("2027-11-08")
    page.get_by_label("Last day").fill("2027-11-09")
    page.get_by_label("Session start times").fill(
        "2027-11-08 09:00\n2027-11-08 10:00\n2027-11-09 09:00"
    )
    page.get_by_label("Tables per session").fill("3")
    page.get_by_label("Program profiles").fill("2027-10-01T23:59")
    page.get_by_label("Interest forms").fill("2027-10-15T23:59")
    page.get_by_label("Expressions of interest").fill("2027-12-15T23:59")
    page.get_by_role("button", name="Create the workshop").click()
    expect(page.get_by_role("status")).to_contain_text("Workshop created.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Fifth Workshop on Social Protection")
    page.get_by_role("link", name="Edit the workshop").click()
    expect(page.get_by_label("Session start times")).to_have_value(
        "2027-11-08 09:00\n2027-11-08 10:00\n2027-11-09 09:00"
    )
    page.get_by_label("Last day").fill("2027-11-07")
    page.get_by_role("button", name="Save the workshop").click()
    expect(page.get_by_role("alert")).to_contain_text("Some fields need another look.")
    expect(page.locator("#ends_on-error")).to_contain_text("must not be before starts_on")
    check(page, "workshop-form-refused", spec)
    page.get_by_label("Last day").fill("2027-11-09")
    page.get_by_label("Place").fill("Cusco, Peru")
    page.get_by_role("button", name="Save the workshop").click()
    expect(page.get_by_role("status")).to_contain_text("version 2")
    page.get_by_role("link", name="Workshops", exact=True).click()
    expect(page.get_by_role("link", name="Fifth Workshop on Social Protection")).to_be_visible()


def forms_and_review(page, context, spec):
    sign_in(page, spec, spec["ana"])
    page.goto(f"{spec['base']}/workshops/{spec['workshop_id']}")
    expect(
        page.get_by_text("3 delegation(s) have not submitted their interest form.")
    ).to_be_visible()
    check(page, "workshop-forms", spec)
    page.get_by_label("Show").select_option("interest")
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("#delegation-table tbody tr")
    expect(rows).to_have_count(3)
    page.goto(f"{spec['base']}/workshops/{spec['workshop_id']}#review")
    queue = page.locator("#review-table tbody tr")
    expect(queue).to_have_count(16)
    first = queue.nth(0)
    title = first.locator("th").inner_text()
    first.get_by_label("Reason to return it").fill("Add the achievements, please")
    first.get_by_role("button", name="Return").click()
    expect(page.get_by_role("status")).to_contain_text("Program returned to its delegation.")
    expect(page.locator("#review-table tbody tr")).to_have_count(15)
    page.locator("#review-table tbody tr").nth(0).get_by_role(
        "button", name=re.compile("^Accept")
    ).click()
    expect(page.get_by_role("status")).to_contain_text("Program accepted.")
    expect(page.locator("#review-table tbody tr")).to_have_count(14)
    REPORT["returned"] = title


def rounds(page, context, spec):
    sign_in(page, spec, spec["ana"])
    page.goto(f"{spec['base']}/workshops/{spec['workshop_id']}/rounds")
    expect(page.get_by_text("No schedule has been computed yet.")).to_be_visible()
    check(page, "rounds-empty", spec)
    page.get_by_label("Time limit (seconds)").fill("8")
    page.get_by_role("button", name="Compute the rounds").click()
    expect(page.get_by_role("status")).to_contain_text("Computation queued")
    if page.locator("progress").count():
        REPORT["progress_seen"] = True
        check(page, "rounds-computing", spec)
    # the script reloads the page when the job ends
    expect(page.get_by_role("heading", name="The grid")).to_be_visible(timeout=120_000)
    cells = page.locator("table.grid tbody td strong")
    REPORT["rounds"] = cells.count()
    expect(page.get_by_text("Only a coordinator publishes a schedule.")).to_be_visible()
    check(page, "rounds-grid", spec)
    # pin the first round where it is
    page.locator("table.grid").get_by_role("button", name=re.compile("^Pin here")).first.click()
    expect(page.get_by_role("status")).to_contain_text("Program pinned")
    expect(page.locator("table.grid").get_by_text("(pinned)")).to_have_count(1)
    sign_out(page)
    sign_in(page, spec, spec["rose"])
    page.goto(f"{spec['base']}/workshops/{spec['workshop_id']}/rounds")
    # the person-level grid: a presenter's name and attending delegates by name
    REPORT["people_in_grid"] = page.locator("table.grid ul.attending li").count()
    # a coordinator waits for re-plans after withdrawals (the story's next chapter)
    page.get_by_label("waits for a coordinator to publish it").check()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Re-planning setting saved.")
    # the preview: who is emailed (everyone: the first publication) and their agenda
    page.get_by_role("link", name="Preview and publish").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Publish the schedule")
    expect(page.get_by_text("This is the first publication")).to_be_visible()
    REPORT["preview_recipients"] = page.locator("table tbody tr").count()
    check(page, "rounds-publish-preview", spec)
    page.get_by_role("button", name="Publish this schedule").click()
    expect(page.get_by_role("status")).to_contain_text("Revision 1 published")
    check(page, "rounds-published", spec)
    # one delegation's view: what it got and why it missed the rest
    first = page.locator("table.grid tbody td a").first
    name = first.inner_text()
    first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect(page.get_by_role("heading", name="Rounds it presents")).to_be_visible()
    expect(page.get_by_role("heading", name="Interests not met, and why")).to_be_visible()
    check(page, "rounds-delegation", spec)


def replan(page, context, spec):
    """Peru withdrew (through intake, as the portal would); the re-plan waits:
    compare it with revision 1, preview who hears of it, publish revision 2."""
    sign_in(page, spec, spec["rose"])
    base = f"{spec['base']}/workshops/{spec['workshop_id']}/rounds"
    page.goto(base + "/compare?from=1")
    expect(page.get_by_text(re.compile(r"delegation\(s\) see a change"))).to_be_visible()
    expect(page.locator("ul.changes").first).to_contain_text("removed")
    REPORT["delegations_changed"] = page.locator("table tbody tr").count()
    check(page, "rounds-compare", spec)
    page.goto(base + "/publish")
    expect(page.get_by_text("Publishing replaces revision 1.")).to_be_visible()
    expect(page.locator("table tbody").first).to_contain_text("change notice")
    REPORT["notified"] = page.locator("table tbody tr").count()
    check(page, "rounds-replan-preview", spec)
    page.get_by_role("button", name="Publish this schedule").click()
    expect(page.get_by_role("status")).to_contain_text("Revision 2 published")


def followup(page, context, spec):
    sign_in(page, spec, spec["rose"])
    page.goto(f"{spec['base']}/workshops/{spec['workshop_id']}/activities")
    column = page.locator("section", has=page.get_by_role("heading", name=re.compile("^proposed")))
    expect(column.locator("li")).to_have_count(3)
    expect(page.locator(".overdue")).to_have_count(1)
    check(page, "activities-board", spec)
    column.locator("li a").first.click()
    expect(page.get_by_role("radio")).to_have_count(2)
    expect(page.get_by_role("radio", name="under review")).to_be_visible()
    expect(page.get_by_role("radio", name="withdrawn")).to_be_visible()
    check(page, "activity", spec)
    page.get_by_role("radio", name="under review").check()
    page.get_by_label("Reason", exact=True).fill("Expression complete; counterparts reachable")
    page.get_by_role("button", name="Move", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("under review")
    history = page.locator("h2:has-text('History') + table")
    expect(history).to_contain_text("Rose Coordinator [")
    expect(history).to_contain_text("Expression complete")
    expect(page.get_by_role("radio")).to_have_count(3)


def funding(page, context, spec):
    sign_in(page, spec, spec["ana"])
    page.goto(f"{spec['base']}/workshops/{spec['workshop_id']}/funding")
    # criteria and weights, edited on the page (a third criterion added)
    expect(page.locator("input[name^=key-][value=impact]")).to_have_count(1)
    page.get_by_label("Key of criterion 3").fill("reach")
    page.get_by_label("Name of criterion 3").fill("Reach")
    page.get_by_label("Weight of criterion 3").fill("2")
    page.get_by_role("button", name="Save the criteria").click()
    expect(page.get_by_role("status")).to_contain_text("Criteria and weights saved.")
    expect(page.get_by_label("Name of criterion 3")).to_have_value("Reach")
    # the browser refuses a weight out of range by itself; the page refuses two
    # criteria with one key, and keeps what was saved
    page.get_by_label("Key of criterion 4").fill("reach")
    page.get_by_label("Name of criterion 4").fill("Reach again")
    page.get_by_label("Weight of criterion 4").fill("1")
    page.get_by_role("button", name="Save the criteria").click()
    expect(page.get_by_role("alert")).to_contain_text("each criterion needs its own key")
    expect(page.get_by_label("Key of criterion 4")).to_have_value("")
    # each activity's scores and cost
    reach = page.get_by_label(re.compile("^Reach for "))
    REPORT["scored"] = reach.count()
    for n in range(reach.count()):
        reach.nth(n).fill(str(5 - n))
        page.locator("form[id^=scores-] button").nth(n).click()
        expect(page.get_by_role("status")).to_contain_text("Scores saved.")
    check(page, "funding", spec)
    page.get_by_label("Budget").fill("30000")
    page.get_by_role("button", name="Propose").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Funding selection")
    expect(page.get_by_text("Only a coordinator confirms a funding selection.")).to_be_visible()
    url = page.url
    sign_out(page)
    sign_in(page, spec, spec["rose"])
    page.goto(url)
    check(page, "funding-selection", spec)
    page.get_by_role("button", name="Confirm this selection").click()
    expect(page.get_by_role("status")).to_contain_text("Selection confirmed.")
    expect(page.locator("dl.facts")).to_contain_text("Rose Coordinator [")
    REPORT["selected"] = page.locator("h2:has-text('Selected') + table tbody tr").count()


def reports(page, context, spec):
    sign_in(page, spec, spec["ana"])
    page.goto(f"{spec['base']}/workshops/{spec['workshop_id']}/reports")
    expect(page.get_by_role("heading", name="Supply and demand of cooperation")).to_be_visible()
    check(page, "reports", spec)
    with page.expect_download() as info:
        page.get_by_role(
            "link", name=re.compile("Supply and demand of cooperation \\(CSV\\)")
        ).click()
    content = Path(info.value.path()).read_text(encoding="utf-8-sig")
    REPORT["csv_header"] = content.splitlines()[0]
    REPORT["csv_lines"] = len(content.splitlines())
    chart = page.request.get(
        f"{spec['base']}/workshops/{spec['workshop_id']}/reports/demand_by_topic.png"
    )
    assert chart.ok and chart.body()[:4] == b"\x89PNG", chart.status


def languages(page, context, spec):
    """Portuguese and French, chosen per person."""
    sign_in(page, spec, spec["rose"])
    page.get_by_label("Language").select_option("pt")
    page.get_by_role("button", name="Change").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Oficinas")
    check(page, "workshops-pt", spec)
    page.get_by_label("Idioma").select_option("fr")
    page.get_by_role("button", name="Alterar").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ateliers")
    page.goto(f"{spec['base']}/workshops/{spec['workshop_id']}/rounds")
    expect(page.get_by_role("heading", level=1)).to_have_text("Tours")
    check(page, "rounds-fr", spec)
    page.get_by_label("Langue").select_option("en")
    page.get_by_role("button", name="Changer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rounds")


def mail(page, context, spec):
    sign_in(page, spec, spec["ana"])
    page.goto(spec["base"] + "/mail")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mail deliveries")
    check(page, "mail", spec)
    page.get_by_label("Kind").select_option("program_received")
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("table tbody tr")
    REPORT["program_receipts"] = rows.count()
    page.get_by_label("State").select_option("failed")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("No delivery matches.")).to_be_visible()


def remind(page, context, spec):
    """The delegations without an interest form: one ticked and reminded, then all who have not."""
    sign_in(page, spec, spec["ana"])
    page.goto(f"{spec['base']}/workshops/{spec['workshop_id']}?missing=interest")
    rows = page.locator("#delegation-table tbody tr")
    expect(rows).to_have_count(3)
    name = rows.nth(0).locator("th").inner_text().splitlines()[0]
    rows.nth(0).get_by_role("checkbox", name=re.compile("^Remind")).check()
    page.locator("#remind-which").select_option("interest")
    page.get_by_role("button", name="Remind the delegations ticked").click()
    expect(page.get_by_role("status")).to_contain_text(f"Reminder sent to 1 delegation(s): {name}.")
    check(page, "workshop-reminded", spec)
    page.get_by_role("button", name="Remind the delegations ticked").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose the delegations to remind")
    page.locator("#remind-which").select_option("interest")
    page.get_by_role("button", name="Remind all who have not submitted").click()
    expect(page.get_by_role("status")).to_contain_text("Reminder sent to 3 delegation(s)")
    REPORT["first_reminded"] = name


def resend(page, context, spec):
    """A failed delivery, with the server's reply, sent again from the mail page."""
    sign_in(page, spec, spec["ana"])
    page.goto(spec["base"] + "/mail?status=failed")
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Simulated permanent failure")
    check(page, "mail-failed", spec)
    rows.first.get_by_role("button", name=re.compile("^Resend")).click()
    expect(page.get_by_role("status")).to_contain_text("The email will be sent again")
    expect(page).to_have_url(re.compile(r"/mail\?status=failed$"))
    expect(page.get_by_text("No delivery matches.")).to_be_visible()


SCENARIOS = {
    f.__name__: f
    for f in (
        sign_in_and_out,
        workshops,
        forms_and_review,
        remind,
        rounds,
        replan,
        followup,
        funding,
        reports,
        languages,
        mail,
        resend,
    )
}


def main() -> int:
    scenario, spec = sys.argv[1], json.loads(sys.argv[2])
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        context = browser.new_context(
            locale="en-GB", accept_downloads=True, viewport={"width": 1400, "height": 900}
        )
        page = context.new_page()
        page.set_default_timeout(20_000)
        try:
            SCENARIOS[scenario](page, context, spec)
        except Exception:
            Path(spec["screenshots"]).mkdir(parents=True, exist_ok=True)
            page.screenshot(
                path=str(Path(spec["screenshots"]) / f"failed-{scenario}.png"), full_page=True
            )
            print(f"page: {page.url}", file=sys.stderr)
            raise
        finally:
            browser.close()
    print(json.dumps(REPORT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
