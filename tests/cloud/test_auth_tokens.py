"""People log in over HTTP: password grant, refresh rotation, and refused credentials."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest

from cloud.auth.tokens import AccessTokens
from tests.cloud.auth import PASSWORD, admin_client, login


@pytest.fixture
def admin(api_url: str, database_url: str) -> httpx.Client:
    with admin_client(api_url, database_url, "site-1") as client:
        return client


def me(api_url: str, headers: dict[str, str]) -> httpx.Response:
    return httpx.get(f"{api_url}/v1/auth/me", headers=headers, timeout=30)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_password_login_gives_an_access_token_that_names_the_user(
    api_url: str, database_url: str
) -> None:
    with admin_client(api_url, database_url, "site-1") as client:
        body = client.get("/v1/auth/me").json()

    assert body["kind"] == "user"
    assert body["name"].startswith("admin-")


def test_a_wrong_password_and_an_unknown_email_are_refused_alike(
    api_url: str, database_url: str
) -> None:
    with admin_client(api_url, database_url, "site-1") as client:
        email = client.get("/v1/auth/me").json()["name"]
    for username in (email, "nobody@example.com"):
        response = httpx.post(
            f"{api_url}/v1/auth/token",
            data={"grant_type": "password", "username": username, "password": "x" * 20},
        )
        assert response.status_code == 400
        assert response.json() == {
            "error": "invalid_grant", "error_description": "wrong email or password"
        }  # fmt: skip


def test_refresh_rotates_and_a_reused_refresh_token_ends_the_login(
    api_url: str, database_url: str
) -> None:
    with admin_client(api_url, database_url, "site-1") as client:
        email = client.get("/v1/auth/me").json()["name"]
    first = login(api_url, email, PASSWORD)

    def refresh(token: str) -> httpx.Response:
        return httpx.post(
            f"{api_url}/v1/auth/token",
            data={"grant_type": "refresh_token", "refresh_token": token},
        )

    second = refresh(first["refresh_token"])
    assert second.status_code == 200, second.text
    assert me(api_url, bearer(second.json()["access_token"])).status_code == 200

    replay = refresh(first["refresh_token"])
    assert replay.status_code == 400
    assert "already used" in replay.json()["error_description"]
    # the replay revoked the whole login, including the token handed out by the rotation
    assert refresh(second.json()["refresh_token"]).status_code == 400


def test_logout_revokes_the_refresh_token(api_url: str, database_url: str) -> None:
    with admin_client(api_url, database_url, "site-1") as client:
        email = client.get("/v1/auth/me").json()["name"]
    tokens = login(api_url, email, PASSWORD)

    out = httpx.post(f"{api_url}/v1/auth/logout", json={"refresh_token": tokens["refresh_token"]})
    again = httpx.post(
        f"{api_url}/v1/auth/token",
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
    )

    assert out.status_code == 204
    assert again.status_code == 400


def test_missing_forged_and_expired_tokens_get_401_with_a_challenge(
    api_url: str, database_url: str
) -> None:
    with admin_client(api_url, database_url, "site-1") as client:
        good = client.headers["Authorization"].removeprefix("Bearer ")
    header = jwt.get_unverified_header(good)
    claims = jwt.decode(good, options={"verify_signature": False})
    forged = jwt.encode(claims, b"k" * 32, algorithm="HS256", headers=header)
    unsigned = jwt.encode(claims, None, algorithm="none", headers={"kid": header["kid"]})
    # signed with the real key (read from the database) but expired a second ago
    keys = AccessTokens(_keys(database_url), header["kid"], timedelta(minutes=15))
    expired = keys.issue(1, now=datetime.now(UTC) - timedelta(minutes=15, seconds=1))

    cases = {
        "authentication required": {},
        "access token invalid: Signature verification failed": bearer(forged),
        "access token invalid: The specified alg value is not allowed": bearer(unsigned),
        "access token expired": bearer(expired),
        "access token invalid: Not enough segments": bearer("not-a-jwt"),
        "API key unknown or revoked": {"X-API-Key": "esk_00000000_nope"},
    }
    for reason, headers in cases.items():
        response = me(api_url, headers)
        assert response.status_code == 401, (reason, response.text)
        assert response.json()["detail"].startswith(reason)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def _keys(database_url: str) -> dict[str, bytes]:
    import psycopg

    with psycopg.connect(database_url) as conn:
        rows = conn.execute("SELECT kid, secret FROM token_keys").fetchall()
    return {kid: bytes(secret) for kid, secret in rows}
