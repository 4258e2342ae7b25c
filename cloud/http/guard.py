"""An ASGI middleware that bounds request bodies and refuses bad characters before routing.

A body over ``max_body`` bytes is refused with 413 as soon as it is declared or streamed
past the limit, never buffered whole (a 100 MB JSON body once grew the process by 400 MB
and its 422 echoed it back). An agent's batch is left to its route, which streams it
against its own, larger limit and bounds its decompressed size (cloud.api.agents).
"""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cloud.http.characters import InputFault, form_fault, json_fault, path_fault, query_fault

_AGENT_BATCH = re.compile(r"^/v1/agents/[^/]+/events$")


class TooLarge(Exception):
    """The body passed the limit."""


class InputGuard:
    """Refuse (413, 422) what no route should see; pass the rest on, its body replayed."""

    def __init__(self, app: ASGIApp, *, max_body: int) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        fault = path_fault(scope["path"]) or query_fault(scope.get("query_string", b""))
        if fault is not None:
            await _answer(send, 422, {"detail": [fault.as_error()]})
            return
        if _AGENT_BATCH.match(scope["path"]):
            await self.app(scope, receive, send)
            return
        try:
            body = await self._body(scope, receive)
        except TooLarge:
            detail = f"body: larger than {self.max_body} bytes"
            await _answer(send, 413, {"detail": detail}, close=True)
            return
        fault = _body_fault(_header(scope, b"content-type"), body)
        if fault is not None:
            await _answer(send, 422, {"detail": [fault.as_error()]})
            return
        await self.app(scope, _replay(body, receive), send)

    async def _body(self, scope: Scope, receive: Receive) -> bytes:
        declared = _header(scope, b"content-length")
        if declared.isdigit() and int(declared) > self.max_body:
            raise TooLarge
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                raise TooLarge
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)


def _body_fault(content_type: str, body: bytes) -> InputFault | None:
    kind = content_type.split(";", 1)[0].strip().lower()
    if not body:
        return None
    if kind == "application/json" or kind.endswith("+json"):
        return json_fault(body)
    if kind == "application/x-www-form-urlencoded":
        return form_fault(body)
    return None


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return ""


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


async def _answer(send: Send, status: int, body: dict[str, Any], *, close: bool = False) -> None:
    raw = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode())]
    if close:  # the rest of the body is not read: the connection cannot be reused
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": raw})
