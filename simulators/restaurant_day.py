"""A compressed restaurant day on the site bus: POS orders by daypart, cooks tapping steps on
the kitchen screens, a portion scale at the wok, PDA scans, and stock nobody records.

Everything is decided by the seed (``plan_day``): when each order comes (a lunch and a
dinner rush), what it holds, how long each step takes, how much chicken each cook puts on
the wok scale (a portioning spread around the recipe), and what disappears unrecorded (a
staff meal, a handful of peanuts). The day runs ``speed`` times faster than real time. What
the simulator does, it does as the devices would: a PDA scans lots in (``receive``), starts
thawing frozen chicken under running water (one lot small enough to thaw, one left too long
for the 4-hour limit), the POS publishes orders, the cooks answer the tickets the agent
publishes (start, then done, after a delay) and put the portion on the scale before done;
at closing the PDA counts every lot at the stations, weighing what is really left.
The simulator keeps that truth: recipe use (``explode``), weighed portions and unrecorded
use, so the count shows what the variance report must find.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import yaml
from paho.mqtt.enums import CallbackAPIVersion

from domain.kitchen.explosion import OrderLine, explode
from domain.masterdata import MasterData
from simulators.modbus_scale import ScaleSimulator
from simulators.mqtt_nodes import Broker

log = logging.getLogger(__name__)

MASTERDATA = Path(__file__).resolve().parents[1] / "firmware_configs/kitchen/masterdata.yaml"
DISH = "kung-pao"
MODIFIERS = ("no-peanuts", "extra-portion", "extra-chili")
WEIGHED_ITEM, WEIGHED_STATION = "chicken-marinated", "wok"
DAYPARTS = (  # hours after opening (10:00): lunch rush, afternoon, dinner rush
    (1.5, 4.0, 0.45),
    (4.0, 8.0, 0.15),
    (8.0, 11.0, 0.40),
)
DAY_HOURS = 12.0
OPENING = (  # item, lot, location, kg
    ("chicken-marinated", "CM-1", "wok", "16"),
    ("peanuts", "PN-1", "wok", "3"),
    ("dried-chili", "DC-1", "wok", "1"),
    ("onion", "ON-1", "wok", "8"),
    ("rice-cooked", "RC-1", "pass", "14"),
)
THAWING = (  # lot, kg: thawed under running water, 1.1 h/kg, at most 4 h
    ("FZ-1", "2"),  # ready after 2.2 h
    ("FZ-2", "5"),  # would need 5.5 h: blocked at 4 h
)
FROZEN = "chicken-thigh-frozen"
UNRECORDED = (("chicken-marinated", "CM-1", "600"), ("peanuts", "PN-1", "150"))
"""What leaves without a record (g): a staff meal, snacking. Only the count can find it."""


@dataclass(frozen=True, slots=True)
class PlannedOrder:
    at_h: float
    """Hours after opening."""
    order_id: str
    lines: tuple[tuple[int, tuple[str, ...]], ...]
    """(portions, modifiers) per line."""


def plan_day(seed: int, orders: int) -> list[PlannedOrder]:
    """The day's orders, by daypart, deterministic for ``seed``."""
    rng = random.Random(seed)
    planned = []
    for start, end, share in DAYPARTS:
        for _ in range(round(orders * share)):
            lines = tuple(
                (rng.choice((1, 1, 1, 2)), tuple(m for m in MODIFIERS if rng.random() < 0.2))
                for _ in range(rng.choice((1, 1, 2)))
            )
            planned.append((rng.uniform(start, end), lines))
    planned.sort()
    return [PlannedOrder(at, f"o-{n:04d}", lines) for n, (at, lines) in enumerate(planned, 1)]


@dataclass
class Truth:
    """What is really in each lot at the stations, in g."""

    grams: dict[tuple[str, str], Decimal] = field(default_factory=dict)

    def take(self, item: str, amount: Decimal) -> None:
        key = next(k for k in self.grams if k[0] == item)
        self.grams[key] -= amount


Tap = Callable[[str, str, str, str, str], Awaitable[None]]
"""How a cook's tap reaches the agent: (station, ticket id, step, operator, action), the
action ``start`` or ``done``. By default a message on the site bus, as a display node sends."""


class RestaurantDay:
    """Plays one day against an agent over ``broker``, with the wok's portion ``scale``."""

    def __init__(
        self,
        site: str,
        broker: Broker,
        scale: ScaleSimulator,
        *,
        seed: int,
        orders: int,
        speed: float,
        now: Callable[[], datetime],
        tap: Tap | None = None,
    ) -> None:
        self.site = site
        self.speed = speed
        self.master = MasterData.model_validate(yaml.safe_load(MASTERDATA.read_text("utf-8")))
        self.plan = plan_day(seed, orders)
        self._orders = {order.order_id: order for order in self.plan}
        self.truth = Truth()
        self.tapped = 0
        self._send_tap = tap or self._tap_on_bus
        self._now = now
        self._rng = random.Random(seed + 1)
        self._scale = scale
        self._scale_lock = asyncio.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._cooking: list[asyncio.Task[None]] = []
        self._client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=f"restaurant-{site}", protocol=mqtt.MQTTv5
        )
        self._client.on_connect = self._subscribe
        self._client.on_message = self._ticket
        self._broker = broker

    # -- the day ---------------------------------------------------------------------------

    async def run(self) -> None:
        """Open, serve every planned order, close with a count."""
        self._loop = asyncio.get_running_loop()
        await asyncio.to_thread(self._client.connect, self._broker.host, self._broker.port)
        self._client.loop_start()
        try:
            await self._open()
            began = self._loop.time()
            for order in self.plan:
                await asyncio.sleep(max(0.0, began + self._real(order.at_h) - self._loop.time()))
                self._order(order)
            while not all(task.done() for task in self._cooking):  # a cook's failure shows here
                await asyncio.gather(*self._cooking)
            for item, lot, grams in UNRECORDED:
                self.truth.grams[item, lot] -= Decimal(grams)
            await asyncio.sleep(max(0.0, began + self._real(DAY_HOURS) - self._loop.time()))
            self._count()
            await asyncio.sleep(1.0)  # let the last scans reach the broker
        finally:
            self._client.disconnect()
            await asyncio.to_thread(self._client.loop_stop)

    def _real(self, hours: float) -> float:
        return hours * 3600 / self.speed

    async def _open(self) -> None:
        expires = (self._now() + timedelta(days=2)).date().isoformat()
        for item, lot, location, kg in OPENING:
            self._pda("receive", item, lot, location, kg, expires=expires)
            self.truth.grams[item, lot] = Decimal(kg) * 1000
        for lot, kg in THAWING:
            self._pda("receive", FROZEN, lot, "walk-in", kg, expires=expires)
            self._pda("thaw:running_water", FROZEN, lot, "walk-in", kg)
        await asyncio.sleep(1.0)

    def _order(self, order: PlannedOrder) -> None:
        lines = [
            {"item": DISH, "qty": portions, "modifiers": list(modifiers)}
            for portions, modifiers in order.lines
        ]
        body = {"order_id": order.order_id, "placed_at": self._now().isoformat(), "lines": lines}
        self._publish(f"edgestock/{self.site}/pos/orders", body)

    def _count(self) -> None:
        for (item, lot), grams in sorted(self.truth.grams.items()):
            location = next(loc for i, lt, loc, _ in OPENING if (i, lt) == (item, lot))
            kg = str(max(grams, Decimal(0)) / 1000)
            self._pda("count", item, lot, location, kg)

    # -- the cooks ---------------------------------------------------------------------------

    def _subscribe(self, client: mqtt.Client, *_args: object) -> None:
        client.subscribe(f"edgestock/{self.site}/kds/+/tickets", qos=1)

    def _ticket(self, _client: mqtt.Client, _userdata: object, message: mqtt.MQTTMessage) -> None:
        """A ticket on a station's screen (paho's thread): a cook takes it."""
        station = message.topic.split("/")[-2]
        ticket = json.loads(message.payload)
        assert self._loop is not None
        self._loop.call_soon_threadsafe(self._cook, station, ticket)

    def _cook(self, station: str, ticket: dict[str, Any]) -> None:
        self._cooking.append(asyncio.get_running_loop().create_task(self._work(station, ticket)))

    async def _work(self, station: str, ticket: dict[str, Any]) -> None:
        """Each step of the ticket: start, a few minutes' work, (weigh,) done."""
        rng = random.Random(f"{ticket['ticket_id']}")  # the same delays whenever it arrives
        order_id = str(ticket["order_id"])
        planned = self._orders[order_id]
        operator = rng.choice(("ana", "bo", "chen"))
        for key in ticket["steps"]:
            number, step_id = key.split(".", 1)
            portions, modifiers = planned.lines[int(number) - 1]
            await self._tap(station, ticket, key, operator, "start")
            await asyncio.sleep(self._real(rng.uniform(2, 8) / 60))
            (step,) = [
                s
                for s in explode(
                    self.master,
                    OrderLine(order_id, int(number), DISH, portions, modifiers),
                )
                if s.step == step_id
            ]
            used: dict[str, Decimal] = {}
            for given in step.inputs:  # an item may come twice (extra chili)
                used[given.item] = used.get(given.item, Decimal(0)) + given.gross.value
            if station == WEIGHED_STATION and WEIGHED_ITEM in used:
                async with self._scale_lock:
                    portion = (used[WEIGHED_ITEM] * Decimal(rng.gauss(1.03, 0.05))).quantize(1)
                    await self._scale.set_weight(float(portion))
                    await asyncio.sleep(0.5)
                    await self._tap(station, ticket, key, operator, "done")
                    await asyncio.sleep(0.3)
                    await self._scale.set_weight(0.0)
                    await asyncio.sleep(0.3)
                used[WEIGHED_ITEM] = portion
            else:
                await self._tap(station, ticket, key, operator, "done")
            for item, grams in used.items():
                self.truth.take(item, grams)

    async def _tap(
        self, station: str, ticket: dict[str, Any], step: str, who: str, action: str
    ) -> None:
        await self._send_tap(station, str(ticket["ticket_id"]), step, who, action)
        self.tapped += action == "done"

    async def _tap_on_bus(
        self, station: str, ticket_id: str, step: str, who: str, action: str
    ) -> None:
        """A tap as a kitchen display node sends it on the site bus."""
        body = {
            "ticket_id": ticket_id,
            "step": step,
            "operator": who,
            "action": action,
            "at": self._now().isoformat(),
        }
        self._publish(f"edgestock/{self.site}/kds/{station}/taps", body)

    # -- the PDA ---------------------------------------------------------------------------

    def _pda(
        self, action: str, item: str, lot: str, location: str, kg: str, *, expires: str = ""
    ) -> None:
        scan = {
            "Action": action,
            "Item": item,
            "Lot": lot,
            "Location": location,
            "Operator": "li",
            "Expires": expires,
            "Weight": float(kg),
            "Tare": 0,
        }
        self._publish("tele/pda-1/SENSOR", {"Scan": scan})

    def _publish(self, topic: str, body: object) -> None:
        self._client.publish(topic, json.dumps(body), qos=1)
