"""People acknowledge excursions and release held lots from a tablet on the site bus,
on ``edgestock/<site>/coldchain/commands``; the cold-chain pipeline routes them to the sink.

Wire format: one JSON object per message, UTF-8, told apart by ``command`` (docs/mqtt.md).
"""

from __future__ import annotations

from typing import Annotated, Literal, Protocol

from pydantic import Field, RootModel

from domain.events import EventDraft
from domain.ledger import StockKey
from domain.payloads import Name
from domain.rules.facts import SiteFacts
from edge_agent.clock import Clock
from edge_agent.pipeline.coldchain import ColdChainMonitor, SignalUnusable
from edge_agent.site_bus import Route, SiteBus, SiteMessage, site_topic


def commands_topic(site: str) -> str:
    return site_topic(site, "coldchain", "commands")


class AcknowledgeExcursion(SiteMessage):
    """A person takes responsibility for the open excursion at ``location`` and says what they
    did, on ``edgestock/<site>/coldchain/commands``."""

    command: Literal["acknowledge"]
    location: Name
    user: Name
    corrective_action: Annotated[str, Field(min_length=1, max_length=1000)]


class ReleaseLot(SiteMessage):
    """A person lifts the hold on a lot at a location: usable again, or thrown away."""

    command: Literal["release"]
    item: Name
    lot: Name
    location: Name
    disposition: Literal["release", "discard"]
    reason: Annotated[str, Field(min_length=1, max_length=500)]
    operator: Name


class ColdChainCommand(RootModel[AcknowledgeExcursion | ReleaseLot]):
    """One of the cold-chain commands, told apart by ``command``."""

    root: Annotated[AcknowledgeExcursion | ReleaseLot, Field(discriminator="command")]


class AgentRecords(Protocol):
    """Where the desk's events go: the agent's sink."""

    async def release(
        self,
        key: StockKey,
        *,
        disposition: Literal["release", "discard"],
        reason: str,
        operator: str,
    ) -> None: ...

    async def record(
        self, drafts: list[EventDraft], checkpoints: dict[str, bytes], *, react: bool = True
    ) -> None: ...


class ColdChainDesk:
    """Carries out people's cold-chain commands; a refusal (no open excursion there, lot not
    held, no cold-chain locations) is a ``ValueError`` saying why."""

    def __init__(
        self,
        sink: AgentRecords,
        monitor: ColdChainMonitor | None,
        clock: Clock,
        site: SiteFacts,
    ) -> None:
        self._sink = sink
        self._monitor = monitor
        self._clock = clock
        self._site = site

    async def acknowledge(self, location: str, user: str, action: str) -> None:
        """A person takes responsibility for the open excursion at ``location``."""
        if self._monitor is None:
            raise SignalUnusable("no cold-chain locations are configured")
        now = self._clock.now()
        drafts = self._monitor.acknowledge(location, now, user, action, self._site)
        await self._sink.record(drafts, {}, react=False)  # the monitor ran the rules itself

    async def release(
        self,
        key: StockKey,
        *,
        disposition: Literal["release", "discard"],
        reason: str,
        operator: str,
    ) -> None:
        """A person lifts the hold on ``key``: usable again, or discarded."""
        await self._sink.release(key, disposition=disposition, reason=reason, operator=operator)


def route_commands(bus: SiteBus, desk: ColdChainDesk) -> None:
    """Acknowledgements and releases from the bus to ``desk``; refused ones are quarantined."""

    async def handle(message: ColdChainCommand, _topic: str) -> None:
        command = message.root
        if isinstance(command, AcknowledgeExcursion):
            await desk.acknowledge(command.location, command.user, command.corrective_action)
            return
        await desk.release(
            StockKey(command.item, command.lot, command.location),
            disposition=command.disposition,
            reason=command.reason,
            operator=command.operator,
        )

    bus.route(Route(commands_topic(bus.site), ColdChainCommand, handle, "commands", label=_command))


def _command(message: ColdChainCommand) -> str:
    return message.root.command
