"""Which broker policies a topology needs, and who may set them."""

import re

from rueda_backbone.topology import Topology, policy_manager_url, vhost_of


def test_the_handler_policy_matches_the_handler_queues_and_nothing_else():
    topology = Topology("matching", retry_delays=(1, 5))
    policies = {p["name"]: p for p in topology.policies()}
    pattern = policies["matching.handlers"]["pattern"]
    handler = topology.handler_queue("handle_program_submitted", "intake", "program_submitted")
    assert re.search(pattern, handler.name)
    assert re.search(pattern, "matching.handle_deadline_passed")
    for other in ("matching.retry.1000", "matching.dead", "notify.handle_x", "matchingx.handle"):
        assert not re.search(pattern, other), other
    assert policies["matching.retry.5000"]["definition"] == {
        "message-ttl": 5000,
        "dead-letter-exchange": "matching.redeliver",
    }
    assert re.search(policies["matching.retry.1000"]["pattern"], "matching.retry.1000")
    assert not re.search(policies["matching.retry.1000"]["pattern"], "matching.retry.10000")
    # what a policy sets is no longer an argument: ops change it without deleting a queue
    assert handler.queue_arguments == {"x-queue-type": "quorum"}
    assert all(not q.queue_arguments for q in topology.retry_queues)


def test_only_management_credentials_set_policies_never_a_service_user():
    assert policy_manager_url({"AMQP_URI": "amqp://matching:s3cret@rabbitmq:5672/rueda"}) is None
    assert policy_manager_url({"AMQP_URI": "amqp://guest:guest@127.0.0.1:5672//"}) == (
        "http://guest:guest@127.0.0.1:15672"
    )
    assert policy_manager_url(
        {
            "AMQP_URI": "amqp://matching:x@rabbitmq/rueda",
            "BROKER_MANAGEMENT_URL": "http://admin:a@mq:15672",
        }
    ) == ("http://admin:a@mq:15672")


def test_the_vhost_of_an_amqp_uri():
    assert vhost_of("amqp://guest:guest@127.0.0.1:5672//") == "/"
    assert vhost_of("amqp://guest:guest@127.0.0.1:5672/") == "/"
    assert vhost_of("amqp://u:p@h:5672/nameko_test_abc") == "nameko_test_abc"
    assert vhost_of("amqp://u:p@h:5672/a%2Fb") == "a/b"


def test_a_service_that_should_set_its_policies_and_cannot_says_so():
    import pytest

    from rueda_backbone.topology import apply_policies

    with pytest.raises(RuntimeError, match="management API.*rabbitmq_management"):
        apply_policies("http://guest:guest@127.0.0.1:1", "v", Topology("x").policies(), timeout=2)
