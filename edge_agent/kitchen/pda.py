"""A PDA at the cold store or on the line: what its scans (label plus scale weight) record.

A PDA is a site-bus node (``firmware_configs/mqtt/pda-kitchen.yaml``): the handheld scans a
lot's GS1 label, weighs it, and publishes one JSON message with what it did (``action``),
the item, lot, location, gross weight and tare in kg, the operator and, on receipt, the
expiry date. The agent lists its PDAs under ``kitchen.pdas``; their messages come here
instead of becoming readings.

- ``receive``: a lot arrives (``lot.received``, net weight, expiry);
- ``thaw:refrigerated`` / ``thaw:running_water``: the lot starts thawing by that method
  (a thawing clock, ``clock.started``), predicted from the label's weight;
- ``count``: the lot was counted (``stock.counted``, net of the tare); a second count of the
  same stock must agree with the first (``domain.kitchen.counts.second_count``), and
  ``recount`` replaces it on purpose;
- the lot clocks' actions (``CLOCK_ACTIONS``, ``edge_agent.kitchen.clock_actions``):
  ``marinate``, ``age``, ``tphc`` and ``tphc-6h`` (with the food's ``temp``), ``open``,
  ``freeze``, ``stop``, and for cooling ``cool``, ``temp``, ``reheat`` and ``discard``, which
  carry the probe's ``temp`` in °C. A second
  ``thaw:<method>`` for a thawing lot moves it to that method.

Only receipts, counts and thaw starts must carry a weight; other actions may leave it out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from domain.events import EventDraft
from domain.kitchen.clocks.rules import ThawMethod
from domain.kitchen.counts import CountLine, count_drafts
from domain.masterdata import MasterData
from domain.observation import Observation
from domain.payloads import LotReceived
from domain.quantity import Quantity, Unit

THAW_PREFIX = "thaw:"
STOCK_ACTIONS = ("receive", "count", "recount")
COUNT_ACTIONS = ("count", "recount")
CLOCK_ACTIONS = (
    "marinate",
    "age",
    "tphc",
    "tphc-6h",
    "open",
    "freeze",
    "stop",
    "cool",
    "temp",
    "reheat",
    "discard",
)
_FIELDS = ("action", "item", "lot", "location", "operator")


class PdaUnusable(ValueError):
    """A PDA message the kitchen cannot act on; the reason names the field."""


@dataclass(frozen=True, slots=True)
class PdaScan:
    device: str
    at: datetime
    action: str
    item: str
    lot: str
    location: str
    operator: str
    gross: Quantity
    tare: Quantity
    expires: date | None
    celsius: Decimal | None = None
    """The probe's temperature, for the cooling actions."""
    probe: str | None = None
    """The food probe left in the batch (``cool``): its readings are this batch's evidence."""

    @property
    def net(self) -> Quantity:
        return self.gross - self.tare

    @property
    def thaw_method(self) -> ThawMethod | None:
        """The thawing method of a ``thaw:<method>`` action, else None."""
        if not self.action.startswith(THAW_PREFIX):
            return None
        method = self.action.removeprefix(THAW_PREFIX)
        try:
            return ThawMethod(method)
        except ValueError:
            known = [m.value for m in ThawMethod]
            raise PdaUnusable(
                f"{self.device}: action: no thawing method {method!r}; {known}"
            ) from None

    def temperature(self) -> Decimal:
        """The probe's reading, which this action needs."""
        if self.celsius is None:
            raise PdaUnusable(f"{self.device}: temp: {self.action} needs the probe's °C")
        return self.celsius


def read_scan(obs: Observation) -> PdaScan:
    """The PDA message in ``obs``; ``PdaUnusable`` names the field that is wrong."""
    text = {}
    for name in _FIELDS:
        value = obs.values.get(name)
        if not isinstance(value, str):
            raise PdaUnusable(f"{obs.device}: {name}: missing or not text")
        text[name] = value
    action = text["action"]
    thaw = action.startswith(THAW_PREFIX)  # its method is checked by ``thaw_method``
    if not thaw and action not in (*STOCK_ACTIONS, *CLOCK_ACTIONS):
        raise PdaUnusable(f"{obs.device}: action: {action!r} is not one of {known_actions()}")
    weighed = thaw or action in STOCK_ACTIONS
    return PdaScan(
        obs.device,
        obs.at,
        text["action"],
        text["item"],
        text["lot"],
        text["location"],
        text["operator"],
        _weight(obs, "weight", required=weighed),
        _weight(obs, "tare", required=weighed),
        _expires(obs),
        _celsius(obs),
        _probe(obs),
    )


def known_actions() -> list[str]:
    return [*STOCK_ACTIONS, *(THAW_PREFIX + m.value for m in ThawMethod), *CLOCK_ACTIONS]


def _expires(obs: Observation) -> date | None:
    value = obs.values.get("expires")
    if value is not None and not isinstance(value, str):
        raise PdaUnusable(f"{obs.device}: expires: not text")
    try:
        return date.fromisoformat(value) if value else None
    except ValueError as exc:
        raise PdaUnusable(f"{obs.device}: expires: {exc}") from exc


def _celsius(obs: Observation) -> Decimal | None:
    value = obs.values.get("temp")
    if value is None:
        return None
    if not isinstance(value, Decimal) or not value.is_finite():
        raise PdaUnusable(f"{obs.device}: temp: {value!r} is not a temperature")
    return value


def _probe(obs: Observation) -> str | None:
    value = obs.values.get("probe")
    if value is not None and not isinstance(value, str):
        raise PdaUnusable(f"{obs.device}: probe: not a device name")
    return value or None


def _weight(obs: Observation, name: str, *, required: bool) -> Quantity:
    value = obs.values.get(name)
    if value is None and not required:
        return Quantity(Decimal(0), Unit.KG)
    if not isinstance(value, Decimal) or value < 0:
        raise PdaUnusable(f"{obs.device}: {name}: {value!r} is not a weight")
    try:
        return Quantity(value, Unit(obs.units.get(name, "kg")))
    except ValueError as exc:
        raise PdaUnusable(f"{obs.device}: {name}: {exc}") from exc


def stock_drafts(master: MasterData, scan: PdaScan) -> list[EventDraft]:
    """The events of a ``receive`` or ``count`` scan."""
    item = master.item(scan.item)
    gross, tare = item.to_base(scan.gross).to_base(), item.to_base(scan.tare).to_base()
    if scan.action in COUNT_ACTIONS:  # kept in the item's stock unit (g), as the ledger keeps it
        line = CountLine(scan.item, scan.lot, scan.location, gross, tare)
        return count_drafts([line], scan.at, scan.operator)
    if scan.action == "receive":
        net = gross - tare
        if net.value <= 0:
            raise PdaUnusable(f"{scan.device}: weight: lot {scan.lot} weighs nothing net")
        received = LotReceived(
            item=scan.item,
            lot=scan.lot,
            location=scan.location,
            qty=net.value,
            unit=net.unit,
            expires_on=scan.expires,
            device=scan.device,
        )
        return [EventDraft("lot.received", scan.at, received)]
    raise PdaUnusable(f"{scan.device}: action: {scan.action!r} moves no stock")
