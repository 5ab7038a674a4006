"""`rueda-webhooks` lists deliveries and replays parked ones from a shell."""

import json

import pytest

from rueda_backbone import tables
from rueda_backbone.database import Store
from rueda_backbone.outbox import UnitOfWork
from webhooks import cli, domain, usecases
from webhooks.models import Base, Delivery

from .conftest import NOW, SETTINGS, envelope


@pytest.fixture
def parked(tmp_path):
    url = f"sqlite:///{tmp_path / 'webhooks.sqlite3'}"
    store = Store(url)
    Base.metadata.create_all(store.engine)
    tables.metadata.create_all(store.engine)
    with store.transaction() as session:
        uow = UnitOfWork(session, producer="webhooks", correlation_id="t")
        usecases.create_subscription(
            {
                "name": "funder",
                "url": "https://grants.example.org/",
                "event_types": ["activity_status_changed"],
            },
            uow=uow,
            now=NOW,
            settings=SETTINGS,
        )
        (delivery_id,) = usecases.record_event({}, uow=uow, now=NOW, event=envelope())
        row = session.get(Delivery, delivery_id)
        row.status, row.attempts, row.last_error = domain.PARKED, 8, "gave up after 8 attempts"
    store.engine.dispose()
    config = tmp_path / "config.yml"
    config.write_text(f"DATABASE_URL: {url}\n")
    yield str(config), delivery_id


def test_parked_deliveries_are_listed_and_replayed(parked, capsys):
    config, delivery_id = parked
    assert cli.main(["--config", config, "deliveries", "list", "--status", "parked", "--json"]) == 0
    (listed,) = json.loads(capsys.readouterr().out)
    assert (listed["id"], listed["last_error"]) == (delivery_id, "gave up after 8 attempts")
    assert cli.main(["--config", config, "deliveries", "replay", delivery_id]) == 0
    assert (
        cli.main(["--config", config, "deliveries", "list", "--status", "pending", "--json"]) == 0
    )
    out = capsys.readouterr().out
    assert json.loads(out[out.index("[") :])[0]["replays"] == 1


def test_replaying_a_pending_or_unknown_delivery_says_why_and_fails(parked, capsys):
    config, delivery_id = parked
    cli.main(["--config", config, "deliveries", "replay", delivery_id])
    assert cli.main(["--config", config, "deliveries", "replay", delivery_id, "nope"]) == 1
    err = capsys.readouterr().err
    assert "still on its way" in err and "no delivery nope" in err


def test_subscriptions_are_listed_without_their_secrets(parked, capsys):
    config, _ = parked
    assert cli.main(["--config", config, "subscriptions", "list", "--json"]) == 0
    (listed,) = json.loads(capsys.readouterr().out)
    assert listed["name"] == "funder" and "secret" not in listed
