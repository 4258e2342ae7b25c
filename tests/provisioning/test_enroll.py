"""``edgestock provision enroll`` as a user runs it, against a real cloud: a key made on the
device (mode 0600), the config written and loadable, re-enrolment keeping the identity,
and a refused code leaving nothing behind."""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path

import psycopg
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from cloud.auth.bootstrap import create_org_admin
from cloud.identity.enrolment import code_hash
from domain.request_signature import key_fingerprint
from edge_agent.config import load_agent_config
from edgestock.processes import edgestock_argv
from tests.cloud.auth import PASSWORD, admin_client

SITE = "site-1"


def edgestock(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"DATABASE_URL": database_url, "PATH": "/usr/bin:/bin"}
    return subprocess.run(edgestock_argv(*args), capture_output=True, text=True, env=env,
                          timeout=60, check=False)  # fmt: skip


def new_code(database_url: str, *extra: str) -> str:
    done = edgestock(database_url, "cloud", "enrolment-code", "create", "--site", SITE, *extra)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def test_enrol_writes_a_private_key_and_a_config_the_agent_loads(
    tmp_path: Path, api_url: str, database_url: str
) -> None:
    admin_client(api_url, database_url, SITE).close()  # the site exists in an organisation
    template = tmp_path / "template.yaml"
    template.write_text(yaml.safe_dump({"store": {"path": "agent.db"}}))
    out = tmp_path / "device" / "agent.yaml"
    out.parent.mkdir()

    code = new_code(database_url)
    done = edgestock(database_url, "provision", "enroll", "--cloud", api_url, "--code", code,
                     "--out", str(out), "--template", str(template))  # fmt: skip

    assert done.returncode == 0, done.stderr
    assert f"enrolled agent {SITE}-agent-1 at site {SITE}" in done.stdout
    key = out.parent / "agent.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert key.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    config = load_agent_config(out)
    assert (config.agent.id, config.agent.site) == (f"{SITE}-agent-1", SITE)
    assert config.cloud.key == key
    assert config.store.path == out.parent / "agent.db"
    assert not (out.parent / "agent.key.new").exists()


def test_re_enrolment_keeps_the_agent_and_replaces_the_key(
    tmp_path: Path, api_url: str, database_url: str
) -> None:
    admin_client(api_url, database_url, SITE).close()
    out = tmp_path / "agent.yaml"
    enroll = ["provision", "enroll", "--cloud", api_url, "--out", str(out)]
    assert edgestock(database_url, *enroll, "--code", new_code(database_url)).returncode == 0
    first_key = (tmp_path / "agent.key").read_bytes()
    agent = yaml.safe_load(out.read_text())["agent"]["id"]

    again = edgestock(database_url, *enroll, "--code", new_code(database_url, "--agent", agent))

    assert again.returncode == 0, again.stderr
    assert f"re-enrolled agent {agent}" in again.stdout
    assert (tmp_path / "agent.key").read_bytes() != first_key
    assert yaml.safe_load(out.read_text())["agent"]["id"] == agent


def test_a_refused_code_leaves_no_key_and_no_config(
    tmp_path: Path, api_url: str, database_url: str
) -> None:
    admin_client(api_url, database_url, SITE).close()
    out = tmp_path / "agent.yaml"
    code = new_code(database_url)

    done = edgestock(database_url, "provision", "enroll", "--cloud", api_url, "--code", code,
                     "--out", str(out), "--site", "site-2")  # fmt: skip

    assert done.returncode == 2
    assert "wrong_site" in done.stderr
    assert "not 'site-2'" in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_code_for_an_unknown_site_is_not_issued(database_url: str) -> None:
    done = edgestock(database_url, "cloud", "enrolment-code", "create", "--site", "nowhere")

    assert done.returncode == 2
    assert "unknown_site" in done.stderr


def test_another_orgs_device_cannot_take_our_agent_over(
    tmp_path: Path, api_url: str, database_url: str
) -> None:
    """Issue 9, finding 1, as a user would run it: org B's code names our agent."""
    admin_client(api_url, database_url, SITE).close()
    create_org_admin(database_url, email="b@example.com", password=PASSWORD, org_name="org-b",
                     site="site-b")  # fmt: skip
    ours, theirs = tmp_path / "ours" / "agent.yaml", tmp_path / "theirs" / "agent.yaml"
    ours.parent.mkdir()
    theirs.parent.mkdir()
    mine = edgestock(database_url, "provision", "enroll", "--cloud", api_url,
                     "--code", new_code(database_url), "--out", str(ours))  # fmt: skip
    agent = f"{SITE}-agent-1"
    assert mine.returncode == 0, mine.stderr
    issued = edgestock(database_url, "cloud", "enrolment-code", "create", "--site", "site-b",
                       "--agent", agent)  # fmt: skip
    with psycopg.connect(database_url) as conn:  # such a code as was issued before the fix
        conn.execute("SET session_replication_role = replica")
        conn.execute("INSERT INTO enrolment_codes (code_hash, site, agent, expires_at) VALUES "
                     "(%s, 'site-b', %s, now() + interval '1 hour')",
                     (code_hash("ZZZZ-YYYY-XXXX-WWWW"), agent))  # fmt: skip

    taken = edgestock(database_url, "provision", "enroll", "--cloud", api_url,
                      "--code", "ZZZZ-YYYY-XXXX-WWWW", "--out", str(theirs))  # fmt: skip

    assert issued.returncode == 2
    assert f"unknown_agent: site 'site-b' has no agent '{agent}'" in issued.stderr
    assert taken.returncode == 2
    assert "wrong_site" in taken.stderr
    assert sorted(p.name for p in theirs.parent.iterdir()) == []
    with psycopg.connect(database_url) as conn:
        keys = conn.execute("SELECT k.keyid, a.site FROM agent_keys AS k JOIN agents AS a "
                            "USING (agent) WHERE k.retired_at IS NULL").fetchall()  # fmt: skip
    key = serialization.load_pem_private_key((ours.parent / "agent.key").read_bytes(), None)
    assert isinstance(key, Ed25519PrivateKey)
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert keys == [(key_fingerprint(raw), SITE)]  # our device's key, still at our site
