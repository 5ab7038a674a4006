"""console's nameko entrypoints: pages only. Each opens the visit (session,
CSRF, roles), calls its view in `console.pages` and answers; every read and
write goes through the other services' HTTP APIs (`console.gateway`)."""

from __future__ import annotations

from pathlib import Path

from werkzeug.wrappers import Response

from rueda_backbone import LoggingContext

from .health import probes
from .pages import activities, funding, mail, reports, rounds, signin, workshops
from .web import VisitProvider, page, redirect

STATIC = Path(__file__).parent / "pages" / "static"
STATIC_TYPES = {
    "console.css": "text/css; charset=utf-8",
    "console.js": "text/javascript; charset=utf-8",
}
W = "/workshops/<string:workshop_id>"


class ConsoleService:
    name = "console"

    visits = VisitProvider()
    log = LoggingContext()

    # -- signing in -----------------------------------------------------------------

    @page("GET", "/")
    def home(self, request):
        return redirect("/workshops")

    @page("GET", "/sign-in")
    def sign_in_form(self, request):
        return signin.form(self.visits.anonymous(request))

    @page("POST", "/sign-in")
    def sign_in(self, request):
        return signin.sign_in(self.visits.anonymous(request))

    @page("POST", "/sign-out")
    def sign_out(self, request):
        return self.visits.sign_out(request)

    @page("POST", "/preferences/language")
    def set_language(self, request):
        return signin.language(self.visits.open(request))

    @page("GET", "/static/<string:filename>")
    def static(self, request, filename):
        if filename not in STATIC_TYPES:
            return Response("not found", status=404, mimetype="text/plain")
        return Response(
            (STATIC / filename).read_bytes(),
            content_type=STATIC_TYPES[filename],
            headers={"Cache-Control": "public, max-age=300"},
        )

    # -- workshops, delegations and forms --------------------------------------------

    @page("GET", "/workshops")
    def workshops(self, request):
        return workshops.index(self.visits.open(request))

    @page("GET", "/workshops/new")
    def new_workshop(self, request):
        return workshops.new(self.visits.open(request))

    @page("POST", "/workshops")
    def create_workshop(self, request):
        return workshops.save(self.visits.open(request, "edit_workshop"))

    @page("GET", W)
    def workshop(self, request, workshop_id):
        return workshops.show(self.visits.open(request), workshop_id)

    @page("GET", f"{W}/edit")
    def edit_workshop(self, request, workshop_id):
        return workshops.edit(self.visits.open(request, "edit_workshop"), workshop_id)

    @page("POST", W)
    def revise_workshop(self, request, workshop_id):
        return workshops.save(self.visits.open(request, "edit_workshop"), workshop_id)

    @page("POST", f"{W}/programs/<string:program_id>/review")
    def review_program(self, request, workshop_id, program_id):
        return workshops.review(
            self.visits.open(request, "review_program"), workshop_id, program_id
        )

    @page("POST", f"{W}/late-windows")
    def grant_late_window(self, request, workshop_id):
        return workshops.grant_late_window(
            self.visits.open(request, "grant_late_window"), workshop_id
        )

    @page("POST", f"{W}/reminders")
    def remind_delegations(self, request, workshop_id):
        return workshops.remind(self.visits.open(request, "remind_delegations"), workshop_id)

    # -- rounds -------------------------------------------------------------------------

    @page("GET", f"{W}/rounds")
    def rounds(self, request, workshop_id):
        return rounds.show(self.visits.open(request), workshop_id)

    @page("POST", f"{W}/rounds/compute")
    def compute_rounds(self, request, workshop_id):
        return rounds.compute(self.visits.open(request, "compute_rounds"), workshop_id)

    @page("GET", f"{W}/rounds/jobs/<string:job_id>.json")
    def rounds_job(self, request, workshop_id, job_id):
        return rounds.job(self.visits.open(request), workshop_id, job_id)

    @page("POST", f"{W}/rounds/jobs/<string:job_id>/cancel")
    def cancel_rounds_job(self, request, workshop_id, job_id):
        return rounds.cancel(self.visits.open(request, "compute_rounds"), workshop_id, job_id)

    @page("POST", f"{W}/rounds/pins/<string:program_id>")
    def pin_program(self, request, workshop_id, program_id):
        return rounds.pin(self.visits.open(request, "compute_rounds"), workshop_id, program_id)

    @page("GET", f"{W}/rounds/delegations/<string:delegation_id>")
    def delegation_rounds(self, request, workshop_id, delegation_id):
        return rounds.delegation(self.visits.open(request), workshop_id, delegation_id)

    @page("GET", f"{W}/rounds/compare")
    def compare_rounds(self, request, workshop_id):
        return rounds.compare(self.visits.open(request), workshop_id)

    @page("GET", f"{W}/rounds/publish")
    def preview_publication(self, request, workshop_id):
        return rounds.preview(self.visits.open(request, "publish_schedule"), workshop_id)

    @page("POST", f"{W}/rounds/replanning")
    def set_replanning(self, request, workshop_id):
        return rounds.replanning(self.visits.open(request, "publish_schedule"), workshop_id)

    @page("POST", f"{W}/rounds/publish")
    def publish_rounds(self, request, workshop_id):
        return rounds.publish(self.visits.open(request, "publish_schedule"), workshop_id)

    # -- follow-up ---------------------------------------------------------------------

    @page("GET", f"{W}/activities")
    def activities(self, request, workshop_id):
        return activities.board(self.visits.open(request), workshop_id)

    @page("GET", f"{W}/activities/<string:activity_id>")
    def activity(self, request, workshop_id, activity_id):
        return activities.show(self.visits.open(request), workshop_id, activity_id)

    @page("POST", f"{W}/activities/<string:activity_id>/moves")
    def move_activity(self, request, workshop_id, activity_id):
        return activities.move(self.visits.open(request, "move_activity"), workshop_id, activity_id)

    @page("POST", f"{W}/activities/<string:activity_id>/owner")
    def assign_activity(self, request, workshop_id, activity_id):
        return activities.assign(
            self.visits.open(request, "assign_activity"), workshop_id, activity_id
        )

    # -- funding ------------------------------------------------------------------------

    @page("GET", f"{W}/funding")
    def funding(self, request, workshop_id):
        return funding.show(self.visits.open(request), workshop_id)

    @page("POST", f"{W}/funding/criteria")
    def save_criteria(self, request, workshop_id):
        return funding.save_criteria(self.visits.open(request, "score_activities"), workshop_id)

    @page("POST", f"{W}/funding/activities/<string:activity_id>/scores")
    def save_scores(self, request, workshop_id, activity_id):
        return funding.save_scores(
            self.visits.open(request, "score_activities"), workshop_id, activity_id
        )

    @page("POST", f"{W}/funding/selections")
    def propose_selection(self, request, workshop_id):
        return funding.propose(self.visits.open(request, "propose_selection"), workshop_id)

    @page("GET", f"{W}/funding/selections/<string:selection_id>")
    def selection(self, request, workshop_id, selection_id):
        return funding.selection(self.visits.open(request), workshop_id, selection_id)

    @page("POST", f"{W}/funding/selections/<string:selection_id>/confirm")
    def confirm_selection(self, request, workshop_id, selection_id):
        return funding.confirm(
            self.visits.open(request, "confirm_selection"), workshop_id, selection_id
        )

    # -- reports and mail --------------------------------------------------------------

    @page("GET", f"{W}/reports")
    def reports(self, request, workshop_id):
        return reports.show(self.visits.open(request), workshop_id)

    @page("GET", f"{W}/reports/<string:filename>")
    def report_file(self, request, workshop_id, filename):
        return reports.file(self.visits.open(request), workshop_id, filename)

    @page("GET", "/mail")
    def mail(self, request):
        return mail.index(self.visits.open(request))

    @page("POST", "/mail/<string:email_id>/resend")
    def resend_delivery(self, request, email_id):
        return mail.resend(self.visits.open(request, "resend_delivery"), email_id)

    health = probes()
