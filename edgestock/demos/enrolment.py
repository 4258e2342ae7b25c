"""A site set up as a new customer sets one up: the organisation's admin, then each agent
enrolled with the manual's commands (``edgestock cloud admin create``, ``edgestock cloud
enrolment-code create``, ``edgestock provision enroll``) run as child processes."""

from __future__ import annotations

import os
import secrets
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml

from edgestock.demos.console import say
from edgestock.processes import edgestock_argv


@dataclass(frozen=True)
class SiteAdmin:
    """The organisation's admin the demo made, and how to read the cloud as them."""

    cloud_url: str
    email: str
    password_file: Path

    def client(self) -> httpx.Client:
        """A client signed in as the admin (OAuth2 password flow)."""
        password = self.password_file.read_text(encoding="utf-8").strip()
        form = {"grant_type": "password", "username": self.email, "password": password}
        response = httpx.post(f"{self.cloud_url}/v1/auth/token", data=form, timeout=10)
        response.raise_for_status()
        token = response.json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        return httpx.Client(base_url=self.cloud_url, headers=headers, timeout=10)


def run_command(root: Path, database_url: str, *args: str, stdin: str = "") -> str:
    """Run ``edgestock ARGS`` as a user would, logged to the work dir; its standard output.

    It runs in its own process group: a Ctrl-C at the terminal is the demo's to handle."""
    argv = edgestock_argv(*args)
    env = {**os.environ, "DATABASE_URL": database_url}
    done = subprocess.run(
        argv, input=stdin, capture_output=True, text=True, env=env, timeout=60, check=False,
        process_group=0,
    )  # fmt: skip
    with (root / "commands.log").open("a", encoding="utf-8") as log:
        log.write(f"$ edgestock {' '.join(args)}\n{done.stdout}{done.stderr}")
    if done.returncode != 0:
        raise RuntimeError(f"edgestock {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def create_admin(
    root: Path, database_url: str, cloud_url: str, *, org: str, site: str, email: str
) -> SiteAdmin:
    """``edgestock cloud admin create``: the organisation, its site and their admin."""
    password_file = root / "admin-password"
    if not password_file.exists():
        password_file.write_text(secrets.token_urlsafe(18), encoding="utf-8")
        password_file.chmod(0o600)
    password = password_file.read_text(encoding="utf-8").strip()
    args = ["cloud", "admin", "create", "--email", email, "--org", org, "--site", site]
    run_command(root, database_url, *args, "--password-stdin", stdin=password + "\n")
    say(f"admin {email} of {org!r}, site {site} (edgestock cloud admin create)")
    return SiteAdmin(cloud_url, email, password_file)


def enrol_agent(
    root: Path, database_url: str, cloud_url: str, site: str, template: dict[str, Any],
    config: Path,
) -> str:  # fmt: skip
    """Enrol an agent for ``site`` with the manual's commands; the id the cloud gave it.

    ``template`` is the config's devices and settings; enrolment adds identity and key.
    """
    template_path = root / "agent-template.yaml"
    template_path.write_text(yaml.safe_dump(template, sort_keys=False), encoding="utf-8")
    issued = run_command(root, database_url, "cloud", "enrolment-code", "create", "--site", site)
    code = issued.strip().splitlines()[-1]
    say(f"enrolment code {code} for site {site} (edgestock cloud enrolment-code create)")
    enrol = ["provision", "enroll", "--cloud", cloud_url, "--code", code, "--out", str(config)]
    run_command(root, database_url, *enrol, "--template", str(template_path), "--site", site)
    agent_id = str(yaml.safe_load(config.read_text(encoding="utf-8"))["agent"]["id"])
    say(f"agent {agent_id} enrolled, its key stays in {root} (edgestock provision enroll)")
    return agent_id
