"""Deliveries are signed as Standard Webhooks says, and the example receiver
accepts exactly what is signed so."""

import base64
import json
import time

import pytest
from standardwebhooks.webhooks import WebhookVerificationError

from webhooks import signing

from .conftest import load_receiver_example

# the specification's published test vector (standard-webhooks/spec, "Signature scheme")
SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
SPEC_TIMESTAMP = 1614265330
SPEC_BODY = '{"test": 2432232314}'
SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

receiver = load_receiver_example()


def test_the_signature_of_the_specifications_test_vector_is_reproduced():
    assert (
        signing.signature(SPEC_SECRET, webhook_id=SPEC_ID, timestamp=SPEC_TIMESTAMP, body=SPEC_BODY)
        == SPEC_SIGNATURE
    )


def test_the_three_headers_carry_the_id_the_timestamp_and_the_signature():
    assert signing.headers(
        SPEC_SECRET, webhook_id=SPEC_ID, timestamp=SPEC_TIMESTAMP, body=SPEC_BODY
    ) == {
        "webhook-id": SPEC_ID,
        "webhook-timestamp": "1614265330",
        "webhook-signature": SPEC_SIGNATURE,
    }


def test_a_new_secret_is_whsec_and_the_base64_of_32_random_bytes():
    secret = signing.new_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"), validate=True)) == 32
    assert signing.new_secret() != secret


def test_the_example_receivers_hand_written_check_agrees_with_the_test_vector():
    headers = {
        "webhook-id": SPEC_ID,
        "webhook-timestamp": str(SPEC_TIMESTAMP),
        "webhook-signature": SPEC_SIGNATURE,
    }
    assert receiver.verify_by_hand(
        SPEC_SECRET, SPEC_BODY.encode(), headers, now=SPEC_TIMESTAMP
    ) == {"test": 2432232314}


# what the reference implementation and the hand-written check raise
REFUSED = (WebhookVerificationError, ValueError)


@pytest.mark.parametrize("verify", [receiver.verify, receiver.verify_by_hand])
def test_the_example_receiver_verifies_what_the_sender_signs_and_nothing_else(verify):
    secret = signing.new_secret()
    body = json.dumps({"id": "e1", "data": {"text": "Año"}}, ensure_ascii=False)
    now = int(time.time())
    headers = signing.headers(secret, webhook_id="msg_1", timestamp=now, body=body)
    assert verify(secret, body.encode(), headers)["data"] == {"text": "Año"}
    with pytest.raises(REFUSED):
        verify(secret, body.replace("Año", "Ano").encode(), headers)
    with pytest.raises(REFUSED):
        verify(signing.new_secret(), body.encode(), headers)
    with pytest.raises(REFUSED):  # another id under the same signature
        verify(secret, body.encode(), {**headers, "webhook-id": "msg_2"})
    stale = signing.headers(secret, webhook_id="msg_1", timestamp=now - 600, body=body)
    with pytest.raises(REFUSED):  # a capture replayed ten minutes later
        verify(secret, body.encode(), stale)


def test_the_example_receiver_stores_each_webhook_id_once_and_refuses_bad_signatures():
    secret = signing.new_secret()
    stored = []
    app = receiver.Receiver(secret, stored.append)
    body = b'{"id": "e1", "type": "org.rueda.followup.activity_proposed", "data": {}}'

    def post(headers, data=body):
        import io

        status = []
        environ = {
            "REQUEST_METHOD": "POST",
            "CONTENT_LENGTH": str(len(data)),
            "wsgi.input": io.BytesIO(data),
            **{f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()},
        }
        app(environ, lambda s, h: status.append(s))
        return status[0].split()[0]

    headers = signing.headers(
        secret, webhook_id="msg_x", timestamp=int(time.time()), body=body.decode()
    )
    assert post(headers) == "204"
    assert post(headers) == "200"  # the same delivery again: a duplicate
    assert post({**headers, "webhook-signature": "v1,AAAA"}) == "401"
    assert post({}) == "401"
    assert len(stored) == 1
