"""The backbone's thin flow with the four services as real processes."""

import uuid

import pytest

from rueda_backbone.testing import wait_for
from rueda_devkit.flow import emails, register_and_submit, rows

pytestmark = [pytest.mark.e2e, pytest.mark.broker]


def test_a_program_submitted_over_http_reaches_every_service_and_the_delegate_gets_a_receipt(
    make_stack,
):
    stack = make_stack("sqlite")
    api_key = stack.ops("intake", "api-key", "create", "portal")
    stack.start_all()
    correlation_id = uuid.uuid4().hex
    delegation, program = register_and_submit(stack, api_key, correlation_id=correlation_id)

    ((_path, message),) = wait_for(lambda: emails(stack), timeout=30, what="the receipt")
    assert message["To"] == "carmen@example.org"
    assert message["X-Correlation-ID"] == correlation_id
    wait_for(
        lambda: rows(
            stack.database_urls["matching"],
            "select * from program where id = :id",
            id=program["id"],
        ),
        what="matching's copy",
    )
    wait_for(
        lambda: rows(
            stack.database_urls["followup"],
            "select * from delegation where id = :id",
            id=delegation["id"],
        ),
        what="followup's record",
    )
    for service in ("intake", "matching", "followup", "notify"):
        assert correlation_id in stack.logs(service), f"{service} did not log the correlation id"
