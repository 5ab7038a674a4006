"""Who did it: a schedule keeps who asked for it and who published it, a pin
who pinned it (`uow.who`: the person the console acted for, else the
origin); each workshop may let a re-plan publish on its own or wait for a
coordinator; a published revision is shown by its number."""

from contextlib import contextmanager
from datetime import timedelta

import pytest

from matching import planning, usecases
from matching.models import Pin, Schedule, SolveJob, Workshop
from rueda_backbone import NotFound
from rueda_backbone.outbox import StaffActor

from .conftest import PC, WORKSHOP
from .test_usecases import LIMIT, NOW, T0, compute, published  # noqa: F401 (fixture)

ROSE = "staff:8c1f-rose (Rose Coordinator)"


@contextmanager
def as_rose(db):
    with db.transaction() as uow:
        uow.origin = "http:console@10.0.0.5"
        uow.actor = StaffActor("8c1f-rose", "Rose Coordinator")
        yield uow


def test_a_schedule_computed_for_a_person_and_published_by_another_names_both(db, workshop):
    with as_rose(db) as uow:
        job = usecases.request_solve(
            {"workshop_id": WORKSHOP, "time_limit": LIMIT, "pins": []}, uow=uow, now=T0
        )
    with db.transaction() as uow:
        assert uow.session.get(SolveJob, job["job_id"]).requested_by == ROSE
        claimed = usecases.claim_job({"claimed_by": "replica-1"}, uow=uow, now=T0, lease_seconds=30)
    view = planning.compute(
        {**claimed, "workshop_id": WORKSHOP},
        transaction=db.transaction,
        clock=lambda: T0,
        solver=planning.solve_in_process,
        job=claimed,
    )
    assert (view["computed_by"], view["published_by"]) == (ROSE, None)
    with db.transaction() as uow:
        uow.origin = "http:ops@10.0.0.7"
        payload = usecases.publish_schedule(
            {"workshop_id": WORKSHOP}, uow=uow, now=T0 + timedelta(minutes=1)
        )
    with db.transaction() as uow:
        stored = uow.session.get(Schedule, payload["schedule_id"])
        assert (stored.computed_by, stored.published_by) == (ROSE, "http:ops@10.0.0.7")
        shown = usecases.show_schedule(
            {"workshop_id": WORKSHOP, "state": "published"}, uow=uow, now=NOW
        )
    assert shown["published_by"] == "http:ops@10.0.0.7"


def test_a_pin_names_who_pinned_it(db, workshop):
    with as_rose(db) as uow:
        usecases.pin_program(
            {"workshop_id": WORKSHOP, "program_id": PC, "session": 2, "table": None},
            uow=uow,
            now=NOW,
        )
    with db.transaction() as uow:
        assert uow.session.get(Pin, (WORKSHOP, PC)).pinned_by == ROSE


def test_a_published_revision_is_shown_by_its_number(db, published):  # noqa: F811
    compute(db, at=T0 + timedelta(minutes=2))
    with db.transaction() as uow:
        shown = usecases.show_schedule({"workshop_id": WORKSHOP, "revision": 1}, uow=uow, now=NOW)
        assert (shown["revision"], shown["schedule_id"]) == (1, published["schedule_id"])
        with pytest.raises(NotFound):
            usecases.show_schedule({"workshop_id": WORKSHOP, "revision": 2}, uow=uow, now=NOW)


def replan_job(db, *, autopublish: bool):
    with db.transaction() as uow:
        uow.session.get(Workshop, WORKSHOP).replan_requested_at = NOW
    with db.transaction() as uow:
        (job_id,) = usecases.queue_due_work(
            {},
            uow=uow,
            now=NOW + timedelta(minutes=5),
            debounce_seconds=0,
            time_limit=LIMIT,
            autopublish=autopublish,
        )
        job = uow.session.get(SolveJob, job_id)
        return job.trigger, job.publish


@pytest.mark.parametrize(
    "own, service, publishes",
    [(None, True, True), (None, False, False), (False, True, False), (True, False, True)],
)
def test_a_workshop_decides_whether_its_re_plans_publish_on_their_own(
    db, published, own, service, publishes
):  # noqa: F811
    with db.transaction() as uow:
        view = usecases.set_replanning(
            {"workshop_id": WORKSHOP, "autopublish": own}, uow=uow, now=NOW, default=service
        )
        assert view == {"workshop_id": WORKSHOP, "autopublish": publishes, "default": own is None}
        assert (
            usecases.show_replanning({"workshop_id": WORKSHOP}, uow=uow, now=NOW, default=service)
            == view
        )
    assert replan_job(db, autopublish=service) == ("replan", publishes)
