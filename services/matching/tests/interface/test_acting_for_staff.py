"""Over HTTP: the console's key (matching:act-for-staff) names the signed-in
person, and matching records them as who computed, published and pinned; a
workshop's re-planning setting; a published revision by its number."""

from urllib.parse import quote

import pytest
import requests
import sqlalchemy as sa

from matching.models import Pin
from rueda_backbone.apikeys import create_api_key
from rueda_backbone.database import Store

from .test_schedules import (  # noqa: F401 (fixture)
    PA,
    WORKSHOP,
    extra_config,  # noqa: F401 (fixture)
    feed,
    finished,
    matching,
)

pytestmark = pytest.mark.broker
ROSE = "staff:8c1f-rose (Rosé Coordinator)"


def test_what_the_console_does_is_recorded_as_the_signed_in_persons(matching):  # noqa: F811
    config = matching.config
    feed(config, deadline="2099-01-01T00:00:00+00:00")
    store = Store.for_url(config["DATABASE_URL"])
    key = create_api_key(
        store,
        "console",
        scopes=[
            "matching:read",
            "matching:write",
            "matching:schedules:publish",
            "matching:act-for-staff",
        ],
    )
    base = f"http://{config['WEB_SERVER_ADDRESS']}/workshops/{WORKSHOP}"
    headers = {
        "X-API-Key": key,
        "X-Rueda-Staff-Id": "8c1f-rose",
        "X-Rueda-Staff-Name": quote("Rosé Coordinator", safe=" "),
    }

    def call(method, path, body=None, **params):
        return requests.request(
            method, base + path, json=body, params=params, headers=headers, timeout=30
        )

    assert call("PUT", f"/pins/{PA}", {"session": 1}).status_code == 200
    with store.transaction() as session:
        assert session.scalar(sa.select(Pin.pinned_by).where(Pin.program_id == PA)) == ROSE
    assert call("PUT", "/replanning", {"autopublish": False}).json() == {
        "workshop_id": WORKSHOP,
        "autopublish": False,
        "default": False,
    }
    assert call("GET", "/replanning").json()["autopublish"] is False
    assert call("PUT", "/replanning", {"autopublish": "sometimes"}).status_code == 422
    job = finished(matching, call("POST", "/schedule", {"time_limit": 5}).json())
    assert job["state"] == "succeeded"
    computed = call("GET", "/schedule").json()
    assert (computed["computed_by"], computed["published_by"]) == (ROSE, None)
    assert call("POST", "/schedule/publish").status_code == 201
    shown = call("GET", "/schedule", revision="1").json()
    assert (shown["revision"], shown["published_by"]) == (1, ROSE)
    assert call("GET", "/schedule", revision="2").status_code == 404
    assert call("GET", "/schedule", revision="x").status_code == 400
