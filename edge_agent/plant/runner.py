"""The agent runs the site's work orders on its line (config ``plant:``).

``LineRunner`` connects to the line's assembly cell (``LineUnits``), and every ``poll_s``
starts on it the open work orders of its line that it has not started yet (oldest first;
one the cell refuses is logged once and not asked again), each with serials of its own
(``<serial_prefix><work order>-0001``…) and the firmware the cell flashes. The units the
cell reports go to the ``LineDesk``. When the line cannot be reached, or stops answering, it
connects again after a growing pause: a line that is off never makes a tight loop.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from edge_agent.backoff import Backoff
from edge_agent.config.plant import PlantConfig
from edge_agent.plant.line import LineDesk
from edge_agent.plant.line_units import CellPlace, LineUnits

log = logging.getLogger(__name__)


@dataclass
class LineRunner:
    config: PlantConfig
    endpoint: str
    namespace_uri: str
    desk: LineDesk
    backoff: Backoff = field(default_factory=lambda: Backoff(1.0, 30.0))
    refused: dict[str, str] = field(default_factory=dict)
    """Work orders the cell would not start, with its answer."""
    units: LineUnits | None = None
    """The cell while connected (tests and the demo read what it recorded or refused)."""

    async def run(self) -> None:
        """Run work orders on the line until cancelled, reconnecting when it is lost."""
        while True:
            try:
                async with self._cell() as units:
                    self.units = units
                    self.backoff.attempts = 0
                    await self._start_orders(units)
            except (OSError, TimeoutError, ConnectionError, RuntimeError) as exc:
                _unless_cancelled()
                log.warning("line %s at %s: %s; connecting again", self.config.line,
                            self.endpoint, exc or type(exc).__name__)  # fmt: skip
            except Exception as exc:  # asyncua's own errors (BadSessionClosed…) have no base
                _unless_cancelled()
                log.exception("line %s: %r; connecting again", self.config.line, exc)
            await asyncio.sleep(self.backoff.next_delay())

    def _cell(self) -> LineUnits:
        cell, nodes = self.config.cell, self.config.nodes
        place = CellPlace(cell.operation, cell.station, cell.components_from, cell.operator)
        return LineUnits(self.endpoint, self.namespace_uri, self.desk, place,
                         cell_name=nodes.cell, unit_name=nodes.unit,
                         start_name=nodes.start)  # fmt: skip

    async def _start_orders(self, units: LineUnits) -> None:
        while True:
            for order in self.desk.open_orders():
                mine = order.line in (None, self.config.line)
                wo = order.work_order
                if not mine or wo in self.desk.progress.started or wo in self.refused:
                    continue
                prefix = f"{self.config.cell.serial_prefix}{wo}-"
                answer = await units.start(order, serial_prefix=prefix,
                                           firmware=self.config.cell.firmware)  # fmt: skip
                if answer.startswith("started"):
                    log.info("work order %s started on line %s", wo, self.config.line)
                    await self.desk.mark_started(wo)
                else:
                    log.warning("line %s would not start work order %s: %s",
                                self.config.line, wo, answer)  # fmt: skip
                    self.refused[wo] = answer
            await asyncio.sleep(self.config.poll_s)
            await units.alive()


def _unless_cancelled() -> None:
    """asyncua turns a cancellation inside a connect into an error of its own: the agent's
    stop must still win, or the runner would go on connecting and the agent never exit."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError from None
