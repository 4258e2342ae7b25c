"""Sign-out ends the session, and signing keys are reloaded on rotation and retirement
without a restart (issue 9, findings 7 and 9)."""

from __future__ import annotations

import secrets
import time

import httpx
import psycopg

from cloud.settings import CloudSettings
from tests.cloud.auth import PASSWORD, admin_client, login
from tests.cloud.live import running_api


def _me(api_url: str, token: str) -> httpx.Response:
    return httpx.get(
        f"{api_url}/v1/auth/me", headers={"Authorization": f"Bearer {token}"}, timeout=30
    )


def test_sign_out_ends_the_access_token_at_once(api_url: str, database_url: str) -> None:
    with admin_client(api_url, database_url, "site-1") as client:
        email = client.get("/v1/auth/me").json()["name"]
    tokens = login(api_url, email, PASSWORD)
    other = login(api_url, email, PASSWORD)
    assert _me(api_url, tokens["access_token"]).status_code == 200

    out = httpx.post(f"{api_url}/v1/auth/logout", json={"refresh_token": tokens["refresh_token"]})

    assert out.status_code == 204
    ended = _me(api_url, tokens["access_token"])
    assert ended.status_code == 401
    assert "signed out" in ended.json()["detail"]
    # another login of the same person is another session
    assert _me(api_url, other["access_token"]).status_code == 200


def test_a_refreshed_session_is_ended_by_sign_out_too(api_url: str, database_url: str) -> None:
    with admin_client(api_url, database_url, "site-1") as client:
        email = client.get("/v1/auth/me").json()["name"]
    first = login(api_url, email, PASSWORD)
    second = httpx.post(
        f"{api_url}/v1/auth/token",
        data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
    ).json()

    httpx.post(f"{api_url}/v1/auth/logout", json={"refresh_token": second["refresh_token"]})

    assert _me(api_url, first["access_token"]).status_code == 401
    assert _me(api_url, second["access_token"]).status_code == 401


def test_a_retired_key_stops_working_and_a_new_one_signs_without_a_restart(
    database_url: str,
) -> None:
    settings = CloudSettings(
        database_url=database_url, pool_min_size=1, pool_max_size=4, token_keys_refresh_s=1
    )
    with running_api(settings) as url, admin_client(url, database_url, "site-1") as client:
        email = client.get("/v1/auth/me").json()["name"]
        old_token = client.headers["Authorization"].removeprefix("Bearer ")
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute("UPDATE token_keys SET retired_at = now() WHERE retired_at IS NULL")
            conn.execute(
                "INSERT INTO token_keys (kid, secret) VALUES (%s, %s)",
                (secrets.token_hex(8), secrets.token_bytes(32)),
            )
        time.sleep(1.5)
        refused = _me(url, old_token)
        fresh = login(url, email, PASSWORD)["access_token"]
        accepted = _me(url, fresh)

    assert refused.status_code == 401
    assert "unknown key" in refused.json()["detail"]
    assert accepted.status_code == 200


def test_a_new_login_after_rotation_is_signed_with_the_new_key(database_url: str) -> None:
    import jwt

    settings = CloudSettings(
        database_url=database_url, pool_min_size=1, pool_max_size=4, token_keys_refresh_s=1
    )
    with running_api(settings) as url, admin_client(url, database_url, "site-1") as client:
        email = client.get("/v1/auth/me").json()["name"]
        new_kid = secrets.token_hex(8)
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute(
                "INSERT INTO token_keys (kid, secret) VALUES (%s, %s)",
                (new_kid, secrets.token_bytes(32)),
            )
        time.sleep(1.5)
        token = login(url, email, PASSWORD)["access_token"]
        still = client.get("/v1/auth/me")

    assert jwt.get_unverified_header(token)["kid"] == new_kid
    assert still.status_code == 200  # the older key is not retired: its tokens still hold
