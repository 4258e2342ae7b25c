"""``edgestock provision enroll``: enrol this device with the cloud and write its config.

The key pair is made here and the private key never leaves the device: only the public
key and a proof of possession go to the cloud, with the one-time code. The cloud answers
with the agent's id and site (and the site's settings); the agent config is written with
them. Run again with a code for the same agent (after a revocation, or to rotate the key)
and the existing config is kept, the agent id checked, and only the key replaced; a
running agent picks the new key up at its next sync.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml

from provisioning.keys import DeviceKey

DEFAULT_KEY = "agent.key"


class EnrolmentFailed(Exception):
    """The device could not be enrolled; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class Enrolment:
    agent: str
    site: str
    keyid: str
    reenrolled: bool
    config: Path
    key: Path


def enroll(
    cloud_url: str, code: str, out: Path, *, template: Path | None = None,
    site: str | None = None, timeout_s: float = 30.0,
) -> Enrolment:  # fmt: skip
    """Enrol with ``code`` at ``cloud_url`` and write the agent config ``out``."""
    existing = _read_yaml(out) if out.exists() else None
    base = existing if existing is not None else (_read_yaml(template) if template else {})
    claimed = _nested(existing, "agent", "id") if existing is not None else None
    key_path = out.parent / str(_nested(base, "cloud", "key") or DEFAULT_KEY)
    pending = key_path.with_name(key_path.name + ".new")
    pending.unlink(missing_ok=True)
    key = DeviceKey.generate()
    key.write_private(pending)
    try:
        answer = _register(cloud_url, code, key, site=site or _nested(existing, "agent", "site"),
                           agent=claimed, timeout_s=timeout_s)  # fmt: skip
    except BaseException:
        pending.unlink(missing_ok=True)
        raise
    os.replace(pending, key_path)
    config = _agent_config(base, answer, cloud_url, key_path.relative_to(out.parent))
    _write_atomically(out, yaml.safe_dump(config, sort_keys=False))
    return Enrolment(answer["agent"], answer["site"], answer["keyid"], answer["reenrolled"],
                     out, key_path)  # fmt: skip


def _register(
    cloud_url: str, code: str, key: DeviceKey, *, site: Any, agent: Any, timeout_s: float
) -> dict[str, Any]:
    request = {
        "code": code,
        "public_key": base64.b64encode(key.public_raw).decode(),
        "proof": base64.b64encode(key.proof(code)).decode(),
        "site": site,
        "agent": agent,
    }
    url = f"{cloud_url.rstrip('/')}/v1/enrolments"
    try:
        response = httpx.post(url, json=request, timeout=timeout_s)
    except httpx.HTTPError as exc:
        raise EnrolmentFailed(f"cannot reach the cloud at {url}: {exc}") from exc
    try:
        body = response.json()
    except ValueError:
        body = {}
    if response.status_code != 201 or not isinstance(body, dict):
        detail = body if isinstance(body, dict) else {}
        error = detail.get("error", f"HTTP {response.status_code}")
        message = detail.get("message") or detail.get("detail") or response.text[:300]
        raise EnrolmentFailed(f"the cloud refused the enrolment ({error}): {message}")
    return body


def _agent_config(
    base: dict[str, Any], answer: dict[str, Any], cloud_url: str, key: Path
) -> dict[str, Any]:
    """``base`` (existing config, or template), under the site's own ``agent_config``
    settings if the cloud sent any, with the identity and cloud the enrolment decided."""
    config = dict(base)
    site_config = answer.get("site_settings", {}).get("agent_config")
    if isinstance(site_config, dict) and "agent" not in base:
        config = {**site_config, **config}
    config["agent"] = {"id": answer["agent"], "site": answer["site"]}
    config["cloud"] = {**config.get("cloud", {}), "url": cloud_url, "key": str(key)}
    if answer.get("downlink_keys"):  # the keys the cloud signs the site's documents with
        config["downlink"] = {**config.get("downlink", {}), "cloud_keys": answer["downlink_keys"]}
    order = ["agent", "store", "cloud"]
    return {name: config[name] for name in order if name in config} | config


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise EnrolmentFailed(f"{path}: cannot read: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise EnrolmentFailed(f"{path}: not valid YAML: {exc}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise EnrolmentFailed(f"{path}: an agent config is a mapping, not {type(data).__name__}")
    return data


def _nested(document: dict[str, Any] | None, section: str, name: str) -> Any:
    part = (document or {}).get(section)
    return part.get(name) if isinstance(part, dict) else None


def _write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)
