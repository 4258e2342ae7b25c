"""Values out of range answer 4xx naming the field, never 500 (issue 9, finding 8)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/v1/sites/site-1/variance?from=9999-12-30&to=9999-12-31", "to"),
        ("/v1/sites/site-1/variance?from=0001-01-01&to=0001-01-02", "from"),
        ("/v1/sites/site-1/food-safety/board?day=9999-12-31", "day"),
        ("/v1/sites/site-1/locations/cold-1/compliance?day=9999-12-31", "day"),
        ("/v1/sites/site-1/events?from=9999-12-31T23:59:59-05:00", "from"),
        ("/v1/sites/site-1/excursions?to=0001-01-01T00:00:00%2B05:00", "to"),
    ],
)
def test_dates_out_of_range_are_refused_naming_the_field(
    client: httpx.Client, path: str, field: str
) -> None:
    response = client.get(path)

    assert response.status_code == 422, response.text
    assert field in response.text


def test_a_grant_that_ends_before_it_starts_is_refused_naming_valid_until(
    client: httpx.Client,
) -> None:
    past = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    user = client.post(
        "/v1/orgs/1/users",
        json={"email": "late@example.com", "password": "a long and unusual passphrase",
              "role": "auditor", "valid_until": past},
    )  # fmt: skip
    key = client.post("/v1/orgs/1/api-keys", json={"name": "k", "role": "auditor",
                                                     "valid_until": past})  # fmt: skip

    for response in (user, key):
        assert response.status_code == 422, response.text
        assert "valid_until" in response.text


def test_durations_out_of_range_are_refused_naming_the_field(client: httpx.Client) -> None:
    response = client.post("/v1/sites/site-1/enrolment-codes", json={"valid": "P999999999D"})

    assert response.status_code == 422, response.text
    assert "valid" in response.text


def test_a_refused_body_is_not_echoed_back_whole(client: httpx.Client) -> None:
    big = "x" * 200_000

    response = client.post("/v1/enrolments", json={"code": big, "public_key": 1, "proof": 2})

    assert response.status_code == 422
    assert len(response.content) < 5_000
    assert "code" in response.text
