"""The OpenAPI document, completed: how each route is authenticated, the 401 and 403 every
protected route can answer, and the agents' request signature declared as a scheme.

FastAPI describes people's credentials (OAuth2 bearer tokens, API keys) from the route
dependencies, but not the agents' RFC 9421 signatures (checked in the route body), nor the
refusals of ``cloud.auth.deps.require``. Both are added here, after FastAPI has built the
document, from the routes themselves: the permission a route needs is read from its
``require(...)`` dependency, so the document cannot drift from the code.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi import routing as fastapi_routing
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

AGENT_SCHEME = "AgentSignature"
AGENT_PATHS = ("/v1/agents/{agent}/events", "/v1/agents/{agent}/head",
               "/v1/agents/{agent}/masterdata")  # fmt: skip
"""Routes an agent calls, signed with its own key (no person's credentials)."""

DESCRIPTION = """\
Edge agents push their hash-chained events here; people read the ledger, cold chain, food
safety and variance they fold into, and manage organisations, sites, people and devices.

**People** sign in with `POST /v1/auth/token` (OAuth2 password flow) and send
`Authorization: Bearer <token>`, or send an API key as `X-API-Key`. Each route needs one
permission at the site or node in its path (named in the route's description): without
credentials the answer is 401, without the permission 403, for an unknown site 404.

**Agents** sign every request with their Ed25519 key (HTTP Message Signatures, RFC 9421):
`Content-Digest` (sha-256 of the body), `Signature-Input` covering `@method`,
`@target-uri`, `content-digest`, `created` and a `nonce`, with the `keyid` the cloud gave
at enrolment, and `Signature`. A missing, stale, replayed or wrong signature is 401; a
revoked agent, or one writing to another site, is 403. Batches are gzip
(`Content-Encoding: gzip`) and idempotent by (agent, seq).
"""

AGENT_SIGNATURE = {
    "type": "apiKey",
    "in": "header",
    "name": "Signature",
    "description": "RFC 9421 HTTP Message Signature by the agent's Ed25519 key, with "
    "Signature-Input (components @method, @target-uri, content-digest; created, nonce, "
    "keyid) and Content-Digest (sha-256). OpenAPI has no scheme type for message "
    "signatures: this declares the header; the key is registered at enrolment "
    "(POST /v1/enrolments).",
    "x-signature-algorithm": "ed25519",
    "x-signature-spec": "https://www.rfc-editor.org/rfc/rfc9421",
}

_ERROR = {
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "properties": {"detail": {"type": "string"}},
                "required": ["detail"],
            }
        }
    }
}
REFUSALS = {
    "401": {"description": "No credentials, or credentials that are not valid", **_ERROR},
    "403": {"description": "Valid credentials without the permission here", **_ERROR},
}


def install_openapi(app: FastAPI) -> None:
    """Make ``app.openapi()`` return the completed document (built once, then cached)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title, version=app.version, summary=app.summary,
                description=DESCRIPTION, routes=app.routes,
            )  # fmt: skip
            complete(document, list(_api_routes(app)))
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def complete(document: dict[str, Any], routes: list[Any]) -> None:
    """Add the agents' scheme, each operation's authentication and its 401/403."""
    components = document.setdefault("components", {})
    components.setdefault("securitySchemes", {})[AGENT_SCHEME] = AGENT_SIGNATURE
    for route in routes:
        for method in route.methods:
            operation = document["paths"].get(route.path_format, {}).get(method.lower())
            if operation is None:
                continue
            _complete_operation(operation, route)


def _complete_operation(operation: dict[str, Any], route: Any) -> None:
    responses = operation.setdefault("responses", {})
    if route.path_format in AGENT_PATHS:
        operation["security"] = [{AGENT_SCHEME: []}]
        how = "Signed by the agent itself (see AgentSignature); no person's credentials."
    elif operation.get("security"):
        permission = permission_of(route)
        how = (f"Needs the permission `{permission}` at the site or node in the path."
               if permission else "Needs a signed-in person or an API key.")  # fmt: skip
    else:
        how = "Open: no credentials."
    if "security" in operation:
        for status, answer in REFUSALS.items():
            responses.setdefault(status, answer)
    lead = operation.get("description") or operation.get("summary") or ""
    operation["description"] = f"{lead.rstrip('.')}.\n\n{how}" if lead else how


def permission_of(route: Any) -> str | None:
    """The permission of the route's ``require(...)`` dependency, if it has one."""
    for call in _calls(route.dependant):
        code = getattr(call, "__code__", None)
        closure = getattr(call, "__closure__", None)
        if code is None or closure is None or call.__name__ != "holds_permission":
            continue
        cells = dict(zip(code.co_freevars, closure, strict=True))
        if "permission" in cells:
            return str(cells["permission"].cell_contents)
    return None


def _calls(dependant: Dependant) -> Iterator[Any]:
    for inner in dependant.dependencies:
        if inner.call is not None:
            yield inner.call
        yield from _calls(inner)


def _api_routes(app: FastAPI) -> Iterator[Any]:
    """Every documented API route, with the prefix and dependencies of the routers that
    include it (FastAPI 0.16x keeps included routers lazily: route contexts resolve them)."""
    contexts = getattr(fastapi_routing, "iter_route_contexts", None)
    routes = contexts(app.routes) if contexts is not None else app.routes
    for route in routes:
        original = getattr(route, "original_route", route)
        if isinstance(original, APIRoute) and route.include_in_schema:
            yield route
