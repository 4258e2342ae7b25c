"""Sign-in to the agent's screens with the site's PIN, and a CSRF token on every change.

One PIN for the site (the kitchen's screens are shared, not personal), hashed with argon2id
as the cloud hashes passwords. A signed-in browser holds a session cookie (HttpOnly,
SameSite=Strict) that is an expiry and a nonce signed with HMAC-SHA256 under a key kept
beside the agent's store, mixed with the PIN's hash, so a new PIN ends every session. The
CSRF token is the nonce signed again: a page sends it as the ``X-CSRF-Token`` header (htmx,
from ``hx-headers`` on ``<body>``) or a ``csrf`` form field; a change (POST) without it is
refused 403 with the reason. Signing in is throttled per client address.

With no PIN in the config (``web.pin_hash``), the first start makes one, prints it once and
keeps its hash in the secret file (``<store>.web-secret``, mode 0600): delete the file for a
new PIN.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import secrets
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

log = logging.getLogger(__name__)

COOKIE = "es_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf"
PIN_DIGITS = 8
TRIES = 5
"""Wrong PINs from one address before it waits ``LOCKOUT_S``."""
LOCKOUT_S = 60.0

_HASHER = PasswordHasher()


@dataclass(frozen=True, slots=True)
class SiteSecret:
    """The PIN's argon2 hash and the key sessions are signed with."""

    pin_hash: str
    session_key: bytes


def hash_pin(pin: str) -> str:
    """The argon2id hash of ``pin``, as ``web.pin_hash`` takes it."""
    return _HASHER.hash(pin)


def site_secret(
    path: Path, pin_hash: str | None, announce: Callable[[str], None] | None = None
) -> SiteSecret:
    """The secret kept at ``path``, made on first use; the config's ``pin_hash`` wins.

    A PIN made here is told once through ``announce`` (default: printed to stderr)."""
    kept = json.loads(path.read_text("utf-8")) if path.exists() else {}
    key = bytes.fromhex(kept["session_key"]) if "session_key" in kept else secrets.token_bytes(32)
    chosen = pin_hash or kept.get("pin_hash")
    if chosen is None:
        pin = f"{secrets.randbelow(10**PIN_DIGITS):0{PIN_DIGITS}d}"
        chosen = hash_pin(pin)
        (announce or _print)(
            f"screens: the site PIN is {pin} (shown once; its hash is kept in {path}; "
            "set web.pin_hash to choose one, or delete the file for a new one)"
        )
        log.warning("screens: a new site PIN was made and printed once on stderr")
    if kept.get("pin_hash") != chosen or "session_key" not in kept:
        _write_private(path, {"pin_hash": chosen, "session_key": key.hex()})
    return SiteSecret(chosen, key)


def _print(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _write_private(path: Path, content: dict[str, str]) -> None:
    """Write ``content`` readable by the agent's own account only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        json.dump(content, out)
    partial.replace(path)


@dataclass(frozen=True, slots=True)
class Session:
    """A signed-in browser: until when, and the CSRF token its pages carry."""

    expires: int
    csrf: str


class SignInRefused(Exception):
    """A sign-in that failed; ``status`` 401 (wrong PIN) or 429 (too many tries)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


@dataclass
class ScreenAuth:
    """Checks the PIN, issues and reads session cookies, and says a form's CSRF token."""

    secret: SiteSecret
    session_s: int = 12 * 3600
    now: Callable[[], float] = time.time
    _failures: dict[str, tuple[int, float]] = field(default_factory=dict)

    @property
    def _key(self) -> bytes:
        return hashlib.sha256(self.secret.session_key + self.secret.pin_hash.encode()).digest()

    def sign_in(self, pin: str, client: str) -> str:
        """A session cookie's value for the right PIN; ``SignInRefused`` otherwise."""
        now = self.now()
        tries, first = self._failures.get(client, (0, now))
        if now - first >= LOCKOUT_S:  # the window of earlier failures is over
            tries, first = 0, now
        if tries >= TRIES:
            wait = first + LOCKOUT_S - now
            raise SignInRefused(429, f"too many wrong PINs: try again in {wait:.0f} s")
        try:
            _HASHER.verify(self.secret.pin_hash, pin)
        except (VerificationError, InvalidHashError):
            self._failures[client] = (tries + 1, first)
            self._forget_old()
            raise SignInRefused(401, "wrong PIN") from None
        self._failures.pop(client, None)
        expires = int(self.now()) + self.session_s
        nonce = secrets.token_urlsafe(16)
        return f"{expires}.{nonce}.{self._sign(f'{expires}.{nonce}')}"

    def session(self, cookie: str | None) -> Session | None:
        """The session ``cookie`` carries, if it is ours and not expired."""
        if not cookie or cookie.count(".") != 2:
            return None
        expires, nonce, mac = cookie.split(".")
        if not expires.isdigit() or not hmac.compare_digest(mac, self._sign(f"{expires}.{nonce}")):
            return None
        if int(expires) <= self.now():
            return None
        return Session(int(expires), self._sign(f"csrf.{nonce}"))

    def _sign(self, text: str) -> str:
        mac = hmac.new(self._key, text.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()

    def _forget_old(self) -> None:
        """Keep the failure record small: addresses quiet for a lockout are dropped."""
        if len(self._failures) > 1000:
            cutoff = self.now() - LOCKOUT_S
            self._failures = {k: v for k, v in self._failures.items() if v[1] > cutoff}
