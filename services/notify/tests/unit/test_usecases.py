"""Every notify use case through its one shape, `(message, *, uow, now, ...)`,
at a fixed instant: what it stores carries that instant and no other, and
what it refuses is a domain error the service's one mapping retries, parks or
answers (use cases on throw-away SQLite, no broker)."""

import inspect
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from notify import domain, inbound, usecases
from notify.dependencies import NoticeSettings
from notify.exceptions import ERRORS, NotKnownYet
from notify.models import Base, DelegationAgenda, Email, ScheduleRevision, Workshop
from rueda_backbone.errors import Invalid, NotFound
from rueda_backbone.testing import sqlite_unit_of_work

NOW = datetime(2027, 10, 24, 9, tzinfo=UTC)
SETTINGS = NoticeSettings(
    {"CHANGE_NOTICE_WINDOW_SECONDS": 120, "MAIL_MESSAGE_ID_DOMAIN": "rueda.test"}
)
WORKSHOP = {
    "workshop_id": "w1",
    "version": 1,
    "title": "Santa Marta",
    "time_zone": "America/Bogota",
    "languages": ["es", "en"],
    "deadlines": {
        "programs": datetime(2027, 10, 30, 23, 59, tzinfo=UTC),
        "interests": None,
        "expressions_of_interest": None,
    },
}
ROSA = {
    "delegate_id": "rosa",
    "name": "Rosa",
    "email": "rosa@example.org",
    "language": "pt",
    "is_focal_point": True,
}
JUAN = {
    "delegate_id": "juan",
    "name": "Juan",
    "email": "juan@example.org",
    "language": "es",
    "is_focal_point": False,
}
MARTA = {
    "staff_id": "marta",
    "name": "Marta",
    "email": "marta@example.org",
    "language": "es",
    "roles": ["secretariat"],
    "active": True,
    "version": 1,
}
PROGRAM = {
    "program_id": "p1",
    "workshop_id": "w1",
    "delegation_id": "pe",
    "title": "Qali Warma",
    "version": 1,
    "submitted_at": datetime(2027, 10, 24, 8, tzinfo=UTC),
    "missing_fields": ["achievements"],
}


@pytest.fixture
def uow(tmp_path):
    with sqlite_unit_of_work(tmp_path / "notify.sqlite3", Base.metadata) as unit:
        usecases.publish_workshop(WORKSHOP, uow=unit, now=NOW)
        usecases.update_contacts(
            {"delegation_id": "pe", "workshop_id": "w1", "version": 1, "contacts": [ROSA, JUAN]},
            uow=unit,
            now=NOW,
        )
        usecases.update_staff(MARTA, uow=unit, now=NOW)
        usecases.register_delegation(
            {
                "delegation_id": "pe",
                "workshop_id": "w1",
                "version": 1,
                "institution": "Ministerio de Desarrollo e Inclusión Social",
                "acronym": "MIDIS",
                "country": "Peru",
                "region": None,
            },
            uow=unit,
            now=NOW,
        )
        yield unit


def emails(uow) -> list[Email]:
    return list(uow.session.scalars(sa.select(Email).order_by(Email.recipient_id)))


# -- the shape ---------------------------------------------------------------------


@pytest.mark.parametrize("row", list(inbound.CONSUMES), ids=lambda row: row.event_type)
def test_each_event_use_case_takes_the_message_the_unit_of_work_now_and_what_its_row_uses(row):
    parameters = inspect.signature(row.use_case).parameters.values()
    positional = [p.name for p in parameters if p.kind is p.POSITIONAL_OR_KEYWORD]
    keywords = {p.name for p in parameters if p.kind is p.KEYWORD_ONLY}
    assert len(positional) == 1
    assert keywords == {"uow", "now", *row.uses}


@pytest.mark.parametrize(
    "use_case", [usecases.opt_outs, usecases.set_opt_outs, usecases.list_deliveries]
)
def test_each_http_use_case_takes_the_command_the_unit_of_work_and_now(use_case):
    parameters = inspect.signature(use_case).parameters.values()
    assert [p.name for p in parameters if p.kind is p.KEYWORD_ONLY] == ["uow", "now"]


# -- the directory -------------------------------------------------------------------


def test_update_contacts_ignores_an_older_revision_arriving_late(uow):
    newer = {"delegation_id": "pe", "workshop_id": "w1", "version": 3, "contacts": [ROSA]}
    assert [r.id for r in usecases.update_contacts(newer, uow=uow, now=NOW)] == ["rosa"]
    older = {"delegation_id": "pe", "workshop_id": "w1", "version": 2, "contacts": [ROSA, JUAN]}
    assert usecases.update_contacts(older, uow=uow, now=NOW) == []
    assert usecases.opt_outs({"recipient_id": "rosa"}, uow=uow, now=NOW)
    with pytest.raises(NotFound):
        usecases.opt_outs({"recipient_id": "juan"}, uow=uow, now=NOW)


def test_update_staff_keeps_roles_and_activity(uow):
    staff = usecases.update_staff(
        {**MARTA, "roles": ["coordinator"], "active": False, "version": 2}, uow=uow, now=NOW
    )
    assert (staff.kind, staff.roles, staff.active) == (domain.STAFF, ["coordinator"], False)


def test_publish_workshop_keeps_the_newest_version(uow):
    usecases.publish_workshop(
        {**WORKSHOP, "version": 2, "title": "Santa Marta II", "languages": ["fr", "de"]},
        uow=uow,
        now=NOW,
    )
    usecases.publish_workshop({**WORKSHOP, "title": "stale"}, uow=uow, now=NOW)
    workshop = uow.session.get(Workshop, "w1")
    assert (workshop.title, workshop.languages) == ("Santa Marta II", ["fr"])


def test_a_workshop_in_an_unknown_time_zone_is_refused_for_good_naming_the_field(uow):
    with pytest.raises(Invalid) as refused:
        usecases.publish_workshop(
            {**WORKSHOP, "workshop_id": "w2", "time_zone": "Mars/Olympus"}, uow=uow, now=NOW
        )
    assert refused.value.fields == [
        {"path": "time_zone", "message": "unknown time zone 'Mars/Olympus'"}
    ]
    assert not ERRORS.is_retried(refused.value)


def test_withdraw_delegation_drops_a_pending_change_notice(uow):
    uow.session.add(
        DelegationAgenda(
            workshop_id="w1",
            delegation_id="pe",
            notified_revision=1,
            pending_revision=2,
            due_at=NOW,
        )
    )
    usecases.withdraw_delegation(
        {"workshop_id": "w1", "delegation_id": "pe", "version": 1}, uow=uow, now=NOW
    )
    agenda = uow.session.get(DelegationAgenda, ("w1", "pe"))
    assert (agenda.pending_revision, agenda.due_at) == (None, None)


def test_opt_outs_are_replaced_deduplicated_and_sorted_and_unknown_people_are_not_found(uow):
    answer = usecases.set_opt_outs(
        {
            "recipient_id": "rosa",
            "categories": [domain.DIGESTS, domain.ACTIVITY_UPDATES, domain.DIGESTS],
        },
        uow=uow,
        now=NOW,
    )
    assert answer == {
        "recipient_id": "rosa",
        "categories": [domain.ACTIVITY_UPDATES, domain.DIGESTS],
    }
    read = usecases.opt_outs({"recipient_id": "rosa"}, uow=uow, now=NOW)
    assert read["categories"] == [domain.ACTIVITY_UPDATES, domain.DIGESTS]
    assert read["optional_categories"] == list(domain.OPTIONAL_CATEGORIES)
    with pytest.raises(NotFound) as unknown:
        usecases.set_opt_outs({"recipient_id": "nobody", "categories": []}, uow=uow, now=NOW)
    assert (unknown.value.code, ERRORS.status_of(unknown.value)) == ("not_found", 404)


# -- receipts ------------------------------------------------------------------------


def test_a_receipt_is_queued_at_now_and_due_at_once(uow):
    (email,) = usecases.acknowledge_program(PROGRAM, uow=uow, now=NOW, event_id="e1")
    assert (email.recipient_id, email.kind) == ("rosa", domain.PROGRAM_RECEIVED)
    assert email.created_at == email.next_attempt_at == NOW
    assert email.correlation_id == uow.correlation_id
    # the deadline in the workshop's zone, written as Rosa (pt) writes dates
    assert "30 de out. de 2027, 18:59 (America/Bogota)" in email.text_body
    assert usecases.acknowledge_program(PROGRAM, uow=uow, now=NOW, event_id="e1") == []


def test_the_review_receipt_names_the_program_by_its_title(uow):
    usecases.acknowledge_program(PROGRAM, uow=uow, now=NOW, event_id="e1")
    (email,) = usecases.acknowledge_review(
        {
            "program_id": "p1",
            "workshop_id": "w1",
            "delegation_id": "pe",
            "version": 1,
            "decision": "returned",
            "reason": "add the objectives",
        },
        uow=uow,
        now=NOW,
        event_id="e2",
    )
    assert "Qali Warma" in email.text_body and "add the objectives" in email.text_body


def test_the_interest_receipt_lists_the_programs_wanted(uow):
    usecases.acknowledge_program(PROGRAM, uow=uow, now=NOW, event_id="e1")
    (email,) = usecases.acknowledge_interest(
        {
            "interest_id": "i1",
            "workshop_id": "w1",
            "delegation_id": "pe",
            "version": 1,
            "programs": ["p1", "p-unknown"],
            "topics": ["food_security"],
        },
        uow=uow,
        now=NOW,
        event_id="e3",
    )
    assert "Qali Warma" in email.text_body and "p-unknown" in email.text_body
    assert "segurança alimentar" in email.text_body  # the topic in Rosa's language


def test_the_expression_receipt_reaches_the_focal_point_and_the_contacts_it_names(uow):
    emails_ = usecases.acknowledge_expression(
        {
            "expression_id": "x1",
            "workshop_id": "w1",
            "version": 1,
            "demanding_delegation_id": "pe",
            "supplying_delegation_ids": [],
            "program_id": None,
            "topic": "school_meals",
            "description": "An expert visit.",
            "contact_delegate_ids": ["juan", "unknown"],
        },
        uow=uow,
        now=NOW,
        event_id="e4",
    )
    assert [e.recipient_id for e in emails_] == ["juan", "rosa"]


def test_a_receipt_for_a_delegation_without_contacts_waits_for_them(uow):
    with pytest.raises(NotKnownYet) as waiting:
        usecases.acknowledge_program(
            {**PROGRAM, "delegation_id": "co"}, uow=uow, now=NOW, event_id="e5"
        )
    assert ERRORS.is_retried(waiting.value)
    assert waiting.value.code == "not_known_yet"


def test_an_email_that_cannot_render_fails_alone_with_its_reason_and_the_others_are_written(
    uow, monkeypatch
):
    from notify.usecases import emails as writing

    render = writing.rendering.render

    def broken_in_portuguese(kind, language, values):
        if language == "pt":
            raise KeyError("title")
        return render(kind, language, values)

    monkeypatch.setattr(writing.rendering, "render", broken_in_portuguese)
    usecases.update_contacts(
        {
            "delegation_id": "pe",
            "workshop_id": "w1",
            "version": 2,
            "contacts": [ROSA, {**JUAN, "is_focal_point": True}],
        },
        uow=uow,
        now=NOW,
    )
    usecases.acknowledge_program(PROGRAM, uow=uow, now=NOW, event_id="e6")
    juan, rosa = emails(uow)
    assert (juan.status, juan.last_error) == ("pending", None)
    assert rosa.status == "failed"
    assert rosa.last_error.startswith("cannot render program_received in pt: KeyError")
    failed = usecases.list_deliveries({"status": "failed"}, uow=uow, now=NOW)["deliveries"]
    assert [d["recipient_id"] for d in failed] == ["rosa"]


# -- agendas and change notices ------------------------------------------------------------


def schedule(revision, host="pe", changes=()):
    start = datetime(2027, 11, 2, 14, tzinfo=UTC)
    return {
        "workshop_id": "w1",
        "schedule_id": "s1",
        "revision": revision,
        "delegations": [{"delegation_id": "pe", "name": "MIDIS Peru"}],
        "rounds": [
            {
                "round_id": "r1",
                "session": revision,
                "table": 1,
                "starts_at": start,
                "ends_at": start + timedelta(minutes=45),
                "program_id": "p1",
                "program_title": "Qali Warma",
                "host_delegation_id": host,
                "attendee_delegation_ids": [],
            }
        ],
        "changes": [{"delegation_id": d} for d in changes],
    }


def test_a_schedule_is_kept_at_now_and_a_replan_is_due_one_window_later(uow):
    agendas = usecases.record_schedule(
        schedule(1), uow=uow, now=NOW, event_id="e7", settings=SETTINGS
    )
    assert {e.recipient_id for e in agendas} == {"rosa", "juan"}
    assert uow.session.get(ScheduleRevision, ("w1", 1)).received_at == NOW
    later = NOW + timedelta(minutes=1)
    assert (
        usecases.record_schedule(
            schedule(2, changes=["pe"]), uow=uow, now=later, event_id="e8", settings=SETTINGS
        )
        == []
    )
    assert uow.session.get(DelegationAgenda, ("w1", "pe")).due_at == later + SETTINGS.window


def test_due_notices_are_written_at_the_instant_they_are_flushed(uow):
    usecases.record_schedule(schedule(1), uow=uow, now=NOW, event_id="e7", settings=SETTINGS)
    usecases.record_schedule(
        schedule(2, changes=["pe"]), uow=uow, now=NOW, event_id="e8", settings=SETTINGS
    )
    assert usecases.flush_due_notices({}, uow=uow, now=NOW, settings=SETTINGS) == []
    closed = NOW + SETTINGS.window
    notices = usecases.flush_due_notices({}, uow=uow, now=closed, settings=SETTINGS)
    assert {(e.recipient_id, e.kind) for e in notices} == {
        ("rosa", domain.SCHEDULE_CHANGED),
        ("juan", domain.SCHEDULE_CHANGED),
    }
    assert {e.created_at for e in notices} == {closed}


def test_a_schedule_for_a_workshop_not_known_yet_waits(uow):
    with pytest.raises(NotKnownYet):
        usecases.record_schedule(
            {**schedule(1), "workshop_id": "w9"}, uow=uow, now=NOW, event_id="e9", settings=SETTINGS
        )


# -- cooperation activities ------------------------------------------------------------------


def test_reminders_status_changes_digests_and_funding_notices_are_queued_at_now(uow):
    queued = [
        *usecases.remind_follow_up(
            {
                "activity_id": "a1",
                "workshop_id": "w1",
                "title": "Expert visit",
                "state": "planned",
                "level": "overdue",
                "follow_up_on": date(2027, 10, 1),
                "days_overdue": 23,
                "owner_staff_id": "marta",
                "escalation_staff_ids": [],
                "counterpart_delegation_ids": ["pe"],
            },
            uow=uow,
            now=NOW,
            event_id="e10",
        ),
        *usecases.announce_status_change(
            {
                "activity_id": "a1",
                "workshop_id": "w1",
                "title": "Expert visit",
                "from_state": "planned",
                "to_state": "in_progress",
                "funding_source": None,
                "reason": "started",
                "owner_staff_id": "marta",
                "counterpart_delegation_ids": ["pe"],
            },
            uow=uow,
            now=NOW,
            event_id="e11",
        ),
        *usecases.send_digest(
            {
                "digest_id": "d1",
                "owner_staff_id": "marta",
                "week_of": date(2027, 10, 18),
                "workshop_id": "w1",
                "open_count": 1,
                "overdue": [],
                "due_soon": [],
                "charts": [],
            },
            uow=uow,
            now=NOW,
            event_id="e12",
        ),
        *usecases.announce_funding(
            {
                "selection_id": "s1",
                "workshop_id": "w1",
                "budget": "1000",
                "currency": "USD",
                "total_cost": "800",
                "selected": [{"activity_id": "a1", "title": "Expert visit", "cost": "800"}],
            },
            uow=uow,
            now=NOW,
            event_id="e13",
        ),
    ]
    assert sorted((e.kind, e.recipient_id) for e in queued) == [
        (domain.ACTIVITY_STATUS_CHANGED, "marta"),
        (domain.ACTIVITY_STATUS_CHANGED, "rosa"),
        (domain.FOLLOW_UP_DUE, "marta"),
        (domain.FOLLOW_UP_DUE, "rosa"),
        (domain.FUNDING_SELECTION, "marta"),
        (domain.WEEKLY_DIGEST, "marta"),
    ]
    assert {e.created_at for e in queued} == {NOW}


# -- deliveries and erasure ---------------------------------------------------------------


def test_the_delivery_log_filters_newest_first_and_shows_no_address_or_body(uow):
    usecases.acknowledge_program(PROGRAM, uow=uow, now=NOW, event_id="e1")
    usecases.acknowledge_program(
        {**PROGRAM, "version": 2}, uow=uow, now=NOW + timedelta(hours=1), event_id="e2"
    )
    log = usecases.list_deliveries({"limit": 100}, uow=uow, now=NOW)["deliveries"]
    assert [d["created_at"] for d in log] == [NOW + timedelta(hours=1), NOW]
    assert "rosa@example.org" not in str(log) and "Qali Warma" not in str(log)
    assert {d["possible_duplicate"] for d in log} == {False}
    assert (
        usecases.list_deliveries(
            {"since": NOW + timedelta(minutes=1), "limit": 100}, uow=uow, now=NOW
        )["deliveries"]
        == log[:1]
    )
    assert (
        usecases.list_deliveries({"status": domain.SENT, "limit": 100}, uow=uow, now=NOW)[
            "deliveries"
        ]
        == []
    )
    assert (
        len(
            usecases.list_deliveries(
                {"kind": domain.PROGRAM_RECEIVED, "limit": 1}, uow=uow, now=NOW
            )["deliveries"]
        )
        == 1
    )


def test_erasing_a_delegate_drops_unsent_emails_and_scrubs_sent_ones(uow):
    usecases.acknowledge_program(PROGRAM, uow=uow, now=NOW, event_id="e1")
    usecases.acknowledge_program({**PROGRAM, "version": 2}, uow=uow, now=NOW, event_id="e2")
    first = emails(uow)[0]
    first.status = domain.SENT
    outcome = usecases.erase_delegate(
        {"delegation_id": "pe", "delegate_id": "rosa"}, uow=uow, now=NOW
    )
    assert outcome == {"unsent_dropped": 1, "scrubbed": 1}
    (kept,) = emails(uow)
    assert (kept.recipient_id, kept.to_address, kept.status) == ("erased", "", domain.SENT)
    with pytest.raises(NotFound):
        usecases.opt_outs({"recipient_id": "rosa"}, uow=uow, now=NOW)
