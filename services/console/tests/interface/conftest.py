"""The console in a real nameko container, with intake (its staff registry
and workshops) in another real container on the real broker; the other
services are not started (their pages answer 502 here; tests/pages runs the
whole stack)."""

import re
from pathlib import Path

import pytest
import requests
from console import usecases
from console.gateway import SCOPES
from console.service import ConsoleService
from console.web import UnitOfWork

from rueda_backbone.apikeys import create_api_key
from rueda_backbone.database import Store, upgrade
from rueda_backbone.testing import free_port

INTAKE = Path(__file__).resolve().parents[3] / "intake"
PASSWORD = "a long enough password"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def intake(container_factory, rabbit_config, tmp_path):
    from intake.service import IntakeService

    url = f"sqlite:///{tmp_path / 'intake.sqlite3'}"
    upgrade(INTAKE / "alembic.ini", url)
    config = {
        **rabbit_config,
        "DATABASE_URL": url,
        "WEB_SERVER_ADDRESS": f"127.0.0.1:{free_port()}",
        "OUTBOX_POLL_SECONDS": 0.2,
        "LOG_FORMAT": "console",
        "LOG_LEVEL": "INFO",
    }
    container_factory(IntakeService, config).start()
    store = Store.for_url(url)
    base = f"http://{config['WEB_SERVER_ADDRESS']}"
    portal = create_api_key(store, "portal")

    class Intake:
        console_key = create_api_key(store, "console", scopes=SCOPES["intake"])
        reader_key = create_api_key(store, "funder", scopes=["intake:read"])

        @staticmethod
        def call(method, path, body=None):
            response = requests.request(
                method, base + path, json=body, timeout=10, headers={"X-API-Key": portal}
            )
            assert response.status_code < 300, response.text
            return response.json()

        @staticmethod
        def staff(name, roles, active=True):
            return Intake.call(
                "POST",
                "/staff",
                {
                    "name": name,
                    "email": f"{name.lower()}@sec.example.org",
                    "language": "en",
                    "roles": roles,
                    "active": active,
                },
            )

    Intake.url = base
    return Intake


@pytest.fixture
def console_config(config, intake):
    return {
        **config,
        "INTAKE_URL": intake.url,
        "INTAKE_API_KEY": intake.console_key,
        "MATCHING_URL": f"http://127.0.0.1:{free_port()}",
        "MATCHING_API_KEY": "rk_none",
        "FOLLOWUP_URL": f"http://127.0.0.1:{free_port()}",
        "FOLLOWUP_API_KEY": "rk_none",
        "NOTIFY_URL": f"http://127.0.0.1:{free_port()}",
        "NOTIFY_API_KEY": "rk_none",
        "UPSTREAM_TIMEOUT_SECONDS": 3,
        "DEFAULT_LANGUAGE": "en",
        "COOKIE_SECURE": "false",
        "ROLES_REFRESH_SECONDS": 300,
    }


class Browser(requests.Session):
    """A cookie-keeping HTTP client that reads each page's CSRF token."""

    def __init__(self, base):
        super().__init__()
        self.base = base
        self.csrf = None

    def page(self, path, **kwargs):
        response = self.get(self.base + path, allow_redirects=False, timeout=10, **kwargs)
        found = CSRF.search(response.text)
        if found:
            self.csrf = found.group(1)
        return response

    def submit(self, path, data=None, csrf=True, **kwargs):
        data = dict(data or {})
        if csrf and self.csrf:
            data.setdefault("csrf_token", self.csrf)
        return self.post(self.base + path, data=data, allow_redirects=False, timeout=10, **kwargs)

    def sign_in(self, login, password=PASSWORD):
        self.page("/sign-in")
        return self.submit("/sign-in", {"login": login, "password": password})


@pytest.fixture
def start_console(container_factory, console_config):
    def start(**changes):
        config = {**console_config, **changes}
        container_factory(ConsoleService, config).start()
        return f"http://{config['WEB_SERVER_ADDRESS']}", config

    return start


@pytest.fixture
def console(start_console):
    base, config = start_console()
    return base


@pytest.fixture
def password_for(console_config):
    store = Store.for_url(console_config["DATABASE_URL"])

    def give(staff, login=None):
        with store.transaction() as session:
            usecases.set_password(
                {
                    "staff_id": staff["id"],
                    "login": login or f"{staff['name'].lower()}@sec.example.org",
                    "password": PASSWORD,
                },
                uow=UnitOfWork(session),
                now=__import__("datetime").datetime.now(__import__("datetime").UTC),
            )
        return login or f"{staff['name'].lower()}@sec.example.org"

    return give
