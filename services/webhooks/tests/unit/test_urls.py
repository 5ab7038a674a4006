"""Receivers' URLs that would let the sender reach into its own network are
refused (SSRF), when the subscription is made and again when it connects."""

import os
import socket
import threading

import eventlet
import eventlet.wsgi
import pytest

from webhooks import domain, posting

from .conftest import public_dns


def refusal(url, *, resolve=public_dns, allow_private=False, require_https=True):
    return domain.url_refusal(
        url, resolve=resolve, allow_private=allow_private, require_https=require_https
    )


def test_a_public_https_url_is_accepted():
    assert refusal("https://grants.example.org/rueda/hooks?src=rueda") is None


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://127.8.9.10:8443/",
        "https://[::1]/hook",
        "https://10.0.0.7/",
        "https://172.16.3.4/",
        "https://192.168.1.20/",
        "https://169.254.169.254/latest/meta-data/",  # cloud metadata
        "https://100.64.0.1/",  # carrier-grade NAT
        "https://0.0.0.0/",
        "https://[::ffff:127.0.0.1]/",  # IPv4 mapped into IPv6
        "https://[fd00::1]/",
        "https://[fe80::1]/",
        "https://224.0.0.1/",
    ],
)
def test_loopback_private_link_local_and_reserved_addresses_are_refused(url):
    assert "not a public address" in refusal(url)


def test_a_name_that_resolves_to_a_private_address_is_refused():
    def dns(host, port):
        return ["93.184.215.14", "10.1.2.3"]  # one bad record is enough

    assert "10.1.2.3" in refusal("https://hooks.example.org/", resolve=dns)


def test_a_name_that_does_not_resolve_is_refused():
    def dns(host, port):
        raise socket.gaierror("Name or service not known")

    assert "does not resolve" in refusal("https://nowhere.invalid/", resolve=dns)


@pytest.mark.parametrize(
    "url, reason",
    [
        ("http://grants.example.org/", "https"),
        ("ftp://grants.example.org/", "https"),
        ("https://user:pass@grants.example.org/", "credentials"),
        ("https:///path-only", "host"),
        ("https://grants.example.org/#part", "fragment"),
        ("https://grants.example.org:99999/", "not a URL"),
        ("https://grants.example.org/" + "a" * 2000, "at most"),
    ],
)
def test_urls_without_tls_a_host_or_with_credentials_are_refused(url, reason):
    assert reason in refusal(url)


def test_private_addresses_and_plain_http_are_accepted_only_when_the_settings_say_so():
    assert refusal("http://127.0.0.1:9000/", allow_private=True, require_https=False) is None
    assert "not a public address" in refusal("http://127.0.0.1:9000/", require_https=False)
    assert "https" in refusal("http://127.0.0.1:9000/", allow_private=True)


@pytest.fixture
def local_server():
    """Something listening on the loopback that records whether anyone spoke to it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    received = []

    def accept():
        try:
            connection, _ = server.accept()
            connection.settimeout(2)
            received.append(connection.recv(100))
            connection.close()
        except OSError:
            received.append(b"")

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1], received
    thread.join(timeout=3)
    server.close()


def test_the_sender_refuses_to_talk_to_a_private_peer_even_if_the_url_was_accepted(local_server):
    # the name checked at subscription time may resolve elsewhere now (DNS rebinding)
    port, received = local_server
    http = posting.session(allow_private=False)
    outcome = posting.post(
        http, f"http://localhost:{port}/hook", body="{}", headers={}, connect_timeout=2, timeout=2
    )
    assert not outcome.delivered
    assert "not a public address" in outcome.error
    assert received in ([], [b""])  # not one byte of the request was sent


def test_the_host_is_resolved_once_before_the_use_case_runs():
    from webhooks.settings import Settings

    lookups = []

    def dns(host, port):
        lookups.append(host)
        return ["10.9.8.7"]

    settings = Settings(resolve=dns).resolved_for("https://hooks.example.org/x")
    assert lookups == ["hooks.example.org"]
    assert "10.9.8.7" in refusal("https://hooks.example.org/x", resolve=settings.resolve)
    assert lookups == ["hooks.example.org"]  # the check read the answer given before


@pytest.fixture
def self_signed_https(tmp_path):
    """An HTTPS server on the loopback whose certificate no public root signed."""
    import shutil
    import subprocess

    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    hits = []

    def app(environ, start_response):
        hits.append(environ["PATH_INFO"])
        start_response("204 No Content", [])
        return [b""]

    listener = eventlet.wrap_ssl(
        eventlet.listen(("127.0.0.1", 0)), certfile=str(cert), keyfile=str(key), server_side=True
    )
    thread = eventlet.spawn(
        eventlet.wsgi.server, listener, app, log_output=False, log=open(os.devnull, "w")
    )
    yield listener.getsockname()[1], hits
    thread.kill()


CLIENT = """
import eventlet
eventlet.monkey_patch()   # first, as `nameko run` does
import json, sys
from webhooks import posting
outcome = posting.post(posting.session(allow_private=True), sys.argv[1], body="{}", headers={},
                       connect_timeout=3, timeout=3)
print(json.dumps({"delivered": outcome.delivered, "error": outcome.error}))
"""


def test_a_certificate_that_does_not_verify_is_a_failed_try(self_signed_https):
    # in a process of its own: pytest's plugins import urllib3 before eventlet
    # patches ssl, which a service process never does
    import json
    import subprocess
    import sys

    port, hits = self_signed_https
    client = eventlet.spawn(
        subprocess.run,
        [sys.executable, "-c", CLIENT, f"https://localhost:{port}/"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    done = client.wait()
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    assert outcome["delivered"] is False
    assert outcome["error"].startswith("TLS:") and "certificate verify failed" in outcome["error"]
    assert hits == []
