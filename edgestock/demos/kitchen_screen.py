"""The kitchen demo's cooks at the station screens: each tap is the POST a tap on the kitchen
display makes (``/kds/<station>/tap``, ``edge_agent.web.kds``), so the demo exercises what a
cook uses, not a side door on the site bus.

The cooks sign in with the site's PIN first and send the CSRF token the screen's page
carries, as the screen's own htmx does. The screen has one tap per step, *done*; a cook's
*start* is only the moment the simulator begins the step's work, so nothing is sent for it.
A tap the screen refuses (an answer other than 200) raises ``ScreenRefused`` with the
screen's status and reason, and the simulated day fails with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import httpx

from edge_agent.web.auth import CSRF_HEADER

TIMEOUT_S = 30.0
"""A tap's answer, generous: the agent deducts and stores the step before it answers."""


class ScreenRefused(RuntimeError):
    """A station screen refused a cook's tap; says which, and why."""


@dataclass
class ScreenCooks:
    """Cooks tapping the station screens served at ``base_url`` (the agent's ``web:``)."""

    base_url: str
    pin: str | None = None
    """The site's PIN (None: the screens ask for none, ``web.auth: none``)."""
    sent: int = 0
    """Taps made on a screen."""
    taps: int = 0
    """Taps the screens answered with the station's tickets (200)."""
    _client: httpx.AsyncClient | None = field(default=None, repr=False)

    async def tap(
        self, station: str, ticket_id: str, step: str, operator: str, action: str
    ) -> None:
        """The cook's tap on ``station``'s screen (``done``; ``start`` sends nothing)."""
        if action != "done":
            return
        client = await self._session()
        self.sent += 1
        form = {"ticket": ticket_id, "step": step, "operator": operator}
        answer = await client.post(f"/kds/{station}/tap", data=form)
        if answer.status_code != 200:
            raise ScreenRefused(
                f"{station} screen refused the tap of {ticket_id} step {step}: "
                f"{answer.status_code} {_reason(answer.text)}"
            )
        self.taps += 1

    async def close(self) -> None:
        """Hang up (the feeder calls this when it stops)."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _session(self) -> httpx.AsyncClient:
        if self._client is None:
            client = httpx.AsyncClient(base_url=self.base_url, timeout=TIMEOUT_S)
            try:
                if self.pin is not None:
                    await _sign_in(client, self.pin)
            except BaseException:
                await client.aclose()
                raise
            self._client = client
        return self._client


async def _sign_in(client: httpx.AsyncClient, pin: str) -> None:
    """Sign in with ``pin`` and keep the CSRF token the pages carry (``hx-headers``)."""
    answer = await client.post("/sign-in", data={"pin": pin, "next": "/"})
    if answer.status_code != 303:
        raise ScreenRefused(f"the screens refused the PIN: {answer.status_code} "
                            f"{_reason(answer.text)}")  # fmt: skip
    page = await client.get("/")
    token = re.search(rf'"{CSRF_HEADER}": "([^"]+)"', page.text)
    if token is None:
        raise ScreenRefused(f"the screens' page carries no CSRF token ({page.status_code})")
    client.headers[CSRF_HEADER] = token.group(1)


def _reason(page: str) -> str:
    """The refusal a screen shows above its tickets, else the page's text, shortened."""
    words = " ".join(re.sub(r"<[^>]+>", " ", page).split())
    return words[:300]
