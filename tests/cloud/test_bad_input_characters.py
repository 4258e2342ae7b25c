"""Control characters, NaN and unencodable text in any input answer 4xx naming where, never 500.

PostgreSQL cannot store NUL in text, JSON cannot carry NaN, and a lone UTF-16 surrogate
cannot be encoded as UTF-8: each reached the database or the error handler and gave 500
(issue 9, finding 8). The cloud now refuses them at the boundary, before any route runs.
"""

from __future__ import annotations

import httpx
import pytest


def _named(response: httpx.Response, where: str) -> None:
    assert 400 <= response.status_code < 500, response.text
    assert where in response.text, response.text


@pytest.mark.parametrize(
    ("path", "where"),
    [
        ("/v1/sites/a%00b/stock", "path"),
        ("/v1/sites/site-1/stock?item=a%00b", "item"),
        ("/v1/sites/site-1/events?type=x%01", "type"),
        ("/v1/sites/site-1%0D%0A/variance?from=2026-01-01&to=2026-01-02", "path"),
        ("/v1/orgs/1/costs/a%00", "path"),
    ],
)
def test_control_characters_in_paths_and_queries_are_refused(
    client: httpx.Client, path: str, where: str
) -> None:
    method = "PUT" if "/costs/" in path else "GET"
    body = {"amount": "1", "currency": "EUR", "per_unit": "kg"} if method == "PUT" else None

    response = client.request(method, path, json=body)

    _named(response, where)
    assert "control character" in response.text


def test_nul_in_an_unauthenticated_sign_in_is_refused_naming_the_field(api_url: str) -> None:
    response = httpx.post(
        f"{api_url}/v1/auth/token",
        content=b"grant_type=password&username=a%00&password=whatever-long-enough",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )

    _named(response, "username")


@pytest.mark.parametrize(
    ("raw", "where"),
    [
        (b'{"kind": "site", "name": "a\\u0000b", "site": "x"}', "name"),
        (b'{"kind": "site", "name": "ok", "site": "a\\r\\nb"}', "site"),
        (b'{"kind": "site", "name": "\\ud800", "site": "x"}', "name"),
        (b'{"kind": "site", "name": "ok", "site": "x", "a\\u0000": 1}', "body"),
    ],
)
def test_bad_characters_in_json_bodies_are_refused_naming_the_field(
    client: httpx.Client, raw: bytes, where: str
) -> None:
    node = _root(client)

    response = client.post(
        f"/v1/orgs/{node}/children", content=raw, headers={"Content-Type": "application/json"}
    )

    _named(response, where)


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_in_json_are_refused_naming_the_field(
    client: httpx.Client, constant: str
) -> None:
    response = client.post(
        "/v1/sites/site-1/enrolment-codes",
        content=f'{{"valid": {constant}}}'.encode(),
        headers={"Content-Type": "application/json"},
    )

    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == ["body", "valid"]


def test_a_site_name_with_cr_lf_cannot_be_made_and_csv_exports_stay_whole(
    client: httpx.Client,
) -> None:
    node = _root(client)
    refused = client.post(
        f"/v1/orgs/{node}/children", json={"kind": "site", "name": "n\r\nX-Evil: 1", "site": "s1"}
    )
    # a site whose name is odd but legal still exports with a header that cannot split
    made = client.post(
        f"/v1/orgs/{node}/children", json={"kind": "site", "name": 'q"uote', "site": 'we"ird;x'}
    )
    export = client.get('/v1/sites/we"ird;x/stock', params={"format": "csv"})

    _named(refused, "name")
    assert made.status_code == 201, made.text
    assert export.status_code == 200, export.text
    disposition = export.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="stock-we_ird_x.csv"')


def _root(client: httpx.Client) -> int:
    me = client.get("/v1/orgs/1")
    assert me.status_code == 200, me.text
    return 1


def test_agent_routes_refuse_bad_paths_and_unsigned_garbage_without_500(api_url: str) -> None:
    with httpx.Client(base_url=api_url, timeout=30) as http:
        nul = http.post("/v1/agents/a%00b/events", content=b"\x1f\x8b\x00garbage")
        unsigned = http.post(
            "/v1/agents/kitchen-1-agent-1/events",
            content=b"\x1f\x8b" + b"\x00" * 64,
            headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
        )
        head = http.get("/v1/agents/kitchen-1-agent-1/head?x=%00")

    _named(nul, "path")
    assert unsigned.status_code == 401, unsigned.text
    _named(head, "x")


def test_json_nested_too_deep_is_refused_not_a_recursion_error(client: httpx.Client) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000

    response = client.put(
        "/v1/orgs/1/settings", content=deep, headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 422, response.text[:300]
    assert "nested too deep" in response.text
