"""The consumer table has one row per event type a subscription may name, and
reads each event as every consumer does."""

import pytest
from marshmallow import ValidationError

from webhooks import domain, inbound, usecases


def test_there_is_one_row_per_offered_event_type_and_no_other():
    assert {(row.producer, row.event_type) for row in inbound.CONSUMES} == {
        (domain.PRODUCER_OF[t], t) for t in domain.EVENT_TYPES
    }
    assert {row.use_case for row in inbound.CONSUMES} == {usecases.record_event}
    assert all(row.uses == ("event",) and row.wakes == ("sender",) for row in inbound.CONSUMES)


def test_free_text_may_span_lines_but_other_strings_may_not():
    reader = inbound.CONSUMES.reader_for("followup", "activity_status_changed", 1)()
    assert reader.load({"activity_id": "a1", "reason": "one\ntwo"})["reason"] == "one\ntwo"
    with pytest.raises(ValidationError):
        reader.load({"activity_id": "a1", "title": "one\ntwo"})
    with pytest.raises(ValidationError):
        reader.load({"activity_id": "a1\x00"})
