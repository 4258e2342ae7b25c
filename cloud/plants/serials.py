"""One item, one code: the whole life of a finished serial, read from what the sites sent.

A serial is a lot of count 1 whose lot id is the serial (``domain.workorders``). Its life:
the productions that made it (``stock.produced`` of that lot: the build, then any repair or
rework, each naming its operation, station, operator, work order and the component lots it
put in), the genealogy of its components (``cloud.trace``, backward: a repair's new
component and the one it replaced both stay in the tree), the attributes recorded for it
(firmware flashed, ``lot_attributes``) and every quality check of it or of any lot in its
tree (``quality.checked``).

Every read runs in the caller's site scope. Lookups go through plain indexed columns
(``lots``, ``trace_links``, the events' primary key), since under row-level security a
condition on an event's JSON cannot use an index; the quality checks are found by the
events' (site, type) index.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from psycopg import AsyncConnection

from cloud.trace.query import trace
from cloud.trace.render import trace_json

Conn = AsyncConnection[tuple[object, ...]]


@dataclass(frozen=True, slots=True)
class SerialFound:
    site: str
    item: str


async def find_serial(conn: Conn, serial: str) -> list[SerialFound]:
    """Where a lot of id ``serial`` is known (site and item), in the caller's scope."""
    cur = await conn.execute(
        "SELECT site, item FROM lots WHERE site = ANY (app_sites()) AND lot = %s"
        " ORDER BY site, item",
        (serial,),
    )
    return [SerialFound(str(site), str(item)) for site, item in await cur.fetchall()]


_PRODUCTIONS = """
SELECT e.at, e.site, e.agent, e.seq, e.data
FROM events AS e
WHERE (e.agent, e.seq) IN (
    SELECT DISTINCT agent, seq FROM trace_links
    WHERE kind = 'produced' AND to_item = %(item)s AND to_lot = %(lot)s)
ORDER BY e.at, e.agent, e.seq
"""

_CHECKS = """
SELECT at, site, data FROM events
WHERE site = ANY (app_sites()) AND type = 'quality.checked' AND data ->> 'lot' = ANY (%(lots)s)
ORDER BY at
"""


async def serial_life(conn: Conn, found: SerialFound, serial: str) -> dict[str, Any]:
    """The serial's productions, components, attributes and quality checks, as JSON."""
    cur = await conn.execute(_PRODUCTIONS, {"item": found.item, "lot": serial})
    productions = [_production(n, row) for n, row in enumerate(await cur.fetchall())]
    roots = await trace(conn, found.item, serial, "backward")
    tree = trace_json(found.item, serial, "backward", roots)
    lots = {serial} | {lot for _, lot in _tree_lots(tree["roots"])}
    cur = await conn.execute(
        "SELECT item, lot, attributes FROM lot_attributes WHERE site = ANY (app_sites())"
        " AND lot = ANY (%s) ORDER BY item, lot",
        (sorted(lots),),
    )
    attributes = {f"{item}/{lot}": attrs for item, lot, attrs in await cur.fetchall()}
    cur = await conn.execute(_CHECKS, {"lots": sorted(lots)})
    checks = [
        {"at": cast(datetime, at).isoformat(), "site": site, **cast(dict[str, Any], data)}
        for at, site, data in await cur.fetchall()
    ]
    return {
        "serial": serial,
        "item": found.item,
        "site": found.site,
        "attributes": _unit_attributes(attributes.get(f"{found.item}/{serial}", {}), productions),
        "productions": productions,
        "repairs": [p for p in productions if p["kind"] == "repair"],
        "components": tree["roots"],
        "component_attributes": {
            key: value for key, value in attributes.items() if key != f"{found.item}/{serial}"
        },
        "inspections": checks,
        "failed_inspections": sum(1 for check in checks if check.get("result") == "fail"),
    }


def _unit_attributes(recorded: dict[str, Any], productions: list[dict[str, Any]]) -> dict[str, Any]:
    """What is known of the unit: recorded for its lot, then what each of its productions
    did to it (a repair that flashes again overrides the build's firmware)."""
    known = dict(recorded)
    for production in productions:
        known.update(production["attributes"])
    return known


def _production(n: int, row: tuple[object, ...]) -> dict[str, Any]:
    at, site, agent, seq, data = row
    payload = cast(dict[str, Any], data)
    return {
        "kind": "build" if n == 0 else "repair",  # a later production of the same serial
        "at": cast(datetime, at).isoformat(),
        "site": site,
        "operation": payload.get("step"),
        "station": payload.get("location"),
        "operator": payload.get("operator"),
        "work_order": payload.get("order"),
        "inputs": payload.get("inputs", []),
        "attributes": payload.get("attributes", {}),
        "event": f"{agent}#{seq}",
    }


def _tree_lots(nodes: list[dict[str, Any]]) -> list[tuple[str, str]]:
    found = []
    for node in nodes:
        found.append((str(node["item"]), str(node["lot"])))
        found.extend(_tree_lots(node.get("children", [])))
    return found
