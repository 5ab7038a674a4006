"""Probes and Prometheus metrics on a service's HTTP port, against the real
broker and real databases."""

import pytest
import requests
import sqlalchemy as sa
from prometheus_client.parser import text_string_to_metric_families

from rueda_backbone import Database, Event, PermanentFailure, event_handler, tables
from rueda_backbone.health import health_endpoint
from rueda_backbone.testing import publish_event, wait_for

pytestmark = pytest.mark.broker


class GaugedService:
    name = "gauged"
    db = Database()

    @event_handler("elsewhere", "thing_made")
    def handle_thing_made(self, event):
        if event.payload.get("n") == "poison":
            raise PermanentFailure("n must be a number")
        with self.db.transaction() as uow:
            uow.publish(Event("thing_seen", {"n": event.payload["n"]}))

    health = health_endpoint()


@pytest.fixture
def config(service_config):
    engine = sa.create_engine(service_config["DATABASE_URL"])
    tables.metadata.create_all(engine)
    engine.dispose()
    return service_config


def samples(base_url):
    response = requests.get(f"{base_url}/metrics", timeout=5)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    found = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            if sample.labels.get("service") == "gauged":
                key = (
                    sample.name,
                    tuple(sorted((k, v) for k, v in sample.labels.items() if k != "service")),
                )
                found[key] = sample.value
    return found


def test_probes_report_live_and_ready_and_metrics_count_what_happened(container_factory, config):
    container_factory(GaugedService, config).start()
    base = f"http://{config['WEB_SERVER_ADDRESS']}"
    live = requests.get(f"{base}/health/live", timeout=5).json()
    assert live["status"] == "ok"
    # the test's service is not an installed distribution; the backbone is
    assert live["version"] == "unknown" and live["backbone_version"][0].isdigit()
    ready = requests.get(f"{base}/health/ready", timeout=5)
    assert ready.status_code == 200 and ready.json()["broker"] == "ok"
    assert requests.get(f"{base}/health", timeout=5).json()["database"] == "ok"

    # what this handler has already counted in this process (other tests ran it too)
    queue = (("outcome", "processed"), ("queue", "gauged.handle_thing_made"))
    parked = (("outcome", "parked"), ("queue", "gauged.handle_thing_made"))
    before = samples(base)
    publish_event(config["AMQP_URI"], "elsewhere", "thing_made", {"n": 1})
    publish_event(config["AMQP_URI"], "elsewhere", "thing_made", {"n": "poison"})

    def settled(key):
        return samples(base).get(("rueda_events_consumed_total", key), 0) - before.get(
            ("rueda_events_consumed_total", key), 0
        )

    wait_for(lambda: settled(parked) and settled(queue), what="both events settled")
    after = samples(base)
    assert (settled(queue), settled(parked)) == (1, 1)
    assert (
        after[("rueda_handler_duration_seconds_count", (("queue", "gauged.handle_thing_made"),))]
        >= 2
    )
    # thing_seen has no queue bound: it stays in the outbox and shows as backlog
    wait_for(
        lambda: samples(base).get(("rueda_outbox_publish_failures_total", ()), 0) >= 1,
        what="the unroutable event counted",
    )
    assert samples(base)[("rueda_outbox_backlog", ())] == 1
    assert samples(base)[("rueda_parked_messages", ())] == 1
    assert (
        after[
            (
                "rueda_build_info",
                (("backbone_version", live["backbone_version"]), ("version", "unknown")),
            )
        ]
        == 1
    )


def test_readiness_fails_when_the_outbox_backlog_passes_its_threshold(container_factory, config):
    config = {**config, "OUTBOX_MAX_BACKLOG": 1, "OUTBOX_RELAY_ENABLED": False}
    container_factory(GaugedService, config).start()
    base = f"http://{config['WEB_SERVER_ADDRESS']}"
    # a backlog as a relay that cannot publish leaves it
    from rueda_backbone.database import Store
    from rueda_backbone.outbox import UnitOfWork

    with Store.for_url(config["DATABASE_URL"]).transaction() as session:
        UnitOfWork(session, producer="gauged", correlation_id="c").publish(
            Event("nobody_listens", {}), Event("nobody_listens", {})
        )
    ready = requests.get(f"{base}/health/ready", timeout=5)
    assert ready.status_code == 503
    assert ready.json()["outbox"]["pending"] == 2
    assert requests.get(f"{base}/health/live", timeout=5).status_code == 200
