"""The rule engine: what the rules make of an event, and of the passing of time.

``react`` runs with the pipeline that decides an event, before it is stored, and returns the
event followed by its rules' actions, so the store writes trigger and actions in one
transaction: an action happens once per triggering event, however often the agent restarts.

``due`` runs on the agent's clock for rules ``when: {every: ...}``. Their trigger is a lot
starting to match (its shelf life dropping under a day): ``ClockState`` remembers which
triggers have been acted on, and the agent stores it with the actions it caused, so a restart
does not repeat them, and a lot a person released is not blocked again by the same trigger.
A lot that stops matching (or leaves stock) forgets its trigger and may fire again later.

Actions do not set off further rules: what a rule does cannot loop.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from itertools import groupby

from domain.coldchain.reactions import LotStock, hold, raise_safety_stock, urgent_purchase
from domain.events import EventDraft, format_at
from domain.ledger import StockKey
from domain.masterdata import MasterData
from domain.payloads import NotificationRaised, TaskCreated
from domain.rules.conditions import Facts, holds
from domain.rules.facts import (
    SiteFacts,
    event_facts,
    item_facts,
    location_facts,
    lot_facts,
)
from domain.rules.fields import has_location, has_lot
from domain.rules.model import (
    Action,
    BlockLot,
    CreateTask,
    FreezeWhereUsed,
    Notify,
    RaiseSafetyStock,
    Role,
    Rule,
    Scope,
)
from domain.rules.templates import render


@dataclass(frozen=True, slots=True)
class ClockState:
    """Per clock rule: when it was last evaluated, and the triggers already acted on."""

    last: dict[str, datetime] = field(default_factory=dict)
    fired: dict[str, frozenset[str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Subject:
    """One thing a rule looks at: the event, or one lot it concerns."""

    facts: Facts
    key: StockKey | None = None
    lot: LotStock | None = None


@dataclass(frozen=True, slots=True)
class _Trigger:
    rule: Rule
    at: datetime
    cause: str
    facts: Facts


class RuleEngine:
    """Rules, with the master data and the people they need."""

    def __init__(
        self,
        rules: Sequence[Rule],
        master: MasterData | None = None,
        staff: Mapping[Role, Sequence[str]] | None = None,
        *,
        zone: tzinfo = UTC,
    ) -> None:
        """``zone`` is the site's (``agent.zone``): the lot fields count its days."""
        self.rules = tuple(rules)
        self.zone = zone
        self._master = master or MasterData()
        self._staff = staff or {}
        self._on: dict[str, list[Rule]] = {}
        for rule in self.rules:
            if rule.event is not None:
                self._on.setdefault(rule.event, []).append(rule)
        self._clock = [(r, r.every) for r in self.rules if r.every is not None]

    def use_masterdata(self, master: MasterData) -> None:
        """Judge from now on with ``master`` (a new version the cloud sent while running)."""
        self._master = master

    def react(self, drafts: Sequence[EventDraft], site: SiteFacts) -> list[EventDraft]:
        """Each draft, followed by the actions of the rules it triggers."""
        out: list[EventDraft] = []
        for draft in drafts:
            out.append(draft)
            for rule in self._on.get(draft.type, ()):
                out += self._on_event(rule, draft, site)
        return out

    def due(
        self, now: datetime, site: SiteFacts, state: ClockState
    ) -> tuple[list[EventDraft], ClockState]:
        """The actions of clock rules due at ``now``, and the state to store with them."""
        drafts: list[EventDraft] = []
        last = {r.id: state.last[r.id] for r, _ in self._clock if r.id in state.last}
        fired = {r.id: state.fired.get(r.id, frozenset()) for r, _ in self._clock}
        due = [r for r, every in self._clock if r.id not in last or now - last[r.id] >= every]
        if not due:
            return [], state
        stock = sorted(site.stock(), key=lambda lot: lot.key)
        held = site.held()
        places = {lot.key.location: site.location(lot.key.location) for lot in stock}
        for rule in due:
            last[rule.id] = now
            matching = set()
            for lot in stock:
                facts = {
                    "rule.id": rule.id,
                    **lot_facts(lot, lot.key in held, now, self.zone),
                    **item_facts(lot.key.item, self._master),
                    **location_facts(lot.key.location, places[lot.key.location]),
                }
                if rule.if_ is not None and not holds(rule.if_, facts):
                    continue
                cause = _cause(
                    rule, facts, f"rule:{rule.id}:{lot.key.item}/{lot.key.lot}@{lot.key.location}"
                )
                matching.add(cause)
                if cause not in fired[rule.id]:
                    trigger = _Trigger(rule, now, cause, facts)
                    drafts += self._act(trigger, [_Subject(facts, lot.key, lot)], site)
            fired[rule.id] = frozenset(matching)
        return drafts, ClockState(last, fired)

    def _on_event(self, rule: Rule, draft: EventDraft, site: SiteFacts) -> list[EventDraft]:
        event = rule.event
        assert event is not None
        facts: dict[str, object] = {"rule.id": rule.id, **event_facts(draft)}
        # an event may leave its location out (a check of a lot wherever it is)
        named = facts.get("event.location") if has_location(event) else None
        location = None if named is None else str(named)
        if location is not None:
            facts.update(location_facts(location, site.location(location)))
        if rule.for_each is not None and location is not None:
            held = site.held()
            lots = sorted(site.stock_at(location), key=lambda lot: lot.key)
            subjects = [self._lot_subject(facts, lot, lot.key in held, draft.at) for lot in lots]
        elif has_lot(event):
            subjects = [self._event_lot(facts, site, draft.at, location)]
            facts = dict(subjects[0].facts)
        else:
            subjects = [_Subject(facts)]
        default = f"rule:{rule.id}@{draft.type}:{format_at(draft.at)}"
        trigger = _Trigger(rule, draft.at, _cause(rule, facts, default), facts)
        return self._act(trigger, subjects, site)

    def _lot_subject(self, facts: Facts, lot: LotStock, blocked: bool, at: datetime) -> _Subject:
        seen = {
            **facts,
            **lot_facts(lot, blocked, at, self.zone),
            **item_facts(lot.key.item, self._master),
        }
        return _Subject(seen, lot.key, lot)

    def _event_lot(
        self, facts: Facts, site: SiteFacts, at: datetime, location: str | None
    ) -> _Subject:
        """The lot an event names, as stored; or, when it is not in stock yet (a receipt
        being recorded), what the event itself says of it. An event without a location
        names the lot wherever it is: its facts are the lot's, with no one place (a
        ``block_lot`` then has nothing to hold; ``freeze_where_used`` still acts)."""
        item, lot_id = str(facts["event.item"]), str(facts["event.lot"])
        if location is None:
            said = {**facts, "lot.id": lot_id, "lot.item": item, **item_facts(item, self._master)}
            return _Subject(said)
        key = StockKey(item, lot_id, location)
        blocked = key in site.held()
        stored = next((lot for lot in site.stock_at(key.location) if lot.key == key), None)
        if stored is not None:
            return self._lot_subject(facts, stored, blocked, at)
        expires = facts.get("event.expires_on")
        said = {
            **facts,
            "lot.id": key.lot,
            "lot.item": key.item,
            "lot.location": key.location,
            "lot.blocked": blocked,
            **item_facts(key.item, self._master),
        }
        if expires is not None:
            said["lot.expires_on"] = expires
        return _Subject(said, key)

    def _act(
        self, trigger: _Trigger, subjects: Sequence[_Subject], site: SiteFacts
    ) -> list[EventDraft]:
        rule = trigger.rule
        matched = [s for s in subjects if rule.if_ is None or holds(rule.if_, s.facts)]
        if not matched:
            return []
        drafts: list[EventDraft] = []
        blocked: set[StockKey] = set()  # one hold per stock, whichever action asks first
        for step in rule.actions:
            action = step.action
            chosen = [s for s in matched if action.if_ is None or holds(action.if_, s.facts)]
            if not chosen or action.scope is Scope.ITEM:
                continue
            if isinstance(action, BlockLot):
                for s in chosen:
                    if s.key is not None and s.key not in blocked:
                        blocked.add(s.key)
                        reason = render(action.reason, s.facts)
                        drafts.append(hold(s.key, trigger.at, reason, trigger.cause))
            elif isinstance(action, FreezeWhereUsed):
                drafts += _freeze(trigger, action, chosen, site, blocked)
            else:
                drafts.append(self._tell(trigger, action))
        return drafts + self._per_item(trigger, matched)

    def _per_item(self, trigger: _Trigger, matched: Sequence[_Subject]) -> list[EventDraft]:
        """Item actions (safety stock, purchases), item by item, over the item's lots."""
        steps = [s.action for s in trigger.rule.actions if s.action.scope is Scope.ITEM]
        lots = sorted(((s.lot, s.facts) for s in matched if s.lot), key=lambda p: p[0].key)
        drafts: list[EventDraft] = []
        for item, grouped in groupby(lots, key=lambda pair: pair[0].key.item):
            pairs = list(grouped)
            for action in steps:
                chosen = [lot for lot, f in pairs if action.if_ is None or holds(action.if_, f)]
                if not chosen:
                    continue
                if isinstance(action, RaiseSafetyStock):
                    drafts += raise_safety_stock(
                        item, action.factor, trigger.at, trigger.cause, self._master
                    )
                else:
                    drafts.append(
                        urgent_purchase(item, chosen, trigger.at, trigger.cause, self._master)
                    )
        return drafts

    def _tell(self, trigger: _Trigger, action: Action) -> EventDraft:
        """A notification or a task, once per trigger, for the rule's roles."""
        rule, facts = trigger.rule, trigger.facts
        about = {
            "rule": rule.id,
            "cause": trigger.cause,
            "roles": tuple(role.value for role in rule.targets),
            "people": _people(rule.targets, self._staff),
            "item": facts.get("lot.item"),
            "lot": facts.get("lot.id"),
            "location": facts.get("lot.location", facts.get("location.id")),
        }
        if isinstance(action, Notify):
            note = NotificationRaised(
                **about, message=render(action.message, facts), severity=action.severity
            )
            return EventDraft("notification.raised", trigger.at, note)
        assert isinstance(action, CreateTask)
        due_by = trigger.at + action.due_in if action.due_in is not None else None
        task = TaskCreated(**about, title=render(action.title, facts), due_by=due_by)
        return EventDraft("task.created", trigger.at, task)


def _freeze(
    trigger: _Trigger, action: FreezeWhereUsed, chosen: Sequence[_Subject], site: SiteFacts,
    blocked: set[StockKey],
) -> list[EventDraft]:  # fmt: skip
    """Holds of every lot on hand, not held yet, where each chosen lot was used."""
    held = set(site.held())
    drafts: list[EventDraft] = []
    for subject in chosen:
        item, lot = subject.facts.get("lot.item"), subject.facts.get("lot.id")
        if item is None or lot is None:
            continue
        reason = render(action.reason, subject.facts)
        for place in sorted(site.locations_using(str(item), str(lot))):
            for stock in sorted(site.stock_at(place), key=lambda found: found.key):
                if stock.key not in held and stock.key not in blocked:
                    blocked.add(stock.key)
                    drafts.append(hold(stock.key, trigger.at, reason, trigger.cause))
    return drafts


def _cause(rule: Rule, facts: Facts, default: str) -> str:
    return render(rule.cause, facts)[:200] if rule.cause is not None else default[:200]


def _people(roles: Collection[Role], staff: Mapping[Role, Sequence[str]]) -> tuple[str, ...]:
    return tuple(sorted({person for role in roles for person in staff.get(role, ())}))
