"""Rules at the edge: the rule files an agent loads, the site as its rules see it, and the
clock rules' state, stored with the actions it caused.

Event rules run inside the pipeline that decides an event (``RuleEngine.react``), so the
trigger and its actions are appended in one transaction. Clock rules run on the agent's clock
(``AgentSink.tick``); the triggers they acted on are kept in ``ClockState``, which goes into the
same transaction as those actions under the checkpoint name ``rules``, so after a restart
nothing is done twice. See ``docs/rules.md``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path

from pydantic import TypeAdapter

from domain.coldchain.reactions import LotStock
from domain.events import EventDraft
from domain.ledger import StockKey
from domain.rules.engine import ClockState, RuleEngine
from domain.rules.facts import LocationFacts
from domain.rules.model import Rule, RuleBook
from domain.rules.quality import locations_using
from edge_agent.config.rules import DEFAULT_RULES, RULES_DIR, rule_file
from edge_agent.store import EdgeStore
from edge_agent.yaml_config import ConfigError, load_model

CHECKPOINT = "rules"

_STATE = TypeAdapter(ClockState)


def load_rules(paths: Sequence[Path]) -> list[Rule]:
    """Every rule of ``paths``; an error names the file, line and field, or the two files
    that define the same rule id."""
    rules: list[Rule] = []
    seen: dict[str, Path] = {}
    for path in paths:
        for rule in load_model(path, RuleBook).rules:
            if rule.id in seen:
                raise ConfigError(
                    path, [f"{path}: rule {rule.id!r} is already defined in {seen[rule.id]}"]
                )
            seen[rule.id] = path
            rules.append(rule)
    return rules


@cache
def default_rules() -> tuple[Rule, ...]:
    return tuple(load_rules([rule_file(name, RULES_DIR) for name in DEFAULT_RULES]))


@dataclass(frozen=True, slots=True)
class WatchedPlace:
    """A cold-chain location as rules see it: may an alarm hold its stock, and which signal
    is its temperature."""

    block_lots: bool
    temperature: tuple[str, str]
    """(device, metric)"""


class StoreFacts:
    """``domain.rules.SiteFacts`` read from the agent's store as it is at the moment."""

    def __init__(self, store: EdgeStore, places: Mapping[str, WatchedPlace]) -> None:
        self._store = store
        self._places = places

    def stock_at(self, location: str) -> Sequence[LotStock]:
        return self._store.stock_at(location)

    def stock(self) -> Sequence[LotStock]:
        locations = {key.location for key, qty in self._store.ledger().items() if qty.value > 0}
        return [lot for location in sorted(locations) for lot in self._store.stock_at(location)]

    def held(self) -> Collection[StockKey]:
        return self._store.holds().keys()

    def location(self, location: str) -> LocationFacts:
        place = self._places.get(location)
        if place is None:
            return LocationFacts()
        reading = self._store.latest_reading(*place.temperature)
        return LocationFacts(True, place.block_lots, reading[0] if reading else None)

    def locations_using(self, item: str, lot: str) -> Collection[str]:
        # a scan of the events kept: asked only when a rule freezes where a lot was used
        # (a failed quality check), rare enough not to keep an index for it
        events = ((event.type, event.data) for event in self._store.events())
        return locations_using(events, item, lot)


class ClockRules:
    """The clock rules' state: planned with the actions it goes with, kept once they are
    durable (``settle``), and written with every append (``checkpoint``)."""

    def __init__(self, engine: RuleEngine, checkpoint: bytes | None) -> None:
        self.engine = engine
        self._state = _STATE.validate_json(checkpoint) if checkpoint else ClockState()

    def due(self, now: datetime, site: StoreFacts) -> tuple[list[EventDraft], ClockState]:
        return self.engine.due(now, site, self._state)

    def settle(self, state: ClockState) -> None:
        """``state`` is now what the store holds (or may hold: it caused no actions)."""
        self._state = state

    def checkpoint(self, state: ClockState | None = None) -> bytes:
        return _STATE.dump_json(state or self._state)
