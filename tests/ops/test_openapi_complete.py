"""The OpenAPI document the cloud serves says how each route is authenticated: the agents'
signature scheme, the permission a person needs, and the 401/403 that can come back, which
the running API then answers for real."""

from __future__ import annotations

from typing import Any

import httpx
import pytest


@pytest.fixture
def document(api_url: str) -> dict[str, Any]:
    response = httpx.get(f"{api_url}/openapi.json", timeout=10)
    assert response.status_code == 200
    found: dict[str, Any] = response.json()
    return found


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(m, p, op) for p, ops in document["paths"].items() for m, op in ops.items()]


def test_every_operation_is_described_with_how_it_is_authenticated(
    document: dict[str, Any],
) -> None:
    assert "RFC 9421" in document["info"]["description"]
    for method, path, op in operations(document):
        text = op.get("description", "")
        assert any(s in text for s in ("Signed by the agent", "Needs", "Open:")), (method, path)
        if "security" in op:
            assert {"401", "403"} <= set(op["responses"]), (method, path)


def test_the_agents_signature_scheme_is_declared_on_their_routes(
    document: dict[str, Any],
) -> None:
    scheme = document["components"]["securitySchemes"]["AgentSignature"]
    assert scheme["name"] == "Signature"
    assert "Content-Digest" in scheme["description"]
    signed = {p for m, p, op in operations(document)
              if op.get("security") == [{"AgentSignature": []}]}  # fmt: skip
    assert signed == {"/v1/agents/{agent}/events", "/v1/agents/{agent}/head",
                      "/v1/agents/{agent}/masterdata"}  # fmt: skip


def test_the_permission_named_is_the_one_enforced(document: dict[str, Any], api_url: str) -> None:
    stock = document["paths"]["/v1/sites/{site}/stock"]["get"]
    assert "`stock.read`" in stock["description"]
    # the documented 401, for real: no credentials
    site = "no-credentials-site"
    assert httpx.get(f"{api_url}/v1/sites/{site}/stock", timeout=10).status_code == 401
    head = document["paths"]["/v1/agents/{agent}/head"]["get"]
    assert "401" in head["responses"]
    assert httpx.get(f"{api_url}/v1/agents/a1/head", timeout=10).status_code == 401
