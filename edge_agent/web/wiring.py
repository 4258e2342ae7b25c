"""The screens of a running agent, from the parts ``edge_agent.agent.build`` made: what the
agent imports (lazily: FastAPI and uvicorn only when its config has ``web:``)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from domain.masterdata import MasterData
from edge_agent.clock import Clock
from edge_agent.config.web import WebConfig
from edge_agent.downlink.plans import today_prep
from edge_agent.kitchen.bus_routes import TicketFanOut
from edge_agent.kitchen.pipeline import KitchenPipeline
from edge_agent.kitchen.records import FoodSafetyRecords
from edge_agent.purchasing.receiving import ReceivingDesk
from edge_agent.sink import AgentSink
from edge_agent.store import EdgeStore
from edge_agent.transfers.desk import TransferDesk
from edge_agent.web.app import build_app
from edge_agent.web.auth import ScreenAuth, site_secret
from edge_agent.web.pda_device import ScreenPda
from edge_agent.web.serve import serve_screens
from edge_agent.web.sources import ScreenSources


@dataclass
class AgentScreens:
    """The agent's screens: called, they serve until the agent stops; told of a newer
    version of the master data, every page uses it from the next request."""

    sources: ScreenSources
    serve: Callable[[], Coroutine[None, None, None]]

    def __call__(self) -> Coroutine[None, None, None]:
        return self.serve()

    def use_masterdata(self, master: MasterData) -> None:
        """A master-data taker of the down-channel (after the kitchen's, which may refuse)."""
        self.sources.master = master


def agent_screens(
    web: WebConfig,
    zone: str,
    *,
    store: EdgeStore,
    sink: AgentSink,
    clock: Clock,
    master: MasterData | None,
    kitchen: KitchenPipeline | None,
    displays: TicketFanOut | None,
    records: FoodSafetyRecords,
    transfers: TransferDesk | None = None,
    receiving: ReceivingDesk | None = None,
) -> AgentScreens:
    """What the agent runs to serve its screens; the PDA app's device joins the sink's
    pipelines and the screens join the kitchen's ticket displays."""
    pda = None
    if kitchen is not None:
        pda = ScreenPda(kitchen, web.pda_device)
        sink.add(pda, first=True)
    sources = ScreenSources(
        site=store.site,
        zone=ZoneInfo(zone),
        now=clock.now,
        events=store.events,
        stock_at=store.stock_at,
        holds=store.holds,
        observe=sink.observe,
        master=master,
        kitchen=kitchen,
        pda=pda,
        records=records,
        near_days=web.near_days,
        transfers=transfers,
        receiving=receiving,
        prep=lambda day: today_prep(store, store.site, day, web.near_days),
    )
    if displays is not None:
        displays.add(sources.hub.publish)
    app = build_app(sources, screen_auth(web, store.path))
    return AgentScreens(sources, lambda: serve_screens(app, web.host, web.port, sources.hub.close))


def screen_auth(web: WebConfig, store_path: Path) -> ScreenAuth | None:
    """The PIN sign-in of ``web`` (None for ``auth: none``), its secret beside the store."""
    if web.auth == "none":
        return None
    secret = site_secret(store_path.with_name(store_path.name + ".web-secret"), web.pin_hash)
    return ScreenAuth(secret, session_s=web.session_hours * 3600)
