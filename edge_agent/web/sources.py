"""What the screens are built from: the agent's parts they read and act through, passed in
explicitly (``app.build_app``), so a test builds them from a real store and pipeline."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo

from domain.coldchain.reactions import LotStock
from domain.events import Event
from domain.ledger import StockKey
from domain.masterdata import MasterData
from domain.observation import Observation
from domain.replenishment.prep import PrepList
from edge_agent.kitchen.pipeline import KitchenPipeline
from edge_agent.kitchen.records import FoodSafetyRecords
from edge_agent.purchasing.receiving import ReceivingDesk
from edge_agent.transfers.desk import TransferDesk
from edge_agent.web.pda_device import ScreenPda
from edge_agent.web.screen_hub import ScreenHub


@dataclass
class ScreenSources:
    """The agent as its screens see it."""

    site: str
    zone: tzinfo
    """The site's time zone: every time and day on a screen is the site's."""
    now: Callable[[], datetime]
    """The agent's clock (a demo's runs fast)."""
    events: Callable[[int], Iterable[Event]]
    """The store's events after a seq, oldest first (the board folds them)."""
    stock_at: Callable[[str], list[LotStock]]
    """The store's stock at a location, by lot."""
    observe: Callable[[Observation], Awaitable[None]]
    """The agent's sink: a PDA scan goes where a PDA node's scan goes."""
    holds: Callable[[], Mapping[StockKey, tuple[str, str | None]]] = dict
    """The store's holds now (lot → reason, cause: ``recall:R-1``, an excursion…)."""
    master: MasterData | None = None
    """The master data the agent has applied: replaced in place when the down-channel brings
    a newer version (``AgentScreens.use_masterdata``), so every page reads the current one."""
    kitchen: KitchenPipeline | None = None
    pda: ScreenPda | None = None
    """The pipeline that takes the PDA app's scans to the kitchen (and says why it refused)."""
    records: FoodSafetyRecords | None = None
    """Where a manager's sign-off goes."""
    transfers: TransferDesk | None = None
    """Ships and receives the site's transfers (the PDA's Transfers page)."""
    receiving: ReceivingDesk | None = None
    """Receives suppliers' deliveries by SSCC (the PDA's Receiving page)."""
    prep: Callable[[date], PrepList] | None = None
    """Today's prep list on a day of the site: the kept plan and the store's stock."""
    hub: ScreenHub = field(default_factory=ScreenHub)
    near_days: int = 1
