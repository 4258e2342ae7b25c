"""The agent's requests to its inbox in the cloud: signed GETs and acks.

Everything the cloud or the network can do wrong comes out as one ``InboxUnavailable``
carrying, when the cloud gave one, its ``Retry-After``; the poller decides what to wait.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel, ValidationError

from domain.downlink import SignedDocument
from edge_agent.identity import KeyFile, KeyUnavailable

LONGEST_RETRY_AFTER_S = 600.0
"""A longer ``Retry-After`` is cut to this: the agent checks back at least this often."""


class InboxAnswer(BaseModel):
    site: str
    head: int
    documents: list[SignedDocument]


class InboxUnavailable(Exception):
    """The inbox could not be read or acked this time; ``retry_after_s`` is the cloud's."""

    def __init__(self, message: str, *, status: int | None = None,
                 retry_after_s: float | None = None) -> None:  # fmt: skip
        super().__init__(message)
        self.status = status
        self.retry_after_s = retry_after_s


class InboxClient:
    """Signed requests of agent ``agent`` to the cloud at ``url``."""

    def __init__(self, url: str, agent: str, key: KeyFile, *, timeout_s: float) -> None:
        self._base = url.rstrip("/")
        self._agent = agent
        self._key = key
        self._timeout_s = timeout_s
        self._http = httpx.AsyncClient(timeout=timeout_s)

    async def fetch(self, after: int, wait_s: float) -> InboxAnswer:
        """The documents after ``after``, the cloud holding the poll up to ``wait_s``."""
        url = f"{self._base}/v1/agents/{self._agent}/inbox?after={after}&wait_s={wait_s:g}"
        response = await self._send("GET", url, b"", timeout_s=self._timeout_s + wait_s)
        try:
            return InboxAnswer.model_validate_json(response.content)
        except ValidationError as exc:
            raise InboxUnavailable(f"the inbox answer is not understood: {exc}") from exc

    async def ack(self, seq: int) -> None:
        """Tell the cloud the site's documents up to ``seq`` are applied here."""
        url = f"{self._base}/v1/agents/{self._agent}/inbox/ack"
        await self._send("POST", url, json.dumps({"seq": seq}).encode(), timeout_s=self._timeout_s)

    async def _send(
        self, method: str, url: str, body: bytes, *, timeout_s: float
    ) -> httpx.Response:
        try:
            headers = self._key.current().sign_request(method, urlsplit(url).path, body)
            response = await self._http.request(
                method, url, content=body, timeout=timeout_s,
                headers=headers | {"Content-Type": "application/json"},
            )  # fmt: skip
        except KeyUnavailable as exc:
            raise InboxUnavailable(str(exc)) from exc
        except httpx.HTTPError as exc:
            raise InboxUnavailable(f"cloud unreachable: {str(exc) or type(exc).__name__}") from exc
        if response.status_code != 200:
            raise InboxUnavailable(
                f"the cloud answered {response.status_code}: {response.text[:300]}",
                status=response.status_code,
                retry_after_s=_seconds(response.headers.get("retry-after")),
            )
        return response

    async def aclose(self) -> None:
        await self._http.aclose()


def _seconds(header: str | None) -> float | None:
    try:
        seconds = float(header) if header is not None else -1.0
    except ValueError:
        return None
    return min(seconds, LONGEST_RETRY_AFTER_S) if seconds >= 0 else None
