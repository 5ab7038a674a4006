"""Every use case through its one shape, `(message | command | query, *, uow,
now)`, with a fixed clock: intake's documented examples through
`inbound.CONSUMES` for the read model, the small workshop of conftest for
pins, schedules and the planner's due work."""

from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from matching import exceptions, inbound, planning, schemas, usecases
from matching.models import Base, Delegation, Interest, Pin, Program, Schedule, Workshop
from rueda_backbone import Invalid, NotFound
from rueda_backbone.envelope import Envelope
from rueda_backbone.testing import sqlite_unit_of_work
from rueda_backbone.web import error_body

from .conftest import (
    PA,
    PB,
    PC,
    T0,
    WORKSHOP,
    B,
    C,
    D,
    delegation_event,
    withdrawal,
    workshop_event,
)

NOW = datetime(2027, 10, 24, 9, tzinfo=UTC)
EVENTS = Path(__file__).resolve().parents[4] / "docs" / "events"
LIMIT = 5.0

# the documented examples share one workshop, its delegations and its program
EXAMPLE_WORKSHOP = "44602742-93f3-46fb-9897-85dd1a977d3f"
EXAMPLE_PROGRAM = "ca211740-0374-4b41-886b-fe466125d04b"
EXAMPLE_INTEREST = "6dfd616e-e8be-4b16-97d2-a88b8c0bfa59"
EXAMPLE_HOST = "1ea353c1-7c11-476a-8bbb-5ea2b59a41e2"


@pytest.fixture
def uow(tmp_path):
    with sqlite_unit_of_work(tmp_path / "db.sqlite3", Base.metadata, producer="matching") as uow:
        yield uow


def example(name: str) -> Envelope:
    return Envelope.from_json((EVENTS / f"{name}.example.json").read_bytes())


def consume(name: str, uow):
    """What the derived handler does with an envelope, minus the broker."""
    envelope = example(name)
    row = inbound.CONSUMES.row(envelope.producer, envelope.event_type)
    return row.use_case(inbound.CONSUMES.read(envelope), uow=uow, now=NOW)


# -- intake's events: the read model -----------------------------------------------


def test_every_row_reads_each_documented_version_of_its_event():
    for row in inbound.CONSUMES:
        for version in row.versions:
            envelope = example(f"{row.event_type}.v{version}")
            assert (envelope.producer, envelope.schema_version) == (row.producer, version)
            assert row.read(envelope)


def test_withdrawals_wake_the_planner_and_nothing_else_does():
    woken = {row.event_type for row in inbound.CONSUMES if row.wakes == ("planning",)}
    assert woken == {"delegation_withdrawn", "program_withdrawn", "interest_withdrawn"}


def test_intakes_examples_build_the_read_model(uow):
    for name in (
        "workshop_published.v1",
        "delegation_registered.v1",
        "delegation_registered.v2",
        "program_submitted.v1",
        "program_submitted.v2",
        "interest_submitted.v1",
    ):
        consume(name, uow)
    workshop = uow.session.get(Workshop, EXAMPLE_WORKSHOP)
    assert (workshop.version, workshop.tables_per_session) == (2, 4)
    # the example's late window is for programs, so the interests deadline stands
    assert workshop.interests_deadline == datetime(2027, 10, 11, 4, 59, tzinfo=UTC)
    delegations = {d.id: d for d in uow.session.scalars(sa.select(Delegation))}
    assert {(d.workshop_id, d.version) for d in delegations.values()} == {
        (None, 1),
        (EXAMPLE_WORKSHOP, 2),
    }
    programs = {p.id: p for p in uow.session.scalars(sa.select(Program))}
    assert programs[EXAMPLE_PROGRAM].workshop_id == EXAMPLE_WORKSHOP
    assert uow.session.get(Interest, EXAMPLE_INTEREST).programs == [EXAMPLE_PROGRAM]


def test_intakes_withdrawals_and_returns_take_entities_out(uow):
    for name in (
        "workshop_published.v1",
        "program_submitted.v2",
        "interest_submitted.v1",
        "program_reviewed.v1",
        "program_withdrawn.v1",
        "interest_withdrawn.v1",
        "delegation_withdrawn.v1",
    ):
        consume(name, uow)
    program = uow.session.get(Program, EXAMPLE_PROGRAM)
    assert (program.returned_version, program.withdrawn) == (1, True)
    assert uow.session.get(Interest, EXAMPLE_INTEREST).withdrawn
    assert uow.session.get(Delegation, EXAMPLE_HOST).withdrawn
    # nothing was published, so nothing asks for a re-plan
    assert uow.session.get(Workshop, EXAMPLE_WORKSHOP).replan_requested_at is None


def compute(db, *, at=T0, **command):
    return planning.compute(
        {"workshop_id": WORKSHOP, "trigger": "staff", "time_limit": LIMIT, **command},
        transaction=db.transaction,
        clock=lambda: at,
        solver=planning.solve_in_process,
    )


def publish(db, at):
    with db.transaction() as uow:
        return usecases.publish_schedule({"workshop_id": WORKSHOP}, uow=uow, now=at)


@pytest.fixture
def published(db, workshop):
    compute(db)
    return publish(db, T0 + timedelta(minutes=1))


RE_PLAN_CAUSES = {
    "program withdrawn": (usecases.withdraw_program, lambda: withdrawal("program", PB, 1, B)),
    "delegation withdrawn": (usecases.withdraw_delegation, lambda: withdrawal("delegation", D, 2)),
    "interest withdrawn": (
        usecases.withdraw_interest,
        lambda: withdrawal("interest", "e0000000-0000-4000-8000-000000000000", 1, B),
    ),
    "program returned": (
        usecases.review_program,
        lambda: inbound.ProgramReviewed().load(
            {
                "program_id": PC,
                "workshop_id": WORKSHOP,
                "version": 1,
                "decision": "returned",
                "reviewed_at": T0.isoformat(),
            }
        ),
    ),
    "fewer delegates": (
        usecases.record_delegation,
        lambda: delegation_event(C, "Colombia", 1, version=3),
    ),
    "grid changed": (usecases.record_workshop, lambda: workshop_event(version=2, table_capacity=4)),
}


@pytest.mark.parametrize("cause", RE_PLAN_CAUSES)
def test_a_change_to_a_published_schedule_asks_for_a_re_plan_at_now(db, published, cause):
    use_case, message = RE_PLAN_CAUSES[cause]
    with db.transaction() as uow:
        use_case(message(), uow=uow, now=NOW)
        assert uow.session.get(Workshop, WORKSHOP).replan_requested_at == NOW


# -- pins -------------------------------------------------------------------------


def test_a_pin_is_stored_at_now_and_listed(db, workshop):
    with db.transaction() as uow:
        view = usecases.pin_program(
            {"workshop_id": WORKSHOP, "program_id": PC, "session": 2, "table": None},
            uow=uow,
            now=NOW,
        )
        assert view == {"program_id": PC, "session": 2, "table": None}
        assert uow.session.get(Pin, (WORKSHOP, PC)).pinned_at == NOW
        assert usecases.list_pins({"workshop_id": WORKSHOP}, uow=uow, now=NOW) == {"pins": [view]}


def test_an_unpinned_program_is_gone_and_unpinning_it_again_is_not_found(db, workshop):
    pin = {"workshop_id": WORKSHOP, "program_id": PC}
    with db.transaction() as uow:
        usecases.pin_program({**pin, "session": 1, "table": 1}, uow=uow, now=NOW)
    with db.transaction() as uow:
        usecases.unpin_program(pin, uow=uow, now=NOW)
        assert usecases.list_pins({"workshop_id": WORKSHOP}, uow=uow, now=NOW) == {"pins": []}
    with pytest.raises(NotFound), db.transaction() as uow:
        usecases.unpin_program(pin, uow=uow, now=NOW)


def test_a_pin_at_a_table_another_program_holds_does_not_fit(db, workshop):
    with db.transaction() as uow:
        usecases.pin_program(
            {"workshop_id": WORKSHOP, "program_id": PA, "session": 1, "table": 1}, uow=uow, now=NOW
        )
    with pytest.raises(exceptions.PinDoesNotFit) as error, db.transaction() as uow:
        usecases.pin_program(
            {"workshop_id": WORKSHOP, "program_id": PB, "session": 1, "table": 1}, uow=uow, now=NOW
        )
    assert [f["path"] for f in error.value.fields] == ["table"]


def test_pins_in_a_workshop_or_of_a_program_matching_does_not_know_are_not_found(db, workshop):
    with pytest.raises(NotFound), db.transaction() as uow:
        usecases.list_pins({"workshop_id": "elsewhere"}, uow=uow, now=NOW)
    with pytest.raises(NotFound), db.transaction() as uow:
        usecases.pin_program(
            {"workshop_id": WORKSHOP, "program_id": "unknown", "session": 1}, uow=uow, now=NOW
        )


# -- schedules ----------------------------------------------------------------------


def test_the_problem_holds_stored_pins_then_requested_ones(db, workshop):
    with db.transaction() as uow:
        usecases.pin_program(
            {"workshop_id": WORKSHOP, "program_id": PC, "session": 1, "table": 1}, uow=uow, now=NOW
        )
        problem = usecases.read_problem(
            {"workshop_id": WORKSHOP, "pins": [{"program_id": PC, "session": 2, "table": 2}]},
            uow=uow,
            now=NOW,
        )
    assert problem.pins == [{"program_id": PC, "session": 2, "table": 2}]
    assert problem.previous is None and problem.previous_rounds is None
    assert {p["id"] for p in problem.scenario["programs"]} == {PA, PB, PC}


def test_a_requested_pin_of_a_program_that_cannot_be_scheduled_is_invalid(db, workshop):
    with pytest.raises(Invalid) as error, db.transaction() as uow:
        usecases.read_problem(
            {
                "workshop_id": WORKSHOP,
                "pins": [{"program_id": "nowhere", "session": 1, "table": None}],
            },
            uow=uow,
            now=NOW,
        )
    assert error.value.fields[0]["path"] == "pins[0].program_id"


def solved(db):
    with db.transaction() as uow:
        problem = usecases.read_problem({"workshop_id": WORKSHOP}, uow=uow, now=NOW)
    return problem, planning.solve_in_process(problem.scenario, time_limit=LIMIT)


def test_a_recorded_plan_is_a_provisional_schedule_computed_at_now(db, workshop):
    problem, document = solved(db)
    with db.transaction() as uow:
        view = usecases.record_plan(
            {"problem": problem, "document": document, "trigger": "staff"}, uow=uow, now=NOW
        )
        # interests closed before NOW: this is the deadline's schedule too
        assert uow.session.get(Workshop, WORKSHOP).deadline_planned_at == NOW
    assert (view["state"], view["trigger"], view["computed_at"]) == (
        "provisional",
        "staff",
        NOW.isoformat(),
    )
    assert db.outbox() == []


def test_a_recorded_re_plan_is_published_at_now_and_answers_its_request(db, workshop):
    problem, document = solved(db)
    with db.transaction() as uow:
        uow.session.get(Workshop, WORKSHOP).replan_requested_at = T0
    with db.transaction() as uow:
        view = usecases.record_plan(
            {
                "problem": problem,
                "document": document,
                "trigger": "replan",
                "publish": True,
                "requested_at": T0,
            },
            uow=uow,
            now=NOW,
        )
        assert uow.session.get(Workshop, WORKSHOP).replan_requested_at is None
    assert (view["state"], view["revision"], view["published_at"]) == (
        "published",
        1,
        NOW.isoformat(),
    )
    (event,) = db.outbox()
    assert event.event_type == "schedule_published"


def test_publishing_emits_the_current_version_shaped_by_its_schema(db, workshop):
    compute(db)
    payload = publish(db, NOW)
    (event,) = db.outbox()
    assert event.schema_version == schemas.PUBLISHED.current["schedule_published"] == 2
    assert event.payload == payload
    assert payload["published_at"] == NOW.isoformat()
    assert schemas.SchedulePublishedV2().load(payload)
    with db.transaction() as uow:
        stored = uow.session.get(Schedule, payload["schedule_id"])
        assert (stored.revision, stored.published_at, stored.payload) == (1, NOW, payload)


def test_publishing_before_anything_was_computed_is_not_found(db, workshop):
    with pytest.raises(NotFound):
        publish(db, NOW)


def test_publishing_a_published_schedule_again_is_refused(db, published):
    with pytest.raises(exceptions.NotPublishable), db.transaction() as uow:
        usecases.publish_schedule(
            {"workshop_id": WORKSHOP, "schedule_id": published["schedule_id"]}, uow=uow, now=NOW
        )


def test_the_schedule_shown_is_the_latest_computed_or_the_latest_published(db, published):
    compute(db, at=T0 + timedelta(minutes=2))
    with db.transaction() as uow:
        latest = usecases.show_schedule({"workshop_id": WORKSHOP}, uow=uow, now=NOW)
        shown = usecases.show_schedule(
            {"workshop_id": WORKSHOP, "state": "published"}, uow=uow, now=NOW
        )
    assert (latest["state"], latest["latest_published_revision"]) == ("provisional", 1)
    assert (shown["schedule_id"], shown["state"]) == (published["schedule_id"], "published")


def test_a_workshop_without_a_schedule_has_none_to_show(db, workshop):
    with pytest.raises(NotFound), db.transaction() as uow:
        usecases.show_schedule({"workshop_id": WORKSHOP, "state": "latest"}, uow=uow, now=NOW)


class Transactions:
    """db.transaction, counting how many are open."""

    def __init__(self, db):
        self.db, self.open = db, 0

    @contextmanager
    def __call__(self):
        self.open += 1
        try:
            with self.db.transaction() as uow:
                yield uow
        finally:
            self.open -= 1


def test_no_transaction_is_open_while_the_solver_runs(db, workshop):
    transactions = Transactions(db)
    open_while_solving = []

    def solver(scenario, **kwargs):
        open_while_solving.append(transactions.open)
        return planning.solve_in_process(scenario, **kwargs)

    view = planning.compute(
        {"workshop_id": WORKSHOP, "trigger": "staff", "time_limit": LIMIT},
        transaction=transactions,
        clock=lambda: NOW,
        solver=solver,
    )
    assert open_while_solving == [0]
    assert view["computed_at"] == NOW.isoformat()


# -- the planner's due work -----------------------------------------------------------


def test_the_passed_interest_deadline_is_due_at_now_until_given_up(db, workshop):
    with db.transaction() as uow:
        assert usecases.due_work({}, uow=uow, now=NOW, debounce_seconds=60) == [
            usecases.Due(WORKSHOP, "deadline")
        ]
        usecases.give_up({"workshop_id": WORKSHOP, "trigger": "deadline"}, uow=uow, now=NOW)
        assert uow.session.get(Workshop, WORKSHOP).deadline_planned_at == NOW
        assert usecases.due_work({}, uow=uow, now=NOW, debounce_seconds=60) == []


def test_a_re_plan_is_due_after_the_debounce_delay_until_given_up(db, published):
    with db.transaction() as uow:
        usecases.withdraw_program(withdrawal("program", PB, 1, B), uow=uow, now=NOW)
    later = NOW + timedelta(seconds=60)
    with db.transaction() as uow:
        assert (
            usecases.due_work({}, uow=uow, now=later - timedelta(seconds=1), debounce_seconds=60)
            == []
        )
        (due,) = usecases.due_work({}, uow=uow, now=later, debounce_seconds=60)
        assert due == usecases.Due(WORKSHOP, "replan", NOW)
        usecases.give_up(
            {"workshop_id": WORKSHOP, "trigger": "replan", "requested_at": NOW}, uow=uow, now=later
        )
        assert usecases.due_work({}, uow=uow, now=later, debounce_seconds=60) == []


# -- the edge's mapping -------------------------------------------------------------------


@pytest.mark.parametrize(
    "error, status, code",
    [
        (exceptions.PlanRefused(["table 1 of session 1 is pinned twice"]), 409, "pins_conflict"),
        (exceptions.PinDoesNotFit("the pin cannot hold"), 409, "conflict"),
        (exceptions.NotPublishable("already published"), 409, "conflict"),
        (NotFound("no such workshop"), 404, "not_found"),
        (Invalid.field("pins[0].program_id", "cannot be scheduled"), 422, "invalid"),
    ],
)
def test_each_refusal_keeps_the_status_and_code_clients_know(error, status, code):
    assert error_body(error, exceptions.ERRORS)[0] == status
    assert error_body(error, exceptions.ERRORS)[1]["error"] == code


def test_refused_pins_name_each_problem_under_pins():
    _, body = error_body(exceptions.PlanRefused(["a", "b"]), exceptions.ERRORS)
    assert body["fields"] == [{"path": "pins", "message": "a"}, {"path": "pins", "message": "b"}]
