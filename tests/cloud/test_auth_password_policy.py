"""Passwords in the spirit of NIST SP 800-63B §3.1.1.2: long enough, and not one that is
known to be common, repetitive or sequential (issue 9, finding 9)."""

from __future__ import annotations

import httpx
import pytest

from cloud.auth.passwords import COMMON_PASSWORDS, password_problem


@pytest.mark.parametrize(
    "password",
    [
        "aaaaaaaaaaaa",
        "abababababab",
        "123456789012",
        "abcdefghijklmnop",
        "qwertyuiopasdf",
        "password1234",
        "Password2024!",
        "qazwsxedcrfv",
        "1qaz2wsx3edc",
        "edgestock-2026",
        "admin@example.com",
    ],
)
def test_common_repetitive_sequential_and_contextual_passwords_are_refused(
    password: str,
) -> None:
    assert password_problem(password, context=("admin@example.com",)) is not None


@pytest.mark.parametrize(
    "password", ["correct horse battery staple", "Tr0ub4dor&3-plus-more", "walk the dog at 7am"]
)
def test_long_uncommon_passwords_are_accepted(password: str) -> None:
    assert password_problem(password) is None


def test_the_common_list_is_shipped_with_the_code() -> None:
    assert len(COMMON_PASSWORDS) >= 10_000
    assert "password" in COMMON_PASSWORDS


def test_a_common_password_is_refused_over_http_naming_the_field(client: httpx.Client) -> None:
    weak = client.post(
        "/v1/orgs/1/users",
        json={"email": "weak@example.com", "password": "aaaaaaaaaaaa", "role": "auditor"},
    )
    strong = client.post(
        "/v1/orgs/1/users",
        json={"email": "strong@example.com", "password": "plum tractor violin 42",
              "role": "auditor"},
    )  # fmt: skip

    assert weak.status_code == 422, weak.text
    assert "password" in weak.json()["detail"]
    assert strong.status_code == 201, strong.text
