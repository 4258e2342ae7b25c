"""``provision site-bus`` run again into the same folder keeps what installed devices hold
(the CA, their passwords) and adds the new devices; ``--force`` re-keys; another site's
folder is refused. Checked with a real Mosquitto: a device provisioned by the first run
still gets in after the second."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from edgestock.processes import edgestock_argv, free_port
from tests.provisioning.test_site_bus import Device, _wait_listening

pytestmark = pytest.mark.timeout(90)
RUN_AS = "root" if os.geteuid() == 0 else os.environ.get("USER", "mosquitto")


def provision(
    folder: Path, port: int, *args: str, site: str = "s1"
) -> subprocess.CompletedProcess[str]:
    argv = edgestock_argv("provision", "site-bus", "--site", site, "--out", str(folder),
                          "--port", str(port), "--run-as", RUN_AS, *args)  # fmt: skip
    return subprocess.run(argv, capture_output=True, text=True, timeout=60)


def test_a_second_run_keeps_the_ca_and_every_password_and_adds_devices(tmp_path: Path) -> None:
    folder, port = tmp_path / "bus", free_port()
    assert provision(folder, port, "--node", "probe-1", "--node", "freezer-1").returncode == 0
    ca_before = (folder / "ca.crt").read_bytes()
    probe_password = (folder / "credentials" / "probe-1").read_text().strip()
    agent_password = (folder / "credentials" / "agent").read_text().strip()

    again = provision(folder, port, "--node", "probe-2")

    assert again.returncode == 0, again.stderr
    assert "kept the site CA and the passwords of:" in again.stdout
    assert (folder / "ca.crt").read_bytes() == ca_before
    assert (folder / "credentials" / "probe-1").read_text().strip() == probe_password
    assert (folder / "credentials" / "agent").read_text().strip() == agent_password
    users = {line.split(":")[0] for line in (folder / "passwords").read_text().splitlines()}
    assert {"probe-1", "freezer-1", "probe-2", "agent"} <= users  # nobody dropped
    broker = subprocess.Popen(["mosquitto", "-c", str(folder / "mosquitto.conf")],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    try:
        _wait_listening(port, broker)
        old = Device((folder, port), "probe-1", probe_password)  # as installed after run 1
        new = Device((folder, port), "probe-2")
        assert old.accepted(), "a device provisioned by the first run was locked out"
        assert new.accepted()
        old.close()
        new.close()
    finally:
        broker.terminate()
        broker.wait(5)


def test_force_re_keys_and_another_site_is_refused(tmp_path: Path) -> None:
    folder, port = tmp_path / "bus", free_port()
    assert provision(folder, port, "--node", "probe-1").returncode == 0
    ca_before = (folder / "ca.crt").read_bytes()

    other = provision(folder, port, site="s2")
    assert other.returncode != 0
    assert "holds the site bus of 's1', not 's2'" in other.stderr
    assert (folder / "ca.crt").read_bytes() == ca_before

    forced = provision(folder, port, "--node", "probe-2", "--force")
    assert forced.returncode == 0, forced.stderr
    assert "re-keyed" in forced.stdout
    assert (folder / "ca.crt").read_bytes() != ca_before
    assert not any(
        line.startswith("probe-1:") for line in (folder / "passwords").read_text().splitlines()
    )


def test_a_folder_from_an_older_version_is_refused_without_force(tmp_path: Path) -> None:
    folder, port = tmp_path / "bus", free_port()
    assert provision(folder, port).returncode == 0
    (folder / "site-bus.json").unlink()  # as an earlier version left it
    done = provision(folder, port)
    assert done.returncode != 0
    assert "--force re-keys it whole" in done.stderr
