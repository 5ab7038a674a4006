"""The local stack (docker-compose.yml, the Postgres init script, the four
Dockerfiles) agrees with what each service's config.yml reads: nothing a
service needs in a container is missing, nothing it ignores is set, and every
service keeps to its own database.

Docker is not needed: these tests read the files.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from nameko.cli.main import ENV_VAR_MATCHER

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
POSTGRES_INIT = ROOT / "deploy" / "compose" / "postgres-init.sql"
SERVICES = ("intake", "matching", "followup", "notify", "webhooks")

# Settings whose config.yml default is wrong in a container: 127.0.0.1 is the
# container itself there, and a SQLite file inside it dies with it.
PER_ENVIRONMENT_SUFFIXES = ("_AMQP_URI", "_DATABASE_URL", "_HTTP_ADDRESS")
NOTIFY_MAIL_SETTINGS = ("NOTIFY_SMTP_HOST", "NOTIFY_SMTP_PORT")


class _ConfigLoader(yaml.SafeLoader):
    """Reads config.yml without substituting anything, `!env_var` included."""


_ConfigLoader.add_constructor("!env_var", lambda loader, node: loader.construct_scalar(node))
_ConfigLoader.add_constructor("!raw_env_var", lambda loader, node: loader.construct_scalar(node))


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def config_variables(service: str) -> dict[str, str | None]:
    """Every `${VAR:default}` the service's config.yml reads, with its default."""
    text = (ROOT / "services" / service / "config.yml").read_text()
    found: dict[str, str | None] = {}
    for value in _strings(yaml.load(text, Loader=_ConfigLoader)):
        for match in ENV_VAR_MATCHER.finditer(value):
            found[match.group(1)] = match.group(2)
    return found


def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def environment_of(service: str) -> dict[str, str]:
    env = compose()["services"][service].get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {key: str(value) for key, value in env.items()}


def database_url_of(service: str):
    return urlsplit(environment_of(service)[f"{service.upper()}_DATABASE_URL"])


def dockerfile_instructions(service: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined."""
    lines = (ROOT / "services" / service / "Dockerfile").read_text().splitlines()
    instructions: list[tuple[str, str]] = []
    current = ""
    for line in lines:
        if not current and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.rstrip().endswith("\\"):
            current += line.rstrip().removesuffix("\\") + " "
            continue
        keyword, _, arguments = (current + line).strip().partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
        current = ""
    return instructions


def instruction(service: str, keyword: str) -> list[str]:
    return [args for kw, args in dockerfile_instructions(service) if kw == keyword]


def config_default_port(service: str) -> int:
    default = config_variables(service)[f"{service.upper()}_HTTP_ADDRESS"]
    return int(default.rpartition(":")[2])


# -- compose ------------------------------------------------------------------


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_is_built_from_its_own_dockerfile_at_the_repository_root(service):
    build = compose()["services"][service]["build"]
    assert build["context"] == "."
    assert build["dockerfile"] == f"services/{service}/Dockerfile"


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_is_given_the_settings_that_differ_per_environment(service):
    read = config_variables(service)
    required = {name for name in read if name.endswith(PER_ENVIRONMENT_SUFFIXES)}
    if service == "notify":
        required |= set(NOTIFY_MAIL_SETTINGS)
    assert {f"{service.upper()}{suffix}" for suffix in PER_ENVIRONMENT_SUFFIXES} <= required
    assert required <= environment_of(service).keys()


@pytest.mark.parametrize("service", SERVICES)
def test_no_service_is_given_a_variable_its_config_does_not_read(service):
    unread = environment_of(service).keys() - config_variables(service).keys()
    assert not unread, f"{service} ignores {sorted(unread)}: a typo, or a setting it lost"


@pytest.mark.parametrize("service", SERVICES)
def test_services_log_json_in_the_stack(service):
    assert environment_of(service)["RUEDA_LOG_FORMAT"] == "json"


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_reaches_the_broker_by_its_compose_name_not_as_guest(service):
    uri = urlsplit(environment_of(service)[f"{service.upper()}_AMQP_URI"])
    assert uri.scheme == "amqp"
    assert uri.hostname == "rabbitmq"
    # RabbitMQ refuses guest from anywhere but localhost
    assert uri.username and uri.username != "guest"


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_uses_its_own_database_with_its_own_role(service):
    url = database_url_of(service)
    assert url.scheme.startswith("postgresql")
    assert url.hostname == "postgres"
    assert url.path.lstrip("/") == service
    assert url.username == service


def test_no_two_services_share_a_database_or_a_role():
    urls = [database_url_of(service) for service in SERVICES]
    assert len({url.path for url in urls}) == len(SERVICES)
    assert len({url.username for url in urls}) == len(SERVICES)


@pytest.mark.parametrize("service", SERVICES)
def test_postgres_init_script_creates_each_service_database_owned_by_its_role(service):
    script = POSTGRES_INIT.read_text()
    url = database_url_of(service)
    role = re.search(
        rf"CREATE ROLE {url.username}\b[^;]*\bLOGIN\b[^;]*PASSWORD '([^']*)'", script, re.IGNORECASE
    )
    assert role, f"the init script creates no login role {url.username}"
    assert role.group(1) == url.password
    database = url.path.lstrip("/")
    assert re.search(rf"CREATE DATABASE {database} OWNER {url.username}\s*;", script, re.IGNORECASE)
    # otherwise every role may connect to every database
    assert re.search(rf"REVOKE ALL ON DATABASE {database} FROM PUBLIC\s*;", script, re.IGNORECASE)


def test_postgres_runs_the_init_script_on_first_start():
    postgres = compose()["services"]["postgres"]
    assert postgres["image"].startswith("postgres:15")
    mounts = [volume.split(":") for volume in postgres["volumes"]]
    assert any(
        Path(ROOT, source).resolve() == POSTGRES_INIT
        and target.startswith("/docker-entrypoint-initdb.d/")
        for source, target, *_ in mounts
    )


@pytest.mark.parametrize("service", SERVICES)
def test_services_start_only_once_broker_and_database_are_healthy(service):
    depends_on = compose()["services"][service]["depends_on"]
    for dependency in ("rabbitmq", "postgres"):
        assert depends_on[dependency]["condition"] == "service_healthy"
        assert "healthcheck" in compose()["services"][dependency]


def test_notify_sends_mail_to_the_mail_catcher_over_smtp():
    stack = compose()["services"]
    env = environment_of("notify")
    assert stack["mailpit"]["image"].startswith("axllent/mailpit")
    assert env["NOTIFY_SMTP_HOST"] == "mailpit"
    assert env["NOTIFY_SMTP_PORT"] == "1025"
    assert any(str(port).endswith(":1025") for port in stack["mailpit"]["ports"])
    assert stack["notify"]["depends_on"]["mailpit"]["condition"] == "service_healthy"


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_listens_on_all_interfaces_on_its_published_port(service):
    port = config_default_port(service)
    host, _, listen_port = environment_of(service)[f"{service.upper()}_HTTP_ADDRESS"].rpartition(
        ":"
    )
    assert host == "0.0.0.0"
    assert int(listen_port) == port
    published = [
        str(mapping).rsplit(":", 1)[1] for mapping in compose()["services"][service]["ports"]
    ]
    assert published == [str(port)]


def test_services_are_published_on_ports_8001_to_8004_and_8006():
    # 8005 is the console's
    assert sorted(config_default_port(service) for service in SERVICES) == [
        8001,
        8002,
        8003,
        8004,
        8006,
    ]


# -- images ---------------------------------------------------------------------


@pytest.mark.parametrize("service", SERVICES)
def test_image_is_built_on_python_3_11_slim_bookworm(service):
    stages = set()
    for args in instruction(service, "FROM"):
        base, *alias = args.split()
        assert base == "python:3.11-slim-bookworm" or base in stages
        stages.update(alias[-1:])


@pytest.mark.parametrize("service", SERVICES)
def test_image_installs_the_backbone_library_and_its_own_package(service):
    copies = instruction(service, "COPY")
    assert any(args.split()[0] == "libs/backbone" for args in copies)
    assert any(args.split()[0].rstrip("/") == f"services/{service}" for args in copies)
    builds = " ".join(instruction(service, "RUN"))
    assert "./libs/backbone" in builds
    assert f"./services/{service}" in builds
    assert "pip check" in builds


@pytest.mark.parametrize("service", SERVICES)
def test_image_installs_with_the_repository_constraints(service):
    builds = " ".join(instruction(service, "RUN"))
    assert re.search(r"--constraint \S*constraints\.txt", builds)
    assert "source=constraints.txt" in builds


def pins(text: str) -> dict[str, str]:
    found = re.findall(r"^\s*\"?([A-Za-z0-9_.-]+)==([^\s\",]+)", text, re.MULTILINE)
    return {name.lower().replace("_", "-"): version for name, version in found}


@pytest.mark.parametrize("project", ["libs/backbone", *(f"services/{s}" for s in SERVICES)])
def test_constraints_pin_every_declared_dependency_at_the_declared_version(project):
    constraints = pins((ROOT / "constraints.txt").read_text())
    declared = pins((ROOT / project / "pyproject.toml").read_text())
    declared.pop("rueda-backbone", None)
    assert {name: constraints.get(name) for name in declared} == declared


@pytest.mark.parametrize("service", SERVICES)
def test_image_starts_the_service_with_run_sh_from_its_directory(service):
    assert instruction(service, "CMD") == ['["./run.sh"]']
    assert instruction(service, "WORKDIR")[-1].endswith(f"/services/{service}")
    run_sh = (ROOT / "services" / service / "run.sh").read_text()
    assert f"nameko run --config config.yml {service}.service" in run_sh


@pytest.mark.parametrize("service", SERVICES)
def test_image_runs_as_an_unprivileged_user(service):
    user = instruction(service, "USER")
    assert user, "no USER: the service would run as root"
    assert user[-1].split(":")[0] not in {"root", "0"}


@pytest.mark.parametrize("service", SERVICES)
def test_image_exposes_the_port_its_config_listens_on(service):
    assert instruction(service, "EXPOSE") == [str(config_default_port(service))]


@pytest.mark.parametrize("service", SERVICES)
def test_image_stops_with_sigterm_and_checks_health_over_http(service):
    assert instruction(service, "STOPSIGNAL") == ["SIGTERM"]
    (healthcheck,) = instruction(service, "HEALTHCHECK")
    command = json.loads(healthcheck[healthcheck.index("CMD") + 3 :].strip())
    assert command[:2] == ["python", "-c"]
    assert "urllib.request" in command[2] and "/health" in command[2]
    assert f"{service.upper()}_HTTP_ADDRESS" in command[2]


def test_build_context_leaves_out_local_environments_and_databases():
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    for pattern in (".git", ".venv", "**/*.egg-info", "**/*.sqlite3", "services/*/data"):
        assert pattern in ignored
    assert "constraints.txt" not in ignored
