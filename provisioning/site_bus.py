"""``edgestock provision site-bus``: everything a site's Mosquitto needs, in one folder.

Writes the site CA and the broker's certificate, one account per device with a random
password (each in ``credentials/<user>``, mode 0600, to install on that device; only
hashes go in the broker's password file), the ACLs, and ``mosquitto.conf`` with a TLS
listener that refuses anonymous clients.

Generated again into the same folder, it keeps what devices already hold: the site CA,
and the account and password of every device it made before (named again or not), and
adds the new ones; the broker's certificate is made again (for a changed ``--host``),
signed by the same CA. Only ``force`` re-keys the bus whole (a new CA, new passwords,
only the devices named): every installed device then needs its new password and CA.
A folder of another site, or one made before ``site-bus.json`` existed, is refused
without ``force``.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path

from provisioning.bus_access import Account, Role, acl_file, password_file
from provisioning.site_ca import Issued, server_certificate, site_ca

AGENT_USER = "agent"
MAX_QUEUED_MESSAGES = 200_000
"""Per client: about 8 hours of a busy kitchen's orders, taps and sensor messages."""
MAX_QUEUED_BYTES = 256 * 1024 * 1024
"""Per client: the bound that keeps a flood from taking the broker's memory."""
AUTOSAVE_S = 60
MANIFEST = "site-bus.json"
"""The site and accounts of a generated folder, read when it is generated again."""


class SiteBusExists(ValueError):
    """The folder holds a site bus this run may not silently replace."""


@dataclass(frozen=True, slots=True)
class SiteBusPlan:
    """What to generate: the site, where the broker listens, and the devices on it."""

    site: str
    host: str = "127.0.0.1"
    port: int = 8883
    nodes: tuple[str, ...] = ()
    pos: tuple[str, ...] = ("pos",)
    kds: tuple[str, ...] = ("kds",)
    panels: tuple[str, ...] = ("panel",)
    run_as: str = "mosquitto"
    """The user the broker drops to; it must be able to read the key and password files."""

    def accounts(self) -> list[Account]:
        accounts = [Account(AGENT_USER, Role.AGENT)]
        for role, names in ((Role.NODE, self.nodes), (Role.POS, self.pos),
                            (Role.KDS, self.kds), (Role.PANEL, self.panels)):  # fmt: skip
            accounts += [Account(name, role) for name in names]
        names = [account.username for account in accounts]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"each device name once on a bus; repeated: {repeated}")
        bad = [name for name in names if not name or any(c in name for c in "/+#: \n")]
        if bad:
            raise ValueError(f"device names must be one MQTT topic level: {bad}")
        return accounts


@dataclass(frozen=True, slots=True)
class SiteBus:
    folder: Path
    config: Path
    ca: Path
    credentials: dict[str, Path]
    kept: tuple[str, ...] = ()
    """Accounts found in the folder and kept with their passwords (and the CA with them)."""


@dataclass(frozen=True, slots=True)
class _Previous:
    ca: Issued
    accounts: list[Account]
    passwords: dict[str, str]


def generate(plan: SiteBusPlan, out: Path, *, force: bool = False) -> SiteBus:
    """Write the site bus of ``plan`` into ``out`` (created if needed); see the module doc
    for a folder that already holds one."""
    accounts = plan.accounts()
    previous = None if force else _previous(out, plan.site)
    passwords: dict[str, str] = {}
    if previous is not None:
        accounts = _merged(accounts, previous.accounts)
        passwords = {a.username: previous.passwords[a.username] for a in previous.accounts}
    out.mkdir(parents=True, exist_ok=True)
    (out / "credentials").mkdir(exist_ok=True, mode=0o700)
    _data_folder(out / "data", plan.run_as)
    ca = previous.ca if previous is not None else site_ca(plan.site)
    server = server_certificate(ca, [plan.host, "localhost"])
    _write(out / "ca.crt", ca.cert_pem, 0o644)
    _write(out / "ca.key", ca.key_pem, 0o600)
    _write(out / "server.crt", server.cert_pem, 0o644)
    _write(out / "server.key", server.key_pem, 0o600)
    for account in accounts:
        passwords.setdefault(account.username, secrets.token_urlsafe(24))
    credentials = {}
    for user, password in passwords.items():
        credentials[user] = out / "credentials" / user
        _write(credentials[user], password.encode() + b"\n", 0o600)
    _write(out / "passwords", password_file(passwords).encode(), 0o600)
    _write(out / "acl", acl_file(plan.site, accounts).encode(), 0o644)
    config = out / "mosquitto.conf"
    _write(config, _mosquitto_conf(plan, out).encode(), 0o644)
    manifest = {"site": plan.site, "accounts": [[a.username, a.role.value] for a in accounts]}
    _write(out / MANIFEST, json.dumps(manifest, indent=1).encode(), 0o644)
    kept = tuple(a.username for a in previous.accounts) if previous else ()
    return SiteBus(out, config, out / "ca.crt", credentials, kept)


def _previous(out: Path, site: str) -> _Previous | None:
    """The site bus already in ``out``, if any; refused if it cannot be kept safely."""
    if not (out / "ca.key").exists():
        return None
    try:
        manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
        accounts = [Account(name, Role(role)) for name, role in manifest["accounts"]]
        passwords = {
            a.username: (out / "credentials" / a.username).read_text(encoding="utf-8").strip()
            for a in accounts
        }
        ca = Issued((out / "ca.crt").read_bytes(), (out / "ca.key").read_bytes())
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SiteBusExists(
            f"{out} holds a site bus this version cannot read back ({exc}); --force re-keys "
            "it whole (a new CA and new passwords for every device)"
        ) from exc
    if manifest.get("site") != site:
        raise SiteBusExists(
            f"{out} holds the site bus of {manifest.get('site')!r}, not {site!r}: choose "
            "another folder (or --force to replace it)"
        )
    return _Previous(ca, accounts, passwords)


def _merged(named: list[Account], before: list[Account]) -> list[Account]:
    """The accounts named now, and every one made before that was not named again."""
    roles = {a.username: a.role for a in named}
    changed = sorted(a.username for a in before if roles.get(a.username, a.role) != a.role)
    if changed:
        raise SiteBusExists(f"accounts already exist with another role: {changed}")
    return named + [a for a in before if a.username not in roles]


def _mosquitto_conf(plan: SiteBusPlan, folder: Path) -> str:
    folder = folder.resolve()
    return "\n".join([
        f"# site bus of {plan.site}: generated by edgestock provision site-bus",
        f"user {plan.run_as}",
        "per_listener_settings false",
        "allow_anonymous false",
        f"password_file {folder / 'passwords'}",
        f"acl_file {folder / 'acl'}",
        # QoS 1 messages for an agent that is away (restarting, offline) wait in its session;
        # they are saved on a clean stop and every autosave_interval seconds, and the queue
        # is sized for hours of a busy site, not Mosquitto's default of 1,000 (then dropped).
        "persistence true",
        f"persistence_location {folder / 'data'}/",
        f"autosave_interval {AUTOSAVE_S}",
        f"max_queued_messages {MAX_QUEUED_MESSAGES}",
        f"max_queued_bytes {MAX_QUEUED_BYTES}",
        "",
        f"listener {plan.port} {plan.host}",
        f"cafile {folder / 'ca.crt'}",
        f"certfile {folder / 'server.crt'}",
        f"keyfile {folder / 'server.key'}",
        "tls_version tlsv1.2",
        "require_certificate false",
        "",
    ])  # fmt: skip


def _data_folder(folder: Path, run_as: str) -> None:
    """Where the broker saves its queues: its own, since it writes there after dropping to
    ``run_as``; nobody else reads what waits in it."""
    folder.mkdir(exist_ok=True, mode=0o700)
    if os.geteuid() == 0:
        shutil.chown(folder, user=run_as)


def _write(path: Path, data: bytes, mode: int) -> None:
    """Write ``path`` with ``mode`` from its creation on (a secret is never briefly open)."""
    path.unlink(missing_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(descriptor, "wb") as out:
        out.write(data)
