"""Authenticated clients of the cloud API for tests: log in as a real user, over HTTP."""

from __future__ import annotations

import secrets

import httpx

from cloud.auth.bootstrap import create_org_admin

TEST_ORG = "test-org"
TEST_SITES = ("site-1", "site-2", "s", "nowhere")
"""The sites the cloud tests read: org nodes of ``TEST_ORG``, one of them never sent events."""
PASSWORD = "correct horse battery staple"  # noqa: S105 (test users only)


def login(api_url: str, email: str, password: str = PASSWORD) -> dict[str, str]:
    """The token answer of a password login (access and refresh token)."""
    response = httpx.post(
        f"{api_url}/v1/auth/token",
        data={"grant_type": "password", "username": email, "password": password},
        timeout=30,
    )
    response.raise_for_status()
    body: dict[str, str] = response.json()
    return body


def admin_client(
    api_url: str, database_url: str, site: str, *, more_sites: tuple[str, ...] = ()
) -> httpx.Client:
    """A client logged in as an org admin of ``TEST_ORG``, which holds ``site`` (and
    ``more_sites``); the caller closes it."""
    email = f"admin-{secrets.token_hex(4)}@example.com"
    for each in (site, *more_sites):
        create_org_admin(database_url, email=email, password=PASSWORD, org_name=TEST_ORG, site=each)
    token = login(api_url, email)["access_token"]
    return httpx.Client(base_url=api_url, timeout=30, headers={"Authorization": f"Bearer {token}"})
