"""Every use case through its one shape, `(message_or_command, *, uow, now)`,
at a fixed instant: what it answers, what it keeps, what it publishes, and
who the audit trail says acted from where (the unit of work's origin)."""

import inspect
from datetime import UTC, date, datetime, timedelta

import pytest

from followup import exceptions, inbound, reports, usecases
from followup.exceptions import BadParameter, FieldRefused
from followup.models import Delegation, Program, ScheduleRound, StaffMember, Workshop
from rueda_backbone import Conflict, NotFound
from rueda_backbone.envelope import Envelope, Event

from .conftest import delegation, expression, published, staff, withdrawal, workshop

NOW = datetime(2027, 10, 24, 9, tzinfo=UTC)  # a Sunday
HTTP = "http:secretariat-app@127.0.0.1"
EVENT = "event:intake/expression_of_interest_submitted"
# the timer's scans have no input: only the unit of work and the time
JOBS = {"scan_follow_ups", "prepare_digests"}


def use_cases():
    return [(name, getattr(usecases, name)) for name in usecases.__all__]


@pytest.mark.parametrize("name,use_case", use_cases())
def test_every_use_case_takes_its_input_then_the_unit_of_work_and_the_time(name, use_case):
    parameters = list(inspect.signature(use_case).parameters.values())
    positional = [p.name for p in parameters if p.kind is p.POSITIONAL_OR_KEYWORD]
    keywords = [p.name for p in parameters if p.kind is p.KEYWORD_ONLY]
    assert positional == ([] if name in JOBS else [positional[0]]), name
    assert keywords[:2] == ["uow", "now"], name
    extras = [p for p in parameters if p.kind is p.KEYWORD_ONLY][2:]
    assert all(p.default is not p.empty for p in extras), name


def test_every_consumed_event_goes_to_an_exported_use_case():
    exported = {use_case for _, use_case in use_cases()}
    assert {row.use_case for row in inbound.CONSUMES} <= exported
    # the settings a row passes are defaults of its use case, so tests may omit them
    assert {row.uses for row in inbound.CONSUMES} == {(), ("settings",)}


@pytest.fixture
def staffed(uow):
    """A workshop in Lima with a secretariat member and a coordinator."""
    usecases.record_workshop(workshop("w1", "America/Lima"), uow=uow, now=NOW)
    usecases.record_staff_member(staff("ana", "secretariat"), uow=uow, now=NOW)
    usecases.record_staff_member(staff("carlos", "coordinator"), uow=uow, now=NOW)
    for delegation_id, institution, country in (
        ("d-pe", "MIDIS", "Peru"),
        ("d-br", "MDS", "Brazil"),
        ("d-uy", "MIDES", "Uruguay"),
    ):
        usecases.record_delegation(
            delegation(delegation_id, institution, country, version=1), uow=uow, now=NOW
        )
    return uow


@pytest.fixture
def activity(staffed):
    uow = staffed
    uow.origin = EVENT
    made = usecases.record_expression(expression("x1"), uow=uow, now=NOW)
    uow.origin = HTTP
    uow.envelopes.clear()
    return made


def last_change(view: dict) -> tuple:
    change = view["trail"][-1]
    return change["kind"], change["actor"], change["origin"], change["at"]


# -- the read model of intake and matching ---------------------------------------------


def test_record_workshop_keeps_the_latest_version(uow):
    usecases.record_workshop(workshop("w1", "America/Lima", version=2), uow=uow, now=NOW)
    usecases.record_workshop(workshop("w1", "UTC", version=1), uow=uow, now=NOW)
    assert uow.session.get(Workshop, "w1").time_zone == "America/Lima"


def test_record_delegation_names_the_focal_point(uow):
    usecases.record_delegation(delegation("d-pe", "MIDIS", "Peru", version=1), uow=uow, now=NOW)
    assert uow.session.get(Delegation, "d-pe").focal_point_delegate_id == "d-pe-1"


def test_withdraw_delegation_marks_it_withdrawn_and_a_later_revision_reopens_it(uow):
    usecases.record_delegation(delegation("d-pe", "MIDIS", "Peru", version=1), uow=uow, now=NOW)
    usecases.withdraw_delegation({"delegation_id": "d-pe", "version": 1}, uow=uow, now=NOW)
    assert uow.session.get(Delegation, "d-pe").withdrawn_version == 1
    usecases.record_delegation(delegation("d-pe", "MIDIS", "Peru", version=2), uow=uow, now=NOW)
    assert uow.session.get(Delegation, "d-pe").withdrawn_version is None


def test_record_program_keeps_title_topics_and_the_v2_fields(uow):
    message = inbound.CONSUMES.reader_for("intake", "program_submitted", 2)().load(
        {
            "program_id": "p1",
            "delegation_id": "d-br",
            "title": "PAA",
            "version": 1,
            "topics": ["food_security"],
            "workshop_id": "w1",
            "country": "Brazil",
        }
    )
    usecases.record_program(message, uow=uow, now=NOW)
    program = uow.session.get(Program, "p1")
    assert (program.title, program.topics, program.workshop_id, program.country) == (
        "PAA",
        ["food_security"],
        "w1",
        "Brazil",
    )


def test_record_staff_member_ignores_an_older_version(uow):
    usecases.record_staff_member(staff("ana", "secretariat", version=2), uow=uow, now=NOW)
    usecases.record_staff_member(staff("ana", "coordinator", version=1), uow=uow, now=NOW)
    assert uow.session.get(StaffMember, "ana").roles == ["secretariat"]


def test_record_schedule_keeps_the_latest_revisions_rounds(uow):
    for revision in (2, 1):
        usecases.record_schedule(
            inbound.SchedulePublished().load(
                {
                    "workshop_id": "w1",
                    "revision": revision,
                    "rounds": [{"round_id": f"r{revision}", "session": 1, "table": 1}],
                }
            ),
            uow=uow,
            now=NOW,
        )
        uow.session.flush()
    assert [r.round_id for r in uow.session.query(ScheduleRound)] == ["r2"]


# -- the activity's lifecycle -------------------------------------------------------------


def test_record_expression_proposes_an_activity_to_the_secretariat(staffed):
    uow = staffed
    uow.origin = EVENT
    activity = usecases.record_expression(expression("x1"), uow=uow, now=NOW)
    assert (activity.state, activity.owner_staff_id) == ("proposed", "ana")
    assert activity.follow_up_on == date(2027, 10, 31)  # a week from "today" in Lima
    [event] = published(uow, "activity_proposed")
    assert (event.schema_version, event.payload["activity_id"]) == (1, activity.id)
    view = usecases.get_activity({"activity_id": activity.id}, uow=uow, now=NOW)
    assert last_change(view) == ("created", "intake", EVENT, NOW.isoformat())


def test_withdraw_expression_withdraws_its_open_activity(uow, activity):
    uow.origin = "event:intake/expression_of_interest_withdrawn"
    usecases.withdraw_expression(withdrawal("x1"), uow=uow, now=NOW)
    assert (activity.state, activity.follow_up_on) == ("withdrawn", None)
    [event] = published(uow, "activity_status_changed")
    assert (event.payload["from_state"], event.payload["changed_by"]) == ("proposed", "intake")


def test_create_activity_is_recorded_by_the_staff_member_named(staffed):
    uow = staffed
    uow.origin = HTTP
    view = usecases.create_activity(
        {
            "workshop_id": "w1",
            "demanding_delegation_id": "d-pe",
            "supplying_delegation_ids": ["d-br", "d-br"],
            "topic": "food_security",
            "activity_types": ["virtual"],
            "by": "ana",
        },
        uow=uow,
        now=NOW,
    )
    assert (view["state"], view["owner_staff_id"], view["proposed_at"]) == (
        "proposed",
        "ana",
        NOW.isoformat(),
    )
    assert [d["delegation_id"] for d in view["supplying"]] == ["d-br"]
    assert last_change(view) == ("created", "ana", HTTP, NOW.isoformat())
    assert [e.event_type for e in published(uow)] == ["activity_proposed"]


def test_create_activity_refuses_an_owner_who_is_not_active_staff(staffed):
    with pytest.raises(FieldRefused) as refused:
        usecases.create_activity(
            {
                "workshop_id": "w1",
                "demanding_delegation_id": "d-pe",
                "supplying_delegation_ids": [],
                "topic": "t",
                "activity_types": [],
                "owner_staff_id": "nobody",
            },
            uow=staffed,
            now=NOW,
        )
    assert refused.value.fields[0]["path"] == "owner_staff_id"


def test_get_activity_answers_the_view_with_its_trail_or_not_found(uow, activity):
    view = usecases.get_activity({"activity_id": activity.id}, uow=uow, now=NOW)
    assert view["id"] == activity.id and "trail" in view and view["updates"] == []
    with pytest.raises(NotFound):
        usecases.get_activity({"activity_id": "none"}, uow=uow, now=NOW)


def test_list_activities_filters_and_counts_lateness_at_now(uow, activity):
    found = usecases.list_activities(
        {"workshop_id": "w1", "states": ["proposed"]}, uow=uow, now=NOW
    )["activities"]
    assert [a["id"] for a in found] == [activity.id] and "trail" not in found[0]
    later = NOW + timedelta(days=10)
    assert (
        usecases.list_activities({"overdue": True}, uow=uow, now=later)["activities"][0][
            "days_overdue"
        ]
        == 3
    )
    assert usecases.list_activities({"overdue": False}, uow=uow, now=later)["activities"] == []
    assert usecases.list_activities({"delegation_id": "d-cl"}, uow=uow, now=NOW)["activities"] == []


def test_transition_moves_publishes_and_keeps_who_and_why(uow, activity):
    view = usecases.transition(
        {"activity_id": activity.id, "to": "under_review", "reason": "form complete", "by": "ana"},
        uow=uow,
        now=NOW,
    )
    assert view["state"] == "under_review" and view["trail"][-1]["reason"] == "form complete"
    assert last_change(view) == ("transition", "ana", HTTP, NOW.isoformat())
    [event] = published(uow, "activity_status_changed")
    assert (event.payload["changed_by"], event.payload["changed_at"]) == ("ana", NOW.isoformat())
    with pytest.raises(Conflict):
        usecases.transition(
            {"activity_id": activity.id, "to": "evaluated", "reason": "x"}, uow=uow, now=NOW
        )


def test_resolve_supplying_names_the_other_side_but_never_the_demanding_one(uow, activity):
    view = usecases.resolve_supplying(
        {"activity_id": activity.id, "supplying_delegation_ids": ["d-uy"]}, uow=uow, now=NOW
    )
    assert [d["delegation_id"] for d in view["supplying"]] == ["d-uy"]
    assert last_change(view) == ("supplying_resolved", "secretariat-app", HTTP, NOW.isoformat())
    with pytest.raises(FieldRefused):
        usecases.resolve_supplying(
            {"activity_id": activity.id, "supplying_delegation_ids": ["d-pe"]}, uow=uow, now=NOW
        )


# -- owners and follow-ups -----------------------------------------------------------------


def test_assign_owner_gives_the_activity_to_active_staff(uow, activity):
    usecases.record_staff_member(staff("bea", "secretariat"), uow=uow, now=NOW)
    view = usecases.assign_owner(
        {"activity_id": activity.id, "owner_staff_id": "bea", "by": "carlos"}, uow=uow, now=NOW
    )
    assert view["owner_staff_id"] == "bea"
    assert last_change(view) == ("owner_assigned", "carlos", HTTP, NOW.isoformat())


def test_set_follow_up_sets_the_date_of_a_followed_activity_only(uow, activity):
    view = usecases.set_follow_up(
        {"activity_id": activity.id, "follow_up_on": date(2027, 10, 20)}, uow=uow, now=NOW
    )
    assert (view["follow_up_on"], view["lateness"], view["days_overdue"]) == (
        "2027-10-20",
        "overdue",
        4,
    )
    usecases.transition(
        {"activity_id": activity.id, "to": "withdrawn", "reason": "gone"}, uow=uow, now=NOW
    )
    with pytest.raises(Conflict):
        usecases.set_follow_up(
            {"activity_id": activity.id, "follow_up_on": date(2027, 11, 1)}, uow=uow, now=NOW
        )


def test_follow_up_settings_are_the_defaults_until_set(uow):
    assert usecases.get_follow_up_settings({"workshop_id": "w9"}, uow=uow, now=NOW) == {
        "workshop_id": "w9",
        "time_zone": "UTC",
        "cadence_days": {
            "proposed": 7,
            "under_review": 14,
            "selected": 30,
            "planned": 30,
            "in_progress": 30,
            "completed": 60,
        },
        "due_soon_days": 3,
        "escalation_days": 14,
    }
    answer = usecases.set_follow_up_settings(
        {"workshop_id": "w9", "cadence_days": {"proposed": 2}, "escalation_days": 5},
        uow=uow,
        now=NOW,
    )
    assert (answer["cadence_days"]["proposed"], answer["escalation_days"]) == (2, 5)
    assert usecases.get_follow_up_settings({"workshop_id": "w9"}, uow=uow, now=NOW) == answer


def test_scan_follow_ups_tells_each_level_once_at_now(uow, activity):
    late = NOW + timedelta(days=21)  # due the 31st: 14 days past on 14 November
    assert usecases.scan_follow_ups(uow=uow, now=late) == 1
    [event] = published(uow, "activity_follow_up_due")
    assert (
        event.payload["level"],
        event.payload["escalation_staff_ids"],
        event.payload["detected_at"],
    ) == ("escalation", ["carlos"], late.isoformat())
    assert usecases.scan_follow_ups(uow=uow, now=late) == 0


# -- counterpart updates ---------------------------------------------------------------------


def test_post_update_records_it_by_its_delegation_and_moves_the_follow_up_on(uow, activity):
    uow.origin = "event:portal/activity_update_submitted"
    form = inbound.CONSUMES.read(_update_envelope(activity.id))
    view = usecases.post_update(form, uow=uow, now=NOW)
    assert [u["text"] for u in view["updates"]] == ["dates agreed"]
    assert view["updates"][0]["at"] == "2027-10-23T14:30:00+00:00"
    assert view["follow_up_on"] == "2027-10-31"
    assert last_change(view) == (
        "update_posted",
        "d-pe",
        "event:portal/activity_update_submitted",
        NOW.isoformat(),
    )
    assert published(uow) == []


def _update_envelope(activity_id):
    return Envelope.wrap(
        Event(
            "activity_update_submitted",
            {
                "update_id": "7e7bd921-5a1c-4f71-80fd-3ad45b9c9f21",
                "activity_id": activity_id,
                "delegation_id": "d-pe",
                "delegate_id": None,
                "text": "dates agreed",
                "submitted_at": "2027-10-23T09:30:00-05:00",
            },
        ),
        producer="portal",
    )


# -- scores and funding selection ---------------------------------------------------------------


@pytest.fixture
def scored(uow, activity):
    usecases.set_criteria(
        {
            "workshop_id": "w1",
            "criteria": [{"key": "alignment", "label": "Alignment", "weight": 3}],
        },
        uow=uow,
        now=NOW,
    )
    usecases.transition(
        {"activity_id": activity.id, "to": "under_review", "reason": "ok"}, uow=uow, now=NOW
    )
    usecases.score_activity(
        {
            "activity_id": activity.id,
            "scores": {"alignment": 4},
            "estimated_cost": 500_000,
            "currency": "USD",
        },
        uow=uow,
        now=NOW,
    )
    uow.envelopes.clear()
    return activity


def test_set_and_get_criteria(uow):
    criteria = [
        {"key": "alignment", "label": "Alignment", "weight": 3},
        {"key": "feasibility", "label": "Feasibility", "weight": 2},
    ]
    assert usecases.set_criteria({"workshop_id": "w1", "criteria": criteria}, uow=uow, now=NOW) == {
        "criteria": criteria
    }
    uow.session.flush()
    assert usecases.get_criteria({"workshop_id": "w1"}, uow=uow, now=NOW) == {"criteria": criteria}


def test_score_activity_weighs_the_scores_and_refuses_unknown_criteria(uow, activity):
    with pytest.raises(Conflict):
        usecases.score_activity(
            {"activity_id": activity.id, "scores": {"alignment": 4}}, uow=uow, now=NOW
        )
    usecases.set_criteria(
        {
            "workshop_id": "w1",
            "criteria": [{"key": "alignment", "label": "Alignment", "weight": 3}],
        },
        uow=uow,
        now=NOW,
    )
    uow.session.flush()
    answer = usecases.score_activity(
        {
            "activity_id": activity.id,
            "scores": {"alignment": 4},
            "estimated_cost": 9,
            "currency": "USD",
            "by": "ana",
        },
        uow=uow,
        now=NOW,
    )
    assert (answer["score"], answer["estimated_cost"]) == (12, 9)
    with pytest.raises(FieldRefused) as refused:
        usecases.score_activity(
            {"activity_id": activity.id, "scores": {"luck": 1}}, uow=uow, now=NOW
        )
    assert refused.value.fields[0]["path"] == "scores.luck"


def test_propose_get_and_confirm_a_selection(uow, scored):
    proposal = usecases.propose_selection(
        {
            "workshop_id": "w1",
            "budget": 600_000,
            "currency": "USD",
            "funding_source": "network_fund",
            "by": "ana",
        },
        uow=uow,
        now=NOW,
    )
    assert (proposal["status"], proposal["proposed_by"], proposal["proposed_at"]) == (
        "proposed",
        "ana",
        NOW.isoformat(),
    )
    assert [s["activity_id"] for s in proposal["selected"]] == [scored.id]
    assert usecases.get_selection({"selection_id": proposal["id"]}, uow=uow, now=NOW) == proposal
    confirmed = usecases.confirm_selection({"selection_id": proposal["id"]}, uow=uow, now=NOW)
    assert (confirmed["status"], confirmed["confirmed_by"]) == ("confirmed", "secretariat-app")
    assert (scored.state, scored.funding_source) == ("selected", "network_fund")
    assert [e.event_type for e in published(uow)] == [
        "activity_status_changed",
        "funding_selection_confirmed",
    ]
    with pytest.raises(NotFound):
        usecases.get_selection({"selection_id": "none"}, uow=uow, now=NOW)


# -- digests and reports ----------------------------------------------------------------------


def test_prepare_digests_once_per_owner_and_week(uow, activity):
    assert usecases.prepare_digests(uow=uow, now=NOW, render_charts=lambda views, language: []) == 1
    [digest] = published(uow, "weekly_digest_prepared")
    assert (
        digest.payload["owner_staff_id"],
        digest.payload["week_of"],
        digest.payload["workshop_id"],
    ) == ("ana", "2027-10-18", "w1")
    assert usecases.prepare_digests(uow=uow, now=NOW + timedelta(hours=12)) == 0


def test_get_report_answers_its_rows_or_not_found(uow, activity):
    answer = usecases.get_report(
        {"workshop_id": "w1", "report": "demand_by_topic"}, uow=uow, now=NOW
    )
    assert answer == {
        "workshop_id": "w1",
        "report": "demand_by_topic",
        "rows": [{"topic": "food_security", "activities": 1}],
    }
    with pytest.raises(NotFound):
        usecases.get_report({"workshop_id": "w1", "report": "gossip"}, uow=uow, now=NOW)


def test_get_chart_draws_png_or_svg_or_not_found(uow, activity):
    png = usecases.get_chart(
        {"workshop_id": "w1", "chart": "demand_by_topic", "format": "png"}, uow=uow, now=NOW
    )
    assert png.startswith(b"\x89PNG")
    for chart, fmt in (
        ("demand_by_topic", "gif"),
        ("supply_demand", "png"),
        ("demand_by_topic", ""),
    ):
        with pytest.raises(NotFound):
            usecases.get_chart(
                {"workshop_id": "w1", "chart": chart, "format": fmt}, uow=uow, now=NOW
            )
    assert set(reports.CHARTS) == {"demand_by_topic", "demand_by_country"}


def test_a_bad_query_parameter_is_a_400_field_error():
    refused = BadParameter("overdue", "use true or false")
    assert exceptions.ERRORS.status_of(refused) == 400
    assert (refused.code, refused.fields) == (
        "invalid",
        [{"path": "overdue", "message": "use true or false"}],
    )


# -- what an activity names must be known ---------------------------------------------------


@pytest.mark.parametrize(
    "change,error,path",
    [
        ({"workshop_id": "nowhere"}, exceptions.WorkshopNotFound, "workshop_id"),
        ({"demanding_delegation_id": "d-xx"}, FieldRefused, "demanding_delegation_id"),
        (
            {"supplying_delegation_ids": ["d-br", "d-zz"]},
            FieldRefused,
            "supplying_delegation_ids[1]",
        ),
        ({"supplying_delegation_ids": ["d-pe"]}, FieldRefused, "supplying_delegation_ids[0]"),
    ],
)
def test_create_activity_refuses_an_unknown_workshop_or_delegation_with_its_path(
    staffed, change, error, path
):
    command = {
        "workshop_id": "w1",
        "demanding_delegation_id": "d-pe",
        "supplying_delegation_ids": ["d-br"],
        "topic": "food_security",
        "activity_types": [],
        **change,
    }
    with pytest.raises(error) as refused:
        usecases.create_activity(command, uow=staffed, now=NOW)
    assert [f["path"] for f in refused.value.fields] == [path]
    assert exceptions.ERRORS.status_of(refused.value) == (404 if path == "workshop_id" else 422)
    assert published(staffed) == []


def test_create_activity_refuses_a_workshop_not_published_yet_and_a_foreign_delegation(staffed):
    uow = staffed
    # staff set a cadence before intake published the workshop: the row exists, version 0
    usecases.set_follow_up_settings({"workshop_id": "w9", "due_soon_days": 2}, uow=uow, now=NOW)
    with pytest.raises(exceptions.WorkshopNotFound):
        usecases.create_activity(
            {
                "workshop_id": "w9",
                "demanding_delegation_id": "d-pe",
                "supplying_delegation_ids": [],
                "topic": "t",
                "activity_types": [],
            },
            uow=uow,
            now=NOW,
        )
    usecases.record_workshop(workshop("w2"), uow=uow, now=NOW)
    with pytest.raises(FieldRefused, match="another workshop"):
        usecases.create_activity(
            {
                "workshop_id": "w2",
                "demanding_delegation_id": "d-pe",
                "supplying_delegation_ids": [],
                "topic": "t",
                "activity_types": [],
            },
            uow=uow,
            now=NOW,
        )


def test_resolve_supplying_refuses_a_delegation_followup_does_not_know(uow, activity):
    with pytest.raises(FieldRefused) as refused:
        usecases.resolve_supplying(
            {"activity_id": activity.id, "supplying_delegation_ids": ["d-uy", "d-nowhere"]},
            uow=uow,
            now=NOW,
        )
    assert refused.value.fields[0]["path"] == "supplying_delegation_ids[1]"


def test_create_activity_keeps_a_topic_other_and_suppliers_not_yet_named(staffed):
    view = usecases.create_activity(
        {
            "workshop_id": "w1",
            "demanding_delegation_id": "d-pe",
            "supplying_delegation_ids": [],
            "supplier_status": "several_not_yet_named",
            "topic": "other",
            "other_topic": "More than 1 option",
            "activity_types": ["not_yet_known"],
            "mechanism": "not_yet_known",
            "focus": "not_yet_known",
        },
        uow=staffed,
        now=NOW,
    )
    assert (view["title"], view["topic"], view["other_topic"], view["supplier_status"]) == (
        "More than 1 option",
        "other",
        "More than 1 option",
        "several_not_yet_named",
    )
    assert (view["mechanism"], view["focus"], view["activity_types"]) == (
        "not_yet_known",
        "not_yet_known",
        ["not_yet_known"],
    )


def test_the_activity_form_refuses_what_the_input_policy_refuses():
    from marshmallow import ValidationError

    from followup import schemas

    body = {"workshop_id": "w1", "demanding_delegation_id": "d-pe", "topic": "food_security"}
    with pytest.raises(ValidationError) as refused:
        schemas.ActivityForm().load(
            {**body, "title": "two\nlines", "description": "nul\x00", "by": "ana\u2028"}
        )
    assert set(refused.value.messages) == {"title", "description", "by"}
    assert (
        schemas.ActivityForm().load({**body, "description": "two\nlines"})["description"]
        == "two\nlines"
    )
    with pytest.raises(ValidationError) as refused:
        schemas.ActivityForm().load({**body, "follow_up_on": "9999-12-31"})
    assert "follow_up_on" in refused.value.messages
    with pytest.raises(ValidationError) as refused:
        schemas.ActivityForm().load({**body, "topic": "other"})
    assert "other_topic" in refused.value.messages
    with pytest.raises(ValidationError) as refused:
        schemas.ActivityForm().load(
            {**body, "supplying_delegation_ids": ["d-br"], "supplier_status": "not_yet_defined"}
        )
    assert "supplier_status" in refused.value.messages
    with pytest.raises(ValidationError) as refused:
        schemas.TransitionForm().load(
            {"to": "planned", "reason": "ok", "planned_start": "1800-01-01"}
        )
    assert "planned_start" in refused.value.messages


def test_record_expression_keeps_an_other_topic_and_several_suppliers_not_yet_named(uow):
    made = usecases.record_expression(
        expression(
            "x9",
            supplying=(),
            topic="other",
            other_topic="More than 1 option",
            supplier_status="several_not_yet_named",
            activity_types=["not_yet_known"],
            mechanism="not_yet_known",
            focus="not_yet_known",
        ),
        uow=uow,
        now=NOW,
    )
    assert (made.topic, made.other_topic, made.supplier_status) == (
        "other",
        "More than 1 option",
        "several_not_yet_named",
    )
    view = usecases.get_activity({"activity_id": made.id}, uow=uow, now=NOW)
    assert (view["title"], view["supplier_status"], view["supplying_defined"]) == (
        "More than 1 option",
        "several_not_yet_named",
        False,
    )
    # an expression without the status (intake's v1) is read from its list
    plain = usecases.record_expression(expression("x10", supplying=()), uow=uow, now=NOW)
    assert plain.supplier_status == "not_yet_defined"


def test_record_delegation_takes_a_region_instead_of_a_country(uow):
    usecases.record_delegation(
        delegation(
            "d-pm",
            "Proyecto Mesoamérica",
            None,
            acronym="PM",
            region="Mesoamerica",
            kind="international_organisation",
            version=1,
        ),
        uow=uow,
        now=NOW,
    )
    stored = uow.session.get(Delegation, "d-pm")
    assert (stored.country, stored.region, stored.label) == (
        None,
        "Mesoamerica",
        "PM (Mesoamerica)",
    )


def test_a_region_sent_in_country_too_is_never_taken_for_a_country(uow):
    # intake's v3 repeats the region's name in `country` for readers of v1 and v2
    reader = inbound.CONSUMES.reader_for("intake", "delegation_registered", 3)
    usecases.record_delegation(
        reader().load(
            {
                "delegation_id": "d-ism",
                "institution": "Instituto Social del MERCOSUR",
                "acronym": "ISM",
                "country": "South America",
                "region": "South America",
                "kind": "subregional_mechanism",
                "registered_at": "2026-03-01T10:00:00+00:00",
                "workshop_id": "w1",
                "version": 1,
                "delegates": [{"delegate_id": "d-ism-1", "is_focal_point": True}],
            }
        ),
        uow=uow,
        now=NOW,
    )
    stored = uow.session.get(Delegation, "d-ism")
    assert (stored.country, stored.region, stored.label) == (
        None,
        "South America",
        "ISM (South America)",
    )
