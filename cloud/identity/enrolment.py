"""Enrolment: an admin issues a one-time code for a site; a device redeems it with its key.

A code is 80 random bits written as four groups of Crockford base32 (easy to read out over
the phone, no I/O/L/U); only its SHA-256 is stored. Redeeming is one transaction: the code
row is locked, checked (unknown, expired, used, wrong site, wrong agent) and marked used
with the key registered, so two devices racing with one code cannot both enrol.

An agent belongs to one site for life (docs/security.md, "Threats and defences"): a code
names only an agent of its own site, redeeming re-checks it, and the key is registered
only for an agent of the code's site.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cloud.identity import names, store
from cloud.identity.errors import IdentityRefused
from cloud.identity.keys import decode_public_key, signature_valid
from domain.request_signature import enrolment_proof, key_fingerprint, normalise_code

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_GROUPS = 4
_GROUP_LENGTH = 4
MAX_VALIDITY = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class IssuedCode:
    code: str
    site: str
    agent: str | None
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class EnrolmentRequest:
    """What a device sends: the code, its new public key, and proof it holds the private key.

    ``site`` and ``agent`` are what the device believes it is (from the installer, or from
    its existing config when re-enrolling); a code for something else is refused.
    """

    code: str
    public_key: str
    proof: bytes
    site: str | None = None
    agent: str | None = None


@dataclass(frozen=True, slots=True)
class Enrolled:
    agent: str
    site: str
    keyid: str
    reenrolled: bool
    site_settings: dict[str, object]


def code_hash(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def new_code() -> str:
    chars = "".join(secrets.choice(_ALPHABET) for _ in range(_GROUPS * _GROUP_LENGTH))
    return "-".join(chars[i : i + _GROUP_LENGTH] for i in range(0, len(chars), _GROUP_LENGTH))


async def issue_code(
    conn: store.Conn, *, site: str, valid: timedelta, agent: str | None = None,
    created_by: str | None = None,
) -> IssuedCode:  # fmt: skip
    """A new one-time code for ``site`` (for ``agent`` when it names one).

    An agent it names is an agent of ``site`` (re-keyed) or a new one, whose name no other
    site has taken or been promised by a code: any other name gets the answer of an
    unknown agent. This is what the cloud's operator may do; a tenant goes through
    ``issue_tenant_code``, which also keeps new names to the site's own.
    """
    if not timedelta(0) < valid <= MAX_VALIDITY:
        raise IdentityRefused(
            "bad_validity", f"validity must be more than 0 and at most {MAX_VALIDITY}", 422
        )
    if not await store.site_exists(conn, site):
        raise IdentityRefused("unknown_site", f"no site {site!r} in the organisation", 404)
    if agent is not None:
        existing = await store.agent_key(conn, agent)
        if existing is not None and existing.site != site:
            raise no_such_agent(site, agent)
        if existing is None and await store.promised_elsewhere(conn, agent, site):
            raise no_such_agent(site, agent)
    code = new_code()
    expires_at = datetime.now(UTC) + valid
    await store.insert_code(conn, code_hash(code), site, agent, expires_at, created_by)
    return IssuedCode(code, site, agent, expires_at)


async def issue_tenant_code(
    conn: store.Conn, *, site: str, valid: timedelta, agent: str | None = None,
    created_by: str | None = None,
) -> IssuedCode:  # fmt: skip
    """``issue_code`` for a person or integration of the site's organisation: an agent it
    names is one of the site's agents or a new name of the site's own (``names``)."""
    if agent is not None and not names.is_name_of_site(agent, site):
        existing = await store.agent_key(conn, agent)
        if existing is None or existing.site != site:
            raise no_such_agent(site, agent)
    return await issue_code(conn, site=site, valid=valid, agent=agent, created_by=created_by)


def no_such_agent(site: str, agent: str) -> IdentityRefused:
    """The one answer for an agent that does not exist and one that is not this site's."""
    message = f"site {site!r} has no agent {agent!r}; {names.naming_rule(site)}"
    return IdentityRefused("unknown_agent", message, 404)


async def redeem(conn: store.Conn, request: EnrolmentRequest) -> Enrolled:
    """Register the device's key under the code; call inside a transaction."""
    public_key = decode_public_key(request.public_key)
    if not signature_valid(public_key, request.proof, enrolment_proof(request.code, public_key)):
        raise IdentityRefused("bad_proof", "proof is not a signature of the code by this key", 401)
    digest = code_hash(request.code)
    code = await store.lock_code(conn, digest)
    if code is None:
        raise IdentityRefused("unknown_code", "no such enrolment code", 401)
    if code.used_at is not None:
        raise IdentityRefused("used_code", f"the code was used at {code.used_at.isoformat()}", 409)
    if code.expires_at <= datetime.now(UTC):
        raise IdentityRefused("expired_code", f"the code expired at {code.expires_at}", 410)
    if request.site is not None and request.site != code.site:
        message = f"the code is for site {code.site!r}, not {request.site!r}"
        raise IdentityRefused("wrong_site", message, 409)
    agent = await _agent_for(conn, code, request.agent)
    existing = await store.agent_key(conn, agent)
    if existing is not None and existing.site != code.site:
        message = f"the code is for site {code.site!r}, and agent {agent!r} is not one of its"
        raise IdentityRefused("wrong_site", message, 409)
    keyid = key_fingerprint(public_key)
    if await store.key_known(conn, keyid):
        raise IdentityRefused(
            "key_reused", "this public key was enrolled before: make a new one", 409
        )
    await store.use_code(conn, digest, agent)
    if existing is None and not await store.create_agent(conn, agent, code.site):
        message = f"agent {agent!r} was enrolled by another device just now: try again"
        raise IdentityRefused("agent_taken", message, 409)
    if not await store.put_key(conn, agent, code.site, keyid, public_key):
        raise IdentityRefused("wrong_site", f"agent {agent!r} is not of site {code.site!r}", 409)
    settings = await store.site_settings(conn, code.site)
    return Enrolled(agent, code.site, keyid, existing is not None, settings)


async def _agent_for(conn: store.Conn, code: store.CodeRow, claimed: str | None) -> str:
    """The agent a code enrols, refusing a device that believes it is another one."""
    if code.agent is not None:
        if claimed is not None and claimed != code.agent:
            message = f"the code re-enrols agent {code.agent!r}, but this device is {claimed!r}"
            raise IdentityRefused("wrong_agent", message, 409)
        return code.agent
    if claimed is not None:
        message = (
            f"the code enrols a new agent, but this device is already {claimed!r}: "
            "ask for a code for that agent"
        )
        raise IdentityRefused("wrong_agent", message, 409)
    return await store.next_agent_name(conn, code.site)


async def revoke(conn: store.Conn, *, site: str, agent: str, reason: str) -> None:
    """Refuse the agent's requests from now on, until it is re-enrolled."""
    await _agent_of_site(conn, site, agent)
    await store.revoke(conn, agent, reason)


async def rotation_code(conn: store.Conn, *, site: str, agent: str, valid: timedelta,
                        created_by: str | None = None) -> IssuedCode:  # fmt: skip
    """A code that gives ``agent`` a new key; the old one works until the code is redeemed."""
    await _agent_of_site(conn, site, agent)
    return await issue_code(conn, site=site, valid=valid, agent=agent, created_by=created_by)


async def _agent_of_site(conn: store.Conn, site: str, agent: str) -> None:
    row = await store.agent_key(conn, agent)
    if row is None or row.site != site:
        raise no_such_agent(site, agent)
