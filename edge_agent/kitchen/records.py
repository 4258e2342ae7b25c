"""Food-safety records at the edge: what the kitchen screens and PDAs send on
``edgestock/<site>/foodsafety/records`` becomes ``foodsafety.*`` events.

The record's own rules (a failed check needs its corrective action) are checked when the
message is parsed; here are the rules that need the store: a correction must name a record
the agent holds (and leave it complete), and when the site names its ``kitchen_manager``
role, only those people may sign a day off. A refusal raises ``RecordRefused`` (a
``ValueError``), which the bus keeps in quarantine with the reason.

Corrections are checked against the records still in the store: with a retention period,
a record pruned after the cloud acknowledged it can no longer be corrected here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Collection, Iterable

from domain.events import Event, EventDraft
from domain.foodsafety import Correction, RecordEntry, RecordRefused, record_entries
from domain.payloads import FoodSafetyCorrected, FoodSafetyRecorded, FoodSafetySignedOff
from domain.rules.model import Role
from edge_agent.kitchen.messages import (
    CorrectRecord,
    FoodSafetyEntry,
    RecordCheck,
    SignOffDay,
)

Record = Callable[[list[EventDraft], dict[str, bytes]], Awaitable[None]]
"""Store drafts (with checkpoints) in one transaction; returns once durable."""
History = Callable[[], Iterable[Event]]
"""The events the store holds, oldest first."""

MANAGER_ROLE = Role.KITCHEN_MANAGER
_RECORD_TYPES = frozenset({"foodsafety.recorded", "foodsafety.corrected"})


class FoodSafetyRecords:
    """Turns food-safety messages into events, one at a time (a correction must see the one
    before it)."""

    def __init__(
        self, record: Record, history: History, managers: Collection[str] | None = None
    ) -> None:
        self._record = record
        self._history = history
        self._managers = frozenset(managers) if managers is not None else None
        self._lock = asyncio.Lock()

    async def handle(self, entry: FoodSafetyEntry) -> None:
        """Store what ``entry`` records; ``RecordRefused`` says why it may not be."""
        async with self._lock:
            draft = await self._draft(entry)
            await self._record([draft], {})

    async def _draft(self, entry: FoodSafetyEntry) -> EventDraft:
        fields = entry.model_dump(exclude={"command", "at"})
        if isinstance(entry, RecordCheck):
            record = FoodSafetyRecorded.model_validate(fields)
            return EventDraft("foodsafety.recorded", entry.at, record)
        if isinstance(entry, CorrectRecord):
            correction = FoodSafetyCorrected.model_validate(fields)
            await self._check_correction(correction, entry)
            return EventDraft("foodsafety.corrected", entry.at, correction)
        assert isinstance(entry, SignOffDay)
        if self._managers is not None and entry.manager not in self._managers:
            raise RecordRefused(
                f"{entry.manager} may not sign off {entry.day}: not a {MANAGER_ROLE} "
                f"({sorted(self._managers)})"
            )
        return EventDraft(
            "foodsafety.signed_off", entry.at, FoodSafetySignedOff.model_validate(fields)
        )

    async def _check_correction(
        self, correction: FoodSafetyCorrected, entry: CorrectRecord
    ) -> None:
        entries = await asyncio.to_thread(self._records)
        found = entries.get(correction.corrects)
        if found is None:
            raise RecordRefused(f"no food-safety record {correction.corrects} in this agent")
        found.corrected_by(Correction("", entry.at, correction))

    def _records(self) -> dict[str, RecordEntry]:
        return record_entries(e for e in self._history() if e.type in _RECORD_TYPES)
