"""The whole stack for the page tests: the four services as real `nameko
run` processes (rueda_devkit.stack, as tests/e2e and the demo start them),
the console as a fifth process with its own API keys, RabbitMQ on a fresh
vhost, the mail sink, and the Santa Marta workshop played into intake (the
portal's part). The browser runs in a child process (`browse.py`): Playwright's
sync API does not stop cleanly under eventlet's monkey patching."""

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests
from console.gateway import key_command

from rueda_devkit import broker, mailsink
from rueda_devkit import santa_marta as story
from rueda_devkit.demo import DEMO_SETTINGS, matching_has_everything
from rueda_devkit.stack import ROOT, Stack, bin_path, free_port, free_port_offset

CONSOLE = ROOT / "services" / "console"
BROWSER = Path("/usr/bin/chromium")
SCREENSHOTS = Path(os.environ.get("CONSOLE_SCREENSHOTS", ROOT / "data" / "console-screenshots"))
PASSWORD = "santa marta 2012 rounds"
FAST = {
    f"{s.upper()}_{k}": v
    for s in ("intake", "matching", "followup", "notify")
    for k, v in {"EVENT_RETRY_DELAYS": "[0.2, 0.5, 1]", "OUTBOX_POLL_SECONDS": "0.2"}.items()
}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    if not BROWSER.exists():
        pytest.skip("no /usr/bin/chromium: apt-get install -y chromium")
    data = tmp_path_factory.mktemp("stack")
    vhost = f"rueda-console-{uuid.uuid4().hex[:6]}"
    amqp = broker.create_vhost(vhost)
    smtp_port = free_port()
    sink = mailsink.start(data / "mail", port=smtp_port)
    stack = Stack(
        data_dir=data,
        amqp_uri=amqp,
        smtp_port=smtp_port,
        port_offset=free_port_offset(replicas=2),
        extra_env={**FAST, **DEMO_SETTINGS, "NOTIFY_MAIL_POLL_SECONDS": "0.2"},
    )
    console = None
    try:
        stack.migrate()
        keys = {
            s: stack.ops(s, "api-key", "create", "portal")
            for s in ("intake", "matching", "followup", "notify")
        }
        # exactly the scopes the console's pages need (console.gateway.SCOPES)
        console_keys = {
            s: stack.ops(s, *key_command(s)) for s in ("intake", "matching", "followup", "notify")
        }
        stack.start_all()
        client = story.Client(stack, keys)
        workshop = story.Workshop()
        story.create_workshop(client, workshop)
        story.register_delegations(client, workshop)
        story.submit_programs(client, workshop)
        story.submit_interests(client, workshop)
        story.wait_for(matching_has_everything(stack, workshop), 60, "matching to read every form")
        story.sign_expressions(client, workshop)
        story.wait_for(
            lambda: len(story.activities(client, workshop)) == 3,
            60,
            "followup to propose three activities",
        )

        port = free_port()
        env = {
            **os.environ,
            "CONSOLE_DATABASE_URL": f"sqlite:///{data / 'console.sqlite3'}",
            "CONSOLE_HTTP_ADDRESS": f"127.0.0.1:{port}",
            "RUEDA_LOG_FORMAT": "json",
            "CONSOLE_DEFAULT_LANGUAGE": "en",
            "PYTHONWARNINGS": "ignore::DeprecationWarning,ignore:pkg_resources is deprecated:UserWarning",
            **{f"CONSOLE_{s.upper()}_URL": stack.url(s) for s in console_keys},
            **{f"CONSOLE_{s.upper()}_API_KEY": key for s, key in console_keys.items()},
        }
        subprocess.run(
            [bin_path("rueda-ops"), "--config", "config.yml", "migrate"],
            cwd=CONSOLE,
            env=env,
            check=True,
            capture_output=True,
            timeout=120,
        )
        logins = {}
        for who in ("ana", "rose"):
            logins[who] = f"{who}@secretariat.example.org"
            subprocess.run(
                [
                    bin_path("rueda-console"),
                    "--config",
                    "config.yml",
                    "password",
                    "set",
                    workshop.staff[who]["id"],
                    "--login",
                    logins[who],
                ],
                cwd=CONSOLE,
                env=env,
                input=PASSWORD + "\n",
                text=True,
                check=True,
                capture_output=True,
                timeout=60,
            )
        log = open(data / "logs" / "console.log", "ab")
        console = subprocess.Popen(
            [bin_path("nameko"), "run", "--config", "config.yml", "console.service"],
            cwd=CONSOLE,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        story.wait_for(lambda: _healthy(base), 60, "the console to answer")
        yield {
            "base": base,
            "workshop": workshop,
            "logins": logins,
            "password": PASSWORD,
            "stack": stack,
            "client": client,
            "mail": data / "mail",
            "data": data,
            "sink": sink,
        }
    finally:
        if console is not None:
            console.terminate()
            console.wait(30)
        stack.stop()
        sink.stop()
        broker.delete_vhost(vhost)


def _healthy(base):
    try:
        return requests.get(base + "/health", timeout=2).status_code == 200
    except requests.RequestException:
        return False


@pytest.fixture
def browse(site):
    """browse(scenario, **args): run one scenario of browse.py in a real
    Chromium; returns what it reports (pages visited, axe findings)."""

    def run(scenario, **args):
        spec = {
            "base": site["base"],
            "password": site["password"],
            "screenshots": str(SCREENSHOTS),
            "workshop_id": site["workshop"].id,
            **args,
        }
        started = time.monotonic()
        result = subprocess.run(
            [
                sys.executable,
                str(Path(__file__).with_name("browse.py")),
                scenario,
                json.dumps(spec),
            ],
            capture_output=True,
            text=True,
            timeout=240,
            env={**os.environ, "PYTHONWARNINGS": "ignore"},
        )
        if result.returncode != 0:
            failures = [
                line
                for line in (site["data"] / "logs" / "console.log")
                .read_text(errors="replace")
                .splitlines()
                if "page.failed" in line or "Error" in line
            ]
            pytest.fail(
                f"{scenario} failed:\n{result.stdout}\n{result.stderr}\n" + "\n".join(failures[-5:])
            )
        report = json.loads(result.stdout.strip().splitlines()[-1])
        report["seconds"] = time.monotonic() - started
        return report

    return run
