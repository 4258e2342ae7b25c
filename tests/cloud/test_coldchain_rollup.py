"""Hourly rollup of readings: exact sums and MKT, folded once, safe under concurrent batches."""

from __future__ import annotations

import re
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from decimal import Decimal
from importlib import resources

import httpx
import psycopg
from hypothesis import given
from hypothesis import strategies as st

from cloud.coldchain.rollup import (
    CELSIUS_UNITS,
    H_OVER_R_KELVIN,
    RolledReading,
    hourly_sums,
    mkt_from_sums,
)
from domain.coldchain.mkt import mean_kinetic_temperature
from domain.events import Event
from tests.cloud.builders import DAY, AgentChain, post_events, reading
from tests.cloud.coldchain_builders import temperature

Expected = dict[
    tuple[str, str, str, datetime], tuple[Decimal, Decimal, Decimal, int, Decimal | None]
]


def expected_rollup(events: list[Event]) -> Expected:
    """Min, max, sum, count and MKT per (location, metric, unit, hour), from the raw readings."""
    values: dict[tuple[str, str, str, datetime], list[Decimal]] = defaultdict(list)
    for event in events:
        data = event.data
        if event.type == "reading.recorded" and "location" in data:
            hour = event.moment.replace(minute=0, second=0, microsecond=0)
            key = (data["location"], data["metric"], data["unit"], hour)
            values[key].append(Decimal(data["value"]))
    return {
        key: (
            min(vs),
            max(vs),
            sum(vs, Decimal(0)),
            len(vs),
            mean_kinetic_temperature(vs) if key[2] in CELSIUS_UNITS else None,
        )
        for key, vs in values.items()
    }


def stored_rollup(database_url: str) -> Expected:
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT location, metric, unit, hour, min_value, max_value, sum_value, count, "
            "sum_arrhenius FROM readings_hourly"
        ).fetchall()
    return {
        (loc, metric, unit, hour): (
            low,
            high,
            total,
            count,
            None if arr is None else mkt_from_sums(arr, count),
        )
        for loc, metric, unit, hour, low, high, total, count, arr in rows
    }


def a_cold_morning(chain: AgentChain) -> None:
    """Two probes at cold-1 over three hours, a humidity sensor, and a reading of no place."""
    drafts = []
    for minute in range(0, 180, 7):
        at = DAY + timedelta(minutes=minute)
        drafts.append(temperature(f"{3 + (minute % 11) / 4:.2f}", at))
        drafts.append(temperature(f"{4 + (minute % 5) / 10:.1f}", at, device="probe-2"))
        if minute % 21 == 0:
            drafts.append(temperature(f"{60 + minute % 9}", at, metric="humidity", unit="%"))
    drafts.append(reading("20.0", at=DAY))  # location cold-1 too (the shared builder's)
    chain.add(drafts)


def test_the_rollup_equals_sums_and_mkt_computed_from_the_raw_readings(
    client: httpx.Client, database_url: str
) -> None:
    chain = AgentChain()
    a_cold_morning(chain)
    split = len(chain.events) // 2  # the middle hour is written by two batches

    assert post_events(client, chain.agent, chain.events[:split]).status_code == 200
    assert post_events(client, chain.agent, chain.events[split:]).status_code == 200

    expected = expected_rollup(chain.events)
    assert len(expected) == 6  # 3 hours × (air_temp °C, humidity %)
    assert stored_rollup(database_url) == expected


def test_a_replayed_or_overlapping_batch_is_not_rolled_up_twice(
    client: httpx.Client, database_url: str
) -> None:
    chain = AgentChain()
    a_cold_morning(chain)
    post_events(client, chain.agent, chain.events[:40])

    assert post_events(client, chain.agent, chain.events[:40]).json()["duplicates"] == 40
    assert post_events(client, chain.agent, chain.events[20:]).json()["duplicates"] == 20

    assert stored_rollup(database_url) == expected_rollup(chain.events)


def test_readings_without_a_location_or_below_absolute_zero_are_left_out(
    client: httpx.Client, database_url: str
) -> None:
    chain = AgentChain()
    chain.add([temperature("4.0", DAY), temperature("-300", DAY + timedelta(minutes=1))])
    chain.add([temperature("-300", DAY, metric="weight", unit="g")])  # only °C has a floor
    post_events(client, chain.agent, chain.events)

    rollup = stored_rollup(database_url)

    assert rollup[("cold-1", "air_temp", "°C", DAY)] == (
        Decimal("4.0"), Decimal("4.0"), Decimal("4.0"), 1, Decimal("4.00")
    )  # fmt: skip
    assert rollup[("cold-1", "weight", "g", DAY)][3] == 1


def test_two_agents_adding_to_the_same_hour_at_once_lose_nothing(
    api_url: str, database_url: str
) -> None:
    chains = [AgentChain(agent=f"agent-{n}") for n in (1, 2)]
    for n, chain in enumerate(chains):
        chain.add(
            temperature(f"{n + 2}.{i % 10}", DAY + timedelta(seconds=i), device=f"probe-{n}")
            for i in range(300)
        )

    def push(chain: AgentChain) -> None:
        with httpx.Client(base_url=api_url, timeout=30) as client:
            for start in range(0, 300, 15):
                response = post_events(client, chain.agent, chain.events[start : start + 15])
                assert response.status_code == 200, response.text

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(push, chains))

    assert stored_rollup(database_url) == expected_rollup(chains[0].events + chains[1].events)


celsius = st.decimals(min_value=-40, max_value=60, places=2)


@given(st.lists(celsius, min_size=1, max_size=60), st.data())
def test_sums_of_any_split_give_the_mkt_of_the_whole(
    values: list[Decimal], data: st.DataObject
) -> None:
    readings = [RolledReading("s", "l", "t", "°C", DAY, v) for v in values]
    cut = data.draw(st.integers(0, len(readings)))
    (whole,) = hourly_sums(readings).values()
    parts = [s for part in (readings[:cut], readings[cut:]) for s in hourly_sums(part).values()]
    combined = parts[0] if len(parts) == 1 else parts[0].plus(parts[1])

    assert whole.mkt_c == mean_kinetic_temperature(values)
    assert (combined.min_value, combined.max_value, combined.sum_value, combined.count) == (
        min(values), max(values), sum(values), len(values)
    )  # fmt: skip
    assert combined.mkt_c is not None
    assert abs(combined.mkt_c - whole.mkt_c) <= Decimal("0.01")  # float sums in another order


def test_the_timescale_rollup_has_the_plain_columns_and_the_domain_constants() -> None:
    folder = resources.files("cloud") / "migrations"
    plain = (folder / "0005_readings_hourly.partitioned.sql").read_text(encoding="utf-8")
    timescale = (folder / "0005_readings_hourly.timescale.sql").read_text(encoding="utf-8")

    def columns(sql: str) -> list[str]:
        return re.findall(r"\b(min_value|max_value|sum_value|count|sum_arrhenius)\b", sql)

    assert set(columns(plain)) == set(columns(timescale))
    assert f"exp(-{H_OVER_R_KELVIN:.1f} / (value + 273.15)" in timescale
    for unit_list in re.findall(r"unit IN \(([^)]*)\)", timescale):
        assert {u.strip(" '") for u in unit_list.split(",")} == CELSIUS_UNITS
