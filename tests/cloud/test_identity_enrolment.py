"""Enrolment over real HTTP: a code issued by a device manager, redeemed once by a device
with its new key; every way a code can be wrong is refused; revocation and rotation."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from typing import Any

import httpx
import psycopg
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from domain.request_signature import enrolment_proof, key_fingerprint
from tests.cloud.auth import admin_client

SITE = "kitchen-1"


@pytest.fixture
def device(api_url: str) -> Iterator[httpx.Client]:
    """A client with no person's credentials: what a device has."""
    with httpx.Client(base_url=api_url, timeout=30) as http:
        yield http


@pytest.fixture
def admin(api_url: str, database_url: str) -> Iterator[httpx.Client]:
    with admin_client(api_url, database_url, SITE, more_sites=("kitchen-2",)) as client:
        yield client


def issue(admin: httpx.Client, site: str = SITE, **body: Any) -> str:
    response = admin.post(f"/v1/sites/{site}/enrolment-codes", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["code"])


def enrol(device: httpx.Client, code: str, key: Ed25519PrivateKey | None = None,
          **claims: str) -> httpx.Response:  # fmt: skip
    key = key or Ed25519PrivateKey.generate()
    public = key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    body = {
        "code": code,
        "public_key": base64.b64encode(public).decode(),
        "proof": base64.b64encode(key.sign(enrolment_proof(code, public))).decode(),
        **claims,
    }
    return device.post("/v1/enrolments", json=body)


def test_a_device_enrols_with_a_code_and_gets_its_identity(
    device: httpx.Client, admin: httpx.Client, database_url: str
) -> None:
    code = issue(admin)
    key = Ed25519PrivateKey.generate()

    response = enrol(device, code, key, site=SITE)

    assert response.status_code == 201, response.text
    body = response.json()
    assert len(body.pop("downlink_keys")) == 1  # the cloud's key (tests/cloud/test_downlink.py)
    public = key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    assert body == {"agent": f"{SITE}-agent-1", "site": SITE, "keyid": key_fingerprint(public),
                    "reenrolled": False, "site_settings": {}}  # fmt: skip
    with psycopg.connect(database_url) as conn:
        stored = conn.execute("SELECT public_key FROM agent_keys").fetchall()
        codes = conn.execute("SELECT code_hash FROM enrolment_codes").fetchall()
    assert stored == [(public,)]  # the public key only: the private one never left
    assert code.replace("-", "") not in str(codes)  # only a hash of the code is kept


def test_the_next_device_gets_the_next_name(device: httpx.Client, admin: httpx.Client) -> None:
    names = [enrol(device, issue(admin)).json()["agent"] for _ in range(2)]

    assert names == [f"{SITE}-agent-1", f"{SITE}-agent-2"]


def test_a_code_works_once(device: httpx.Client, admin: httpx.Client) -> None:
    code = issue(admin)
    assert enrol(device, code).status_code == 201

    again = enrol(device, code)

    assert again.status_code == 409
    assert again.json()["error"] == "used_code"


def test_an_expired_code_is_refused(device: httpx.Client, admin: httpx.Client) -> None:
    code = issue(admin, valid="PT1S")
    time.sleep(1.2)

    response = enrol(device, code)

    assert response.status_code == 410
    assert response.json()["error"] == "expired_code"


def test_a_code_for_another_site_is_refused(device: httpx.Client, admin: httpx.Client) -> None:
    code = issue(admin, "kitchen-2")

    response = enrol(device, code, site=SITE)

    assert response.status_code == 409
    assert response.json() == {
        "error": "wrong_site", "message": "the code is for site 'kitchen-2', not 'kitchen-1'"
    }  # fmt: skip
    assert enrol(device, code, site="kitchen-2").status_code == 201  # not spent by the refusal


def test_an_unknown_code_is_refused(device: httpx.Client, admin: httpx.Client) -> None:
    issue(admin)

    response = enrol(device, "AAAA-BBBB-CCCC-DDDD")

    assert response.status_code == 401
    assert response.json()["error"] == "unknown_code"


def test_a_key_the_device_does_not_hold_is_refused(
    device: httpx.Client, admin: httpx.Client
) -> None:
    code = issue(admin)
    holder = Ed25519PrivateKey.generate()
    someone_else = (
        Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    proof = holder.sign(enrolment_proof(code, someone_else))
    body = {"code": code, "public_key": base64.b64encode(someone_else).decode(),
            "proof": base64.b64encode(proof).decode()}  # fmt: skip

    refused = device.post("/v1/enrolments", json=body)

    assert refused.status_code == 401
    assert refused.json()["error"] == "bad_proof"


def test_a_public_key_of_the_wrong_size_is_named(device: httpx.Client, admin: httpx.Client) -> None:
    body = {"code": issue(admin), "public_key": base64.b64encode(b"short").decode(),
            "proof": base64.b64encode(b"x" * 64).decode()}  # fmt: skip

    response = device.post("/v1/enrolments", json=body)

    assert response.status_code == 422
    assert "32 raw Ed25519 bytes" in response.json()["message"]


def test_codes_need_devices_manage(device: httpx.Client, admin: httpx.Client) -> None:
    assert device.post(f"/v1/sites/{SITE}/enrolment-codes", json={}).status_code == 401
    assert admin.post("/v1/sites/nowhere/enrolment-codes", json={}).status_code == 404
    too_long = admin.post(f"/v1/sites/{SITE}/enrolment-codes", json={"valid": "P400D"})
    assert too_long.status_code == 422


def test_a_device_already_enrolled_cannot_take_a_new_agents_code(
    device: httpx.Client, admin: httpx.Client
) -> None:
    response = enrol(device, issue(admin), agent="kitchen-1-agent-7")

    assert response.status_code == 409
    assert "ask for a code for that agent" in response.json()["message"]


def test_revoke_then_rotate_gives_the_agent_a_new_key(
    device: httpx.Client, admin: httpx.Client, database_url: str
) -> None:
    agent = enrol(device, issue(admin)).json()["agent"]

    revoked = admin.post(f"/v1/sites/{SITE}/agents/{agent}/revoke", json={"reason": "stolen"})
    rotation = admin.post(f"/v1/sites/{SITE}/agents/{agent}/rotate", json={"valid": "PT10M"})
    again = enrol(device, rotation.json()["code"], agent=agent)

    assert revoked.json() == {"agent": agent, "revoked": True}
    assert rotation.status_code == 201
    assert rotation.json()["agent"] == agent
    assert (again.status_code, again.json()["reenrolled"]) == (201, True)
    with psycopg.connect(database_url) as conn:
        keys = conn.execute(
            "SELECT retired_at IS NULL FROM agent_keys WHERE agent = %s ORDER BY added_at",
            (agent,),
        ).fetchall()
        reason = conn.execute("SELECT revoked_reason FROM agents").fetchone()
    assert keys == [(False,), (True,)]  # the old key is kept, retired
    assert reason == (None,)


def test_an_agent_of_another_site_cannot_be_revoked_there(admin: httpx.Client) -> None:
    response = admin.post(f"/v1/sites/{SITE}/agents/nobody/revoke", json={"reason": "x"})

    assert response.status_code == 404
    assert response.json()["error"] == "unknown_agent"


def test_the_openapi_lists_the_enrolment_routes(device: httpx.Client) -> None:
    paths = device.get("/openapi.json").json()["paths"]

    assert {"/v1/enrolments", "/v1/sites/{site}/enrolment-codes",
            "/v1/sites/{site}/agents/{agent}/revoke"} <= set(paths)  # fmt: skip
