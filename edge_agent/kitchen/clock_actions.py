"""What a PDA action or a finished step does to the lot clocks (no I/O: the pipeline stores
the result with the state it leads to).

- A step whose operation is ``marinate`` or ``age`` starts that clock on each lot it
  produces; every produced lot of a class with a date mark is marked, a mixture taking the
  earliest mark of its input lots.
- PDA actions start clocks (``thaw:<method>``, ``marinate``, ``age``, ``tphc`` (4 hours)
  or ``tphc-6h`` (cold food, at most 21 °C) with the food's ``temp``, ``open``, ``cool``)
  or act on the lot's open ones: ``thaw:<method>`` again changes the method and resumes a
  frozen date mark, ``freeze`` pauses it, ``stop`` ends thawing, marinating, ageing or
  TPHC, ``temp`` is evidence for thawing, cooling and the 6-hour TPHC ceiling, ``reheat``
  and ``discard`` are the only ways out of missed cooling (``discard`` is
  ``edge_agent.kitchen.discard``: it needs the lot's stock).

Durations are counted by the clocks in UTC instants; the site's zone only decides calendar
days (a date mark's, a produced lot's day 1).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, tzinfo
from typing import TypeVar

from domain.events import EventDraft
from domain.kitchen.clocks import ClockState
from domain.kitchen.clocks.cooling import CLOCK as COOLING
from domain.kitchen.clocks.cooling import start_cooling
from domain.kitchen.clocks.date_mark import CLOCK as DATE_MARK
from domain.kitchen.clocks.date_mark import DateMarkState, MarkPhase, start_date_mark
from domain.kitchen.clocks.events import LotRef
from domain.kitchen.clocks.inputs import (
    ClockInput,
    ClockInputRefused,
    Frozen,
    MethodChanged,
    Reading,
    Reheated,
    Stopped,
    Thawed,
)
from domain.kitchen.clocks.rules import (
    ClockClass,
    ClockRules,
    DateMarkRule,
    TimedRule,
    TphcOption,
)
from domain.kitchen.clocks.thawing import CLOCK as THAWING
from domain.kitchen.clocks.thawing import start_thawing
from domain.kitchen.clocks.timed import TimedKind, start_timed
from domain.kitchen.clocks.tphc import start_tphc
from domain.kitchen.explosion import PlannedStep
from domain.kitchen.recipes import Operation
from domain.masterdata import MasterData
from domain.payloads import StockProduced
from domain.quantity import Unit
from edge_agent.kitchen.lot_clocks import LotClocks, Stepped
from edge_agent.kitchen.pda import PdaScan

_TIMED_ACTIONS = {"marinate": TimedKind.MARINATING, "age": TimedKind.AGEING}
_TPHC_ACTIONS = {"tphc": TphcOption.HOURS_4, "tphc-6h": TphcOption.HOURS_6}
_TIMED_STEPS = {Operation.MARINATE: TimedKind.MARINATING, Operation.AGE: TimedKind.AGEING}
_STOPPABLE = (THAWING, *(kind.value for kind in TimedKind))
R = TypeVar("R")


class LotClockRules:
    """The master data and clock rules, with the site's zone: what starts which clock."""

    def __init__(self, master: MasterData, rules: ClockRules, zone: tzinfo) -> None:
        self._master = master
        self._rules = rules
        self.zone = zone

    def of(self, item: str) -> ClockClass:
        return self._rules.for_item(self._master, item)

    def with_master(self, master: MasterData) -> LotClockRules:
        """The same rules over a new version of the master data; ``ValueError`` naming the
        items whose clock class the rules do not define (the old version then stays)."""
        problems = self._rules.problems(master)
        if problems:
            raise ValueError("; ".join(problems))
        return LotClockRules(master, self._rules, self.zone)

    def scanned(self, clocks: LotClocks, scan: PdaScan) -> Stepped:
        """What the PDA's clock action ``scan`` does; refused with the reason if nothing."""
        ref, at, op = LotRef(scan.item, scan.lot, scan.location), self.local(scan.at), scan.operator
        if scan.thaw_method is not None:
            return self._thaw(clocks, scan, ref, at)
        action = scan.action
        if action in _TIMED_ACTIONS:
            kind = _TIMED_ACTIONS[action]
            return clocks.started(*start_timed(kind, self._timed(ref, kind), ref, at, op))
        if action in _TPHC_ACTIONS:
            tphc = self._rule(ref, "tphc", self.of(ref.item).tphc)
            option = _TPHC_ACTIONS[action]
            return clocks.started(*start_tphc(tphc, ref, at, scan.temperature(), option, op))
        if action == "open":
            rule = self._rule(ref, "date_mark", self._opened_mark(ref.item))
            return clocks.started(*start_date_mark(rule, ref, at, operator=op, zone=self.zone))
        if action == "cool":
            cooling = self._rule(ref, "cooling", self.of(ref.item).cooling)
            celsius = scan.temperature()
            started = start_cooling(cooling, ref, at, celsius, op, probe=scan.probe)
            return clocks.started(*started)
        given, names = self._acting_on(scan, at)
        return clocks.feed(_open_ones(clocks, ref, names), given)

    def _acting_on(self, scan: PdaScan, at: datetime) -> tuple[ClockInput, tuple[str, ...]]:
        """The input an action on open clocks gives, and which clocks take it."""
        if scan.action == "freeze":
            return Frozen(at), (DATE_MARK,)
        if scan.action == "stop":
            return Stopped(at, scan.operator), _STOPPABLE
        if scan.action == "temp":
            return Reading(at, scan.temperature()), (THAWING, COOLING, TimedKind.TPHC.value)
        assert scan.action == "reheat", "a discard is the pipeline's (edge_agent.kitchen.discard)"
        return Reheated(at, scan.temperature(), scan.operator), (COOLING,)

    def _thaw(self, clocks: LotClocks, scan: PdaScan, ref: LotRef, at: datetime) -> Stepped:
        method = scan.thaw_method
        assert method is not None
        thawing = clocks.of_lot(ref.lot, THAWING)
        rules = self.of(ref.item).thawing
        mark = [s for s in clocks.of_lot(ref.lot, DATE_MARK) if _paused(s)]
        drafts: list[EventDraft] = []
        if thawing:  # a thawing lot moved: progress is kept, the new method's pace applies
            clocks, drafts = clocks.feed(thawing, MethodChanged(at, method))
        elif rules or not mark:  # food with no thawing rule (cooked rice) only resumes its mark
            kg = self._master.item(ref.item).to_base(scan.net).to(Unit.KG).value
            started = start_thawing(rules, ref, kg, method, at, scan.operator)
            clocks, drafts = clocks.started(*started)
        if not mark:  # a refrozen lot's mark resumes on every thaw, thawing clock or not
            return clocks, drafts
        clocks, resumed = clocks.feed(mark, Thawed(at))
        return clocks, drafts + resumed

    def produced(
        self, clocks: LotClocks, step: PlannedStep, drafts: Iterable[EventDraft]
    ) -> Stepped:
        """Start the clocks of the lots a finished step produced."""
        made: list[EventDraft] = []
        for draft in drafts:
            if not isinstance(draft.payload, StockProduced):
                continue
            lot, at = draft.payload, self.local(draft.at)
            ref = LotRef(lot.item, lot.lot, lot.location)
            kind = _TIMED_STEPS.get(step.operation)
            if kind is not None:
                clocks, started = clocks.started(
                    *start_timed(kind, self._timed(ref, kind), ref, at)
                )
                made += started
            mark = self.of(ref.item).date_mark
            if mark is not None:
                ingredients = clocks.use_by((given.lot for given in lot.inputs), at.date())
                started_mark = start_date_mark(
                    mark, ref, at, ingredients=ingredients, zone=self.zone
                )
                clocks, started = clocks.started(*started_mark)
                made += started
        return clocks, made

    def _opened_mark(self, item: str) -> DateMarkRule | None:
        """The date mark of ``item`` once opened: its own ``opened_days`` where it has them
        (soy sauce: 30), the stricter of them and its class's rule where both apply."""
        rule = self.of(item).date_mark
        life = self._master.item(item).shelf_life
        opened = life.opened_days if life is not None else None
        if opened is None:
            return rule
        if rule is None:
            return DateMarkRule(days=opened)
        return rule.model_copy(update={"days": min(rule.days, opened)})

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.zone)

    def _timed(self, ref: LotRef, kind: TimedKind) -> TimedRule:
        rule: TimedRule | None = getattr(self.of(ref.item), kind.value)
        return self._rule(ref, kind.value, rule)

    def _rule(self, ref: LotRef, name: str, rule: R | None) -> R:
        if rule is None:
            clock_class = self._master.item(ref.item).clock_class
            raise ClockInputRefused(f"{ref.item} (clock class {clock_class}) has no {name} rule")
        return rule


def _paused(state: ClockState) -> bool:
    return isinstance(state, DateMarkState) and state.phase is MarkPhase.FROZEN


def _open_ones(clocks: LotClocks, ref: LotRef, names: tuple[str, ...]) -> list[ClockState]:
    states = clocks.of_lot(ref.lot, *names)
    if not states:
        raise ClockInputRefused(f"lot {ref.lot} has no open {' or '.join(names)} clock")
    return states
