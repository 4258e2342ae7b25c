"""docker/ checked statically, since this machine has no Docker daemon: the compose file's
services, health checks, volumes and secrets; the Dockerfiles' instructions and the files
they COPY; the Grafana dashboard's metric names against those our code exports; the
Mosquitto config against the files `provision site-bus` writes."""

from __future__ import annotations

import json
import re
import shutil
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from provisioning.site_bus import SiteBusPlan, generate

ROOT = Path(__file__).resolve().parents[2]
DOCKER = ROOT / "docker"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DOCKER / "compose.yaml").read_text())
    return loaded


def instructions(dockerfile: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", dockerfile.read_text())
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            found.append((word.upper(), rest.strip()))
    return found


def final_stage(steps: list[tuple[str, str]]) -> list[tuple[str, str]]:
    last = max(i for i, (word, _) in enumerate(steps) if word == "FROM")
    return steps[last:]


def test_compose_has_the_services_each_with_a_health_check(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert {"db", "cloud", "mosquitto", "prometheus", "grafana"} <= set(services)
    assert services["db"]["image"].startswith("timescale/timescaledb:")
    for name, service in services.items():
        assert service["healthcheck"]["test"], name
        image = service.get("image", "")
        if "build" not in service:  # pulled images are pinned to a version
            assert re.search(r":\S*\d", image), name
            assert not image.endswith(":latest"), name
    assert services["cloud"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert "password" not in json.dumps(services["cloud"].get("environment", {})).lower()


def test_volumes_and_secrets_are_declared_and_local_mounts_exist(
    compose: dict[str, Any],
) -> None:
    declared_volumes = set(compose["volumes"])
    declared_secrets = compose["secrets"]
    for name, service in compose["services"].items():
        for secret in service.get("secrets", []):
            assert secret in declared_secrets, (name, secret)
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                if source != "./site-bus":  # made by `edgestock provision site-bus`
                    assert (DOCKER / source).exists(), (name, source)
            else:
                assert source in declared_volumes, (name, source)
    for secret in declared_secrets.values():
        assert secret["file"].startswith("./secrets/")
    assert (DOCKER / "secrets" / ".gitignore").read_text().splitlines()[1] == "*"
    for service in compose["services"].values():
        if "build" in service:
            assert (DOCKER / service["build"]["context"] / service["build"]["dockerfile"]).exists()


@pytest.mark.parametrize("name", ["cloud.Dockerfile", "agent.Dockerfile"])
def test_dockerfiles_are_sane(name: str) -> None:
    steps = instructions(DOCKER / name)
    words = [word for word, _ in steps]
    assert words[0] in ("ARG", "FROM")
    assert all(not rest.startswith("http") for word, rest in steps if word == "ADD")
    assert "python:3.11-slim" in (DOCKER / name).read_text()  # multi-arch official image
    final = final_stage(steps)
    users = [rest for word, rest in final if word == "USER"]
    assert users, "the final stage names its user"
    assert users[-1] not in ("root", "0"), "the image runs as a non-root user"
    assert any(word == "HEALTHCHECK" for word, _ in final)
    for word, rest in final:
        if word in ("CMD", "ENTRYPOINT") or (word == "HEALTHCHECK" and "CMD [" in rest):
            json.loads(rest[rest.index("[") :])  # exec form: signals reach the process
    ignored = {
        line.strip().removeprefix("**/")
        for line in (DOCKER / f"{name}.dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    for word, rest in steps:
        if word != "COPY" or "--from=" in rest:
            continue
        sources = [part for part in rest.split() if not part.startswith("--")][:-1]
        for source in sources:
            assert (ROOT / source).exists(), f"{name}: COPY {source} does not exist"
            assert source.rstrip("/").split("/")[0] not in ignored, f"{name}: {source} ignored"


def test_the_dashboard_uses_only_metrics_our_code_exports() -> None:
    from prometheus_client import Counter, Histogram

    import cloud.metrics as cloud_metrics
    from edge_agent.metrics import AGENT_METRICS

    families = set(cloud_metrics.DATABASE_GAUGES) | set(AGENT_METRICS) | {"edgestock_agent_up"}
    for value in vars(cloud_metrics).values():
        if isinstance(value, Counter | Histogram):
            families |= {metric.name for metric in value.describe()}
    exported = {
        family + suffix
        for family in families
        for suffix in ("", "_total", "_bucket", "_count", "_sum", "_created")
    }
    dashboard = json.loads((DOCKER / "grafana" / "dashboards" / "edgestock.json").read_text())
    expressions = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    used = {name for expr in expressions for name in re.findall(r"edgestock_[a-z_]+", expr)}
    assert used, "the dashboard shows no EdgeStock metric"
    assert used <= exported, sorted(used - exported)
    for needed in (
        "edgestock_ingest_batches_total",
        "edgestock_cloud_agent_sync_lag_seconds",
        "edgestock_agent_outbox_pending_events",
        "edgestock_agent_device_online",
    ):
        assert needed in used  # fmt: skip
    datasource = yaml.safe_load(
        (DOCKER / "grafana/provisioning/datasources/prometheus.yaml").read_text()
    )
    uids = {panel["datasource"]["uid"] for panel in dashboard["panels"]}
    assert uids == {datasource["datasources"][0]["uid"]}


def test_prometheus_scrapes_the_cloud_service(compose: dict[str, Any]) -> None:
    config = yaml.safe_load((DOCKER / "prometheus" / "prometheus.yml").read_text())
    targets = [t for job in config["scrape_configs"] for s in job["static_configs"]
               for t in s["targets"]]  # fmt: skip
    assert "cloud:8000" in targets
    assert compose["services"]["cloud"]["ports"] == ["8000:8000"]


def test_mosquitto_reads_the_files_provision_site_bus_writes(tmp_path: Path) -> None:
    generate(SiteBusPlan("s1", run_as="root"), tmp_path / "bus")
    conf = (DOCKER / "mosquitto" / "mosquitto.conf").read_text()
    for path in re.findall(r"/mosquitto/config/site-bus/(\S+)", conf):
        assert (tmp_path / "bus" / path).exists(), path
    assert "allow_anonymous false" in conf.split("listener 1884")[0]


def test_the_shell_scripts_parse_and_make_secrets_keeps_existing_ones(tmp_path: Path) -> None:
    for script in ("cloud-entrypoint.sh", "make-secrets"):
        subprocess.run(["sh", "-n", str(DOCKER / script)], check=True, timeout=10)
    (tmp_path / "secrets").mkdir()
    shutil.copy(DOCKER / "make-secrets", tmp_path / "make-secrets")
    subprocess.run(["sh", str(tmp_path / "make-secrets")], check=True, timeout=10)
    made = tmp_path / "secrets" / "postgres_password"
    first = made.read_text()
    assert len(first) == 40
    assert stat.S_IMODE(made.stat().st_mode) == 0o600
    subprocess.run(["sh", str(tmp_path / "make-secrets")], check=True, timeout=10)
    assert made.read_text() == first
