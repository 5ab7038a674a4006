"""The Kubernetes manifests in deploy/k8s and deploy/rabbitmq agree with what
each service's config.yml reads and with how ops run the suite: probes,
resources, graceful shutdown, a migration Job, and each service's own
database and broker Secrets. No cluster needed: these tests read the files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from nameko.cli.main import ENV_VAR_MATCHER

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
SERVICES = ("intake", "matching", "followup", "notify", "webhooks")
PER_ENVIRONMENT_SUFFIXES = ("_AMQP_URI", "_DATABASE_URL", "_HTTP_ADDRESS")
NOTIFY_MAIL_SETTINGS = ("NOTIFY_SMTP_HOST", "NOTIFY_SMTP_PORT", "NOTIFY_MAIL_FROM")


class _ConfigLoader(yaml.SafeLoader):
    """Reads config.yml without substituting anything."""


for _tag in ("!env_var", "!raw_env_var"):
    _ConfigLoader.add_constructor(_tag, lambda loader, node: loader.construct_scalar(node))


def config_variables(service: str) -> dict[str, str | None]:
    config = yaml.load(
        (ROOT / "services" / service / "config.yml").read_text(), Loader=_ConfigLoader
    )
    found = {}
    for value in config.values():
        for match in ENV_VAR_MATCHER.finditer(str(value)):
            found[match.group(1)] = match.group(2)
    return found


def documents(path: Path) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def manifests(service: str) -> dict[str, dict]:
    """kind -> object, for the resources of the service's kustomization."""
    kustomization = yaml.safe_load((K8S / service / "kustomization.yaml").read_text())
    found = {}
    for resource in kustomization["resources"]:
        for doc in documents(K8S / service / resource):
            assert doc["kind"] not in found, f"two {doc['kind']}s for {service}"
            found[doc["kind"]] = doc
    return found


def container(workload: dict) -> dict:
    (only,) = workload["spec"]["template"]["spec"]["containers"]
    return only


def provided_variables(service: str, workload: dict) -> dict[str, dict | str]:
    """Every variable the container gets: from the ConfigMap and from env."""
    found: dict[str, dict | str] = {}
    configmaps = {doc["metadata"]["name"]: doc for doc in [manifests(service)["ConfigMap"]]}
    for source in container(workload).get("envFrom", []):
        found.update(configmaps[source["configMapRef"]["name"]]["data"])
    for variable in container(workload).get("env", []):
        found[variable["name"]] = variable.get("valueFrom") or variable["value"]
    return found


def config_port(service: str) -> int:
    return int(config_variables(service)[f"{service.upper()}_HTTP_ADDRESS"].rpartition(":")[2])


def test_every_manifest_parses_and_names_its_kind():
    files = sorted(DEPLOY.rglob("*.yaml"))
    assert len(files) >= 4 * 6
    for path in files:
        for doc in documents(path):
            assert doc.get("apiVersion") and doc.get("kind"), path
            if doc["kind"] != "Kustomization":
                assert doc["metadata"]["name"], path


def test_every_kustomization_lists_files_that_exist():
    for path in DEPLOY.rglob("kustomization.yaml"):
        kustomization = yaml.safe_load(path.read_text())
        listed = list(kustomization.get("resources", []))
        for generator in kustomization.get("configMapGenerator", []):
            listed.extend(generator.get("files", []))
        assert listed, path
        for name in listed:
            assert (path.parent / name).exists(), f"{path} lists missing {name}"


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_has_a_deployment_service_configmap_migration_job_and_pdb(service):
    assert set(manifests(service)) == {
        "ConfigMap",
        "Deployment",
        "Service",
        "Job",
        "PodDisruptionBudget",
    }


@pytest.mark.parametrize("service", SERVICES)
def test_probes_check_liveness_and_readiness_on_the_port_the_service_listens_on(service):
    deployment = manifests(service)["Deployment"]
    main = container(deployment)
    (port,) = main["ports"]
    assert port["containerPort"] == config_port(service)
    listens = provided_variables(service, deployment)[f"{service.upper()}_HTTP_ADDRESS"]
    assert listens == f"0.0.0.0:{port['containerPort']}"
    assert main["livenessProbe"]["httpGet"] == {"path": "/health/live", "port": port["name"]}
    assert main["readinessProbe"]["httpGet"] == {"path": "/health/ready", "port": port["name"]}
    assert main["startupProbe"]["httpGet"]["path"] == "/health/live"
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/path"] == "/metrics"
    assert int(annotations["prometheus.io/port"]) == port["containerPort"]
    assert manifests(service)["Service"]["spec"]["ports"][0]["targetPort"] == port["name"]


@pytest.mark.parametrize("service", SERVICES)
def test_pods_have_resources_and_stop_gracefully(service):
    deployment = manifests(service)["Deployment"]
    main = container(deployment)
    assert {"cpu", "memory"} <= main["resources"]["requests"].keys()
    assert "memory" in main["resources"]["limits"]
    # nameko finishes running workers on SIGTERM: give it time, after the
    # Service stopped sending requests
    assert deployment["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] >= 30
    assert main["lifecycle"]["preStop"]
    assert deployment["spec"]["replicas"] >= 2
    assert deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0


@pytest.mark.parametrize("service", SERVICES)
def test_the_migration_job_runs_the_same_image_and_the_deployment_does_not_migrate(service):
    found = manifests(service)
    job, deployment = found["Job"], found["Deployment"]
    assert container(job)["image"] == container(deployment)["image"] == f"rueda/{service}"
    assert container(job)["command"][-1] == "migrate"
    assert "rueda-ops" in container(job)["command"][0]
    command = " ".join(container(deployment)["command"])
    assert "migrate" not in command and "run.sh" not in command
    assert command.endswith(f"{service}.service")
    # applied in two steps: ConfigMap and Job first, the rest once the Job completed
    steps = {kind: doc["metadata"]["labels"]["rueda.io/step"] for kind, doc in found.items()}
    assert steps == {
        "ConfigMap": "migrate",
        "Job": "migrate",
        "Deployment": "serve",
        "Service": "serve",
        "PodDisruptionBudget": "serve",
    }
    kustomization = yaml.safe_load((K8S / service / "kustomization.yaml").read_text())
    assert [image["name"] for image in kustomization["images"]] == [f"rueda/{service}"]


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_reads_its_own_database_and_broker_secrets_only(service):
    for kind in ("Deployment", "Job"):
        variables = provided_variables(service, manifests(service)[kind])
        secrets = {
            name: value["secretKeyRef"]["name"]
            for name, value in variables.items()
            if isinstance(value, dict) and "secretKeyRef" in value
        }
        assert secrets[f"{service.upper()}_DATABASE_URL"] == f"{service}-database"
        if kind == "Deployment":
            assert secrets[f"{service.upper()}_AMQP_URI"] == f"{service}-broker"
        assert all(secret.startswith(f"{service}-") for secret in secrets.values()), secrets
        # nothing secret in the ConfigMap
        assert not [
            name
            for name, value in variables.items()
            if isinstance(value, str)
            and name.endswith(("_DATABASE_URL", "_AMQP_URI", "PASSWORD", "USERNAME"))
        ]


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_gets_what_its_config_needs_and_nothing_it_ignores(service):
    read = config_variables(service)
    provided = provided_variables(service, manifests(service)["Deployment"])
    needed = {name for name in read if name.endswith(PER_ENVIRONMENT_SUFFIXES)}
    if service == "notify":
        needed |= set(NOTIFY_MAIL_SETTINGS)
    assert needed <= provided.keys()
    assert not provided.keys() - read.keys(), "a typo, or a setting the service lost"
    # the definitions file has the policies of the default retry delays and
    # delivery limit; a retry queue of another delay would have no TTL policy
    # (its messages would never come back), another limit would not apply
    assert (
        not {f"{service.upper()}_EVENT_RETRY_DELAYS", f"{service.upper()}_EVENT_DELIVERY_LIMIT"}
        & provided.keys()
    )


def test_the_definitions_job_gives_every_service_user_its_password_from_its_secret():
    definitions = json.loads((DEPLOY / "rabbitmq" / "definitions.json").read_text())
    (job,) = documents(DEPLOY / "rabbitmq" / "job.yaml")
    env = {
        v["name"]: v["valueFrom"]["secretKeyRef"] for v in container(job)["env"] if "valueFrom" in v
    }
    for user in definitions["users"]:
        assert env[f"RUEDA_BROKER_PASSWORD_{user['name'].upper()}"] == {
            "name": f"{user['name']}-broker",
            "key": "password",
        }
    kustomization = yaml.safe_load((DEPLOY / "rabbitmq" / "kustomization.yaml").read_text())
    (generator,) = kustomization["configMapGenerator"]
    assert job["spec"]["template"]["spec"]["volumes"][0]["configMap"]["name"] == generator["name"]
    assert set(generator["files"]) == {"definitions.json", "apply_definitions.py"}


@pytest.mark.parametrize("directory", [*(f"k8s/{s}" for s in SERVICES), "rabbitmq"])
def test_kustomize_builds_every_kustomization_with_the_image_tag_applied(directory):
    import shutil
    import subprocess

    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed")
    built = subprocess.run(
        [kubectl, "kustomize", str(DEPLOY / directory)],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    objects = [doc for doc in yaml.safe_load_all(built) if doc]
    assert objects
    for doc in objects:
        if doc["kind"] in ("Deployment", "Job"):
            image = container(doc)["image"]
            assert ":" in image and not image.startswith("rueda/"), image


def test_the_alert_rules_use_only_metrics_the_services_expose():
    import re

    from rueda_backbone import metrics

    exposed = set()
    for family in metrics.REGISTRY.collect():
        exposed.add(family.name)
        exposed.update(sample.name for sample in family.samples)
        # a counter's family is named without _total; histograms add suffixes
        exposed.update(
            {
                f"{family.name}_total",
                f"{family.name}_bucket",
                f"{family.name}_sum",
                f"{family.name}_count",
            }
        )
    rules = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text())
    alerts = [rule for group in rules["groups"] for rule in group["rules"]]
    assert alerts
    for rule in alerts:
        used = set(re.findall(r"\brueda_[a-z_]+", rule["expr"]))
        assert used and used <= exposed, (rule["alert"], used - exposed)
        assert "service" in rule["expr"], "an alert must say which service"
