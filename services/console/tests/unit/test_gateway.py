"""The gateway: ids quoted into paths, the console's key and the acting
person on every call, a service's refusal or absence told apart."""

import pytest
import requests
from console.exceptions import PageNotFound, Upstream, UpstreamUnavailable
from console.gateway import Endpoint, Gateway, path


class Answer:
    def __init__(self, status, body=None):
        self.status_code = status
        self._body = body
        self.content = b"x" if body is not None else b""

    def json(self):
        return self._body


class Recorder(requests.Session):
    def __init__(self, answer):
        super().__init__()
        self.answer = answer
        self.calls = []

    def request(self, method, url, **kwargs):
        self.calls.append((method, url, kwargs))
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def gateway(answer):
    made = Gateway(
        {"intake": Endpoint("intake", "http://intake", "rk_console")},
        correlation_id="c1",
        person={"staff_id": "s1", "name": "Ana Secretaría"},
    )
    made._http = recorder = Recorder(answer)
    made.intake.http = recorder
    return made, recorder


def test_an_id_from_a_form_never_changes_the_path():
    assert path("workshops", "../staff", "forms") == "/workshops/..%2Fstaff/forms"
    assert path("programs", "a b?c") == "/programs/a%20b%3Fc"


def test_every_call_carries_the_key_the_correlation_id_and_the_person():
    made, recorder = gateway(Answer(200, {"ok": True}))
    assert made.intake.get("/workshops", params={"limit": 5, "missing": None}) == {"ok": True}
    method, url, kwargs = recorder.calls[0]
    assert (method, url) == ("GET", "http://intake/workshops")
    assert kwargs["params"] == {"limit": 5}
    assert kwargs["headers"]["X-API-Key"] == "rk_console"
    assert kwargs["headers"]["X-Correlation-ID"] == "c1"
    assert kwargs["headers"]["X-Rueda-Staff-Id"] == "s1"
    assert kwargs["headers"]["X-Rueda-Staff-Name"] == "Ana Secretar%C3%ADa"


def test_a_refusal_keeps_the_services_message_and_fields():
    made, _ = gateway(
        Answer(
            422,
            {
                "error": "invalid",
                "message": "some fields are invalid",
                "fields": [{"path": "title", "message": "too short"}],
            },
        )
    )
    with pytest.raises(Upstream) as refused:
        made.intake.post("/workshops", {})
    assert refused.value.status == 422 and refused.value.fields[0]["path"] == "title"


def test_missing_down_and_failing_services_are_told_apart():
    made, _ = gateway(Answer(404, {"message": "no workshop w1"}))
    with pytest.raises(PageNotFound):
        made.intake.get("/workshops/w1")
    assert made.intake.get("/workshops/w1", missing_is_none=True) is None
    made, _ = gateway(Answer(503, {}))
    with pytest.raises(UpstreamUnavailable):
        made.intake.get("/workshops")
    made, _ = gateway(requests.ConnectionError("refused"))
    with pytest.raises(UpstreamUnavailable):
        made.intake.get("/workshops")
