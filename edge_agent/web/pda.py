"""The PDA app: receive, thaw, freeze, open, count, recount, cool, take a temperature,
discard, by scanning a lot's GS1 label (the phone's camera, or a hardware scanner typing into
the code field). A scan goes through the agent's sink as the PDA node's scans do; a refusal
is shown to the person with its reason (and kept in quarantine, like any refused input).

A second count of the same stock that disagrees with the first is refused (counts must
agree); the refusal offers ``recount``, which sends the same scan again as a recount that
replaces the first count on purpose. ``recount`` is also in the list, next to ``count``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

from edge_agent.kitchen.pda import known_actions
from edge_agent.web.pda_form import ScanForm, ScanRefused, observation
from edge_agent.web.rendering import Pages

Text = Annotated[str, Form()]
SHOWN_ACTIONS = (
    "receive",
    "thaw:refrigerated",
    "thaw:running_water",
    "freeze",
    "open",
    "count",
    "recount",
    "cool",
    "temp",
    "reheat",
    "discard",
    "marinate",
    "age",
    "tphc",
    "tphc-6h",
    "stop",
)
"""The actions the app lists first, in this order; any other the kitchen knows follows."""


def actions() -> list[str]:
    """Every PDA action the kitchen takes, the usual ones first."""
    known = known_actions()
    return [a for a in SHOWN_ACTIONS if a in known] + [a for a in known if a not in SHOWN_ACTIONS]


def router(pages: Pages) -> APIRouter:
    """The PDA app's routes."""
    sources = pages.sources
    routes = APIRouter(prefix="/pda")

    def choices(request: Request) -> dict[str, Any]:
        """The form's choices, items named in the page's language."""
        master, language = sources.master, pages.words(request).lang
        return {
            "actions": actions(),
            "items": [(i.id, i.name_in(language)) for i in master.items] if master else [],
            "locations": [(loc.id, loc.name) for loc in master.locations] if master else [],
        }

    @routes.get("", response_class=HTMLResponse)
    async def app(request: Request) -> HTMLResponse:
        """The app's one page: the form, and what the last scan did."""
        if sources.pda is None:
            return pages.render(request, "missing.html", 404, why="no_kitchen")
        return pages.render(request, "pda.html", **choices(request))

    @routes.post("/scan", response_class=HTMLResponse)
    async def scan(
        request: Request,
        action: Text = "",
        item: Text = "",
        location: Text = "",
        operator: Text = "",
        code: Text = "",
        lot: Text = "",
        expires: Text = "",
        weight: Text = "",
        tare: Text = "",
        temp: Text = "",
        probe: Text = "",
    ) -> HTMLResponse:
        """One scan: recorded (and the lot's stock there now), or refused with why."""
        if sources.pda is None:
            return pages.render(request, "missing.html", 404, why="no_kitchen")
        form = ScanForm(
            action, item, location, operator, code, lot, expires, weight, tare, temp, probe
        )
        try:
            obs = observation(form, sources.pda.device, sources.now())
        except ScanRefused as exc:
            return pages.render(request, "pda_result.html", 422, refusal=str(exc))
        refusal = await sources.pda.submit(obs, sources.observe)
        if refusal is not None:
            return pages.render(request, "pda_result.html", 422, refusal=refusal.reason,
                                recount=refusal.count_conflict)  # fmt: skip
        here = [
            s
            for s in sources.stock_at(str(obs.values["location"]))
            if s.key.item == obs.values["item"]
        ]
        return pages.render(
            request,
            "pda_result.html",
            action=obs.values["action"],
            item=obs.values["item"],
            lot=obs.values["lot"],
            location=obs.values["location"],
            stock=here,
        )

    return routes
