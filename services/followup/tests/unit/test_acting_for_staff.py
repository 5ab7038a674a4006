"""Who acts on an activity: `by` from the body, else the person the console
acts for (`uow.actor`), else the API client of the request's origin."""

from types import SimpleNamespace

from followup.usecases.trail import acting
from rueda_backbone.outbox import StaffActor


def uow(actor=None):
    return SimpleNamespace(origin="http:console@10.0.0.5", actor=actor)


def test_by_wins_then_the_person_then_the_client():
    rose = StaffActor("8c1f-rose", "Rose Coordinator")
    assert acting({"by": "Rose [8c1f]"}, uow(rose)).name == "Rose [8c1f]"
    assert acting({}, uow(rose)).name == "staff:8c1f-rose (Rose Coordinator)"
    assert acting({}, uow()).name == "console"
    assert acting({}, uow()).origin == "http:console@10.0.0.5"
