"""The compliance report of a site's own day (issue 18), on the real PostgreSQL over HTTP.

A probe reports every ten minutes around each day asked for. The site's zone is the org
setting ``time_zone``; every figure is checked against a reference computed here another
way: readings grouped by their local wall-clock hour and offset, and time out of range
sampled minute by minute. Days: Shanghai, New York and Berlin on both 2026 changes of clocks
(23 and 25 hours), Kolkata (+05:30) and Kathmandu (+05:45), whose hours are no rollup hours.
"""

from __future__ import annotations

import csv
import io
import itertools
import os
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import httpx
import psycopg
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cloud.coldchain.chart import LEFT, RIGHT, WIDTH
from cloud.coldchain.compliance import Limits, day_report
from cloud.coldchain.rollup import RolledReading, hourly_sums
from cloud.coldchain.site_day import SiteDay
from cloud.postgres_server import PostgresServer
from domain.coldchain.mkt import mean_kinetic_temperature
from tests.cloud.builders import AgentChain, post_events
from tests.cloud.coldchain_builders import temperature
from tests.cloud.live import database_of, shared_client

SITE = "site-1"
URL = f"/v1/sites/{SITE}/locations/cold-1/compliance"
SVG = "{http://www.w3.org/2000/svg}"
STEP = timedelta(minutes=10)
HIGH = Decimal(8)


@dataclass(frozen=True)
class Case:
    zone: str
    day: date
    hours: int


CASES = [
    Case("Asia/Shanghai", date(2026, 6, 1), 24),
    Case("America/New_York", date(2026, 3, 8), 23),
    Case("America/New_York", date(2026, 11, 1), 25),
    Case("Europe/Berlin", date(2026, 3, 29), 23),
    Case("Europe/Berlin", date(2026, 10, 25), 25),
    Case("Asia/Kolkata", date(2026, 6, 1), 24),
    Case("Asia/Kathmandu", date(2026, 6, 1), 24),
]
IDS = [f"{case.zone}-{case.day}" for case in CASES]


def value_at(at: datetime) -> Decimal:
    """A cold room wandering between 2.0 and 4.9 °C, warm (9.5 °C) one reading in 37."""
    tick = int(at.timestamp()) // 600
    return Decimal("9.5") if tick % 37 == 0 else Decimal(2) + Decimal(tick * 7 % 30) / 10


def probe_readings() -> dict[datetime, Decimal]:
    """Every ten minutes from two days before to two days after each case's day (UTC)."""
    moments: set[datetime] = set()
    for case in CASES:
        at = datetime.combine(case.day - timedelta(days=2), datetime.min.time(), tzinfo=UTC)
        while at < datetime.combine(case.day + timedelta(days=2), datetime.min.time(), UTC):
            moments.add(at)
            at += STEP
    return {at: value_at(at) for at in sorted(moments)}


READINGS = probe_readings()


@pytest.fixture(scope="module")
def days_client(postgres_server: PostgresServer, migrated_template: str) -> Iterator[httpx.Client]:
    chain = AgentChain()
    chain.add(temperature(str(value), at) for at, value in READINGS.items())
    name = f"edgestock_coldchain_days_{os.getpid()}"  # two sessions on one server never meet
    with shared_client(postgres_server, migrated_template, name) as client:
        for start in range(0, len(chain.events), 500):
            response = post_events(client, chain.agent, chain.events[start : start + 500])
            assert response.status_code == 200, response.text
        yield client


def set_zone(client: httpx.Client, zone: str) -> None:
    with psycopg.connect(database_of(str(client.base_url))) as conn:
        row = conn.execute("SELECT id FROM org_nodes WHERE site = %s", (SITE,)).fetchone()
    assert row is not None
    response = client.put(f"/v1/orgs/{row[0]}/settings", json={"time_zone": zone})
    assert response.status_code == 200, response.text


def report(client: httpx.Client, case: Case, form: str = "json") -> httpx.Response:
    set_zone(client, case.zone)
    params = {"day": str(case.day), "high_c": str(HIGH), "format": form}
    response = client.get(URL, params=params)
    assert response.status_code == 200, response.text
    return response


def wall_hour(moment: datetime, zone: ZoneInfo) -> tuple[date, int, timedelta | None]:
    """What a clock on the wall says the hour is, with the offset telling repeated hours apart."""
    local = moment.astimezone(zone)
    return local.date(), local.hour, local.utcoffset()


def expected_hours(case: Case) -> dict[tuple[date, int, timedelta | None], list[Decimal]]:
    zone = ZoneInfo(case.zone)
    hours: dict[tuple[date, int, timedelta | None], list[Decimal]] = defaultdict(list)
    for at, value in READINGS.items():
        if at.astimezone(zone).date() == case.day:
            hours[wall_hour(at, zone)].append(value)
    return hours


def expected_minutes_out(case: Case) -> dict[tuple[date, int, timedelta | None], int]:
    """Minutes above the limit by wall-clock hour, sampling the held value every minute."""
    zone = ZoneInfo(case.zone)
    moments = sorted(READINGS)
    held = {}
    minute = datetime.combine(case.day, datetime.min.time(), tzinfo=zone).astimezone(UTC)
    out: dict[tuple[date, int, timedelta | None], int] = defaultdict(int)
    index = 0
    while minute.astimezone(zone).date() <= case.day:
        while index + 1 < len(moments) and moments[index + 1] <= minute:
            index += 1
        held[minute] = READINGS[moments[index]]
        if held[minute] > HIGH:
            out[wall_hour(minute, zone)] += 1
        minute += timedelta(minutes=1)
    return out


def rounded(values: list[Decimal]) -> str:
    return str((sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.01"), ROUND_HALF_UP))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_the_json_report_covers_the_sites_own_day(days_client: httpx.Client, case: Case) -> None:
    zone = ZoneInfo(case.zone)
    body = report(days_client, case).json()

    midnight = datetime.combine(case.day, datetime.min.time(), tzinfo=zone)
    assert (body["day"], body["time_zone"]) == (str(case.day), case.zone)
    assert datetime.fromisoformat(body["start"]) == midnight
    assert len(body["hours"]) == case.hours
    expected, out = expected_hours(case), expected_minutes_out(case)
    seen: list[tuple[date, int, timedelta | None]] = []
    for line in body["hours"]:
        hour = datetime.fromisoformat(line["hour"])
        key = (hour.date(), hour.hour, hour.utcoffset())
        seen.append(key)
        values, stats = expected[key], line["stats"]
        assert stats["readings"] == len(values), line["hour"]
        assert (Decimal(stats["min_c"]), Decimal(stats["max_c"])) == (min(values), max(values))
        assert stats["mean_c"] == rounded(values)
        assert stats["mkt_c"] == str(mean_kinetic_temperature(values))
        assert Decimal(stats["minutes_out_of_range"]) == out.get(key, 0), line["hour"]
    assert set(seen) == set(expected)  # every wall-clock hour of the day, once
    starts = [datetime.fromisoformat(line["hour"]) for line in body["hours"]]
    assert all(b - a == timedelta(hours=1) for a, b in itertools.pairwise(starts))
    everything = [value for values in expected.values() for value in values]
    summary = body["summary"]
    assert summary["readings"] == len(everything) == case.hours * 6
    assert summary["mkt_c"] == str(mean_kinetic_temperature(everything))
    assert Decimal(summary["minutes_out_of_range"]) == sum(out.values()) > 0


def test_the_clock_changes_show_on_the_hours(days_client: httpx.Client) -> None:
    """New York springs from 02:00 to 03:00 and falls back from 02:00 to 01:00."""
    spring = report(days_client, Case("America/New_York", date(2026, 3, 8), 23)).json()
    autumn = report(days_client, Case("America/New_York", date(2026, 11, 1), 25)).json()

    assert [line["hour"][11:] for line in spring["hours"][:4]] == [
        "00:00:00-05:00", "01:00:00-05:00", "03:00:00-04:00", "04:00:00-04:00"
    ]  # fmt: skip
    assert [line["hour"][11:] for line in autumn["hours"][:4]] == [
        "00:00:00-04:00", "01:00:00-04:00", "01:00:00-05:00", "02:00:00-05:00"
    ]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_the_csv_says_what_the_json_says(days_client: httpx.Client, case: Case) -> None:
    body = report(days_client, case).json()
    rows = list(csv.DictReader(io.StringIO(report(days_client, case, "csv").text)))

    assert len(rows) == case.hours + 1
    for row, line in zip(rows, [*body["hours"], {"hour": None, "stats": body["summary"]}],
                         strict=True):  # fmt: skip
        stats = line["stats"]
        if line["hour"] is None:
            assert row["period"] == "day"
        else:
            assert datetime.fromisoformat(row["period"]) == datetime.fromisoformat(line["hour"])
            assert row["period"][16:] == line["hour"][19:]  # the same offset, to the minute
        assert int(row["readings"]) == stats["readings"]
        for field in ("min_c", "max_c", "mean_c", "mkt_c", "minutes_out_of_range"):
            assert row[field] == (stats[field] or ""), (row["period"], field)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_the_chart_draws_every_hour_of_the_day_at_its_real_width(
    days_client: httpx.Client, case: Case
) -> None:
    body = report(days_client, case).json()
    svg = ET.fromstring(report(days_client, case, "svg").text)  # noqa: S314 - our own API

    bands = [e for e in svg.iter(f"{SVG}rect") if e.get("class") == "band"]
    assert len(bands) == case.hours
    width = (WIDTH - LEFT - RIGHT) / case.hours
    lefts = [float(band.get("x", "nan")) for band in bands]
    assert lefts == pytest.approx([LEFT + n * width for n in range(case.hours)], abs=0.11)
    assert all(float(b.get("width", "nan")) == pytest.approx(width, abs=0.11) for b in bands)
    tooltips = [band.findtext(f"{SVG}title") or "" for band in bands]
    for tooltip, line in zip(tooltips, body["hours"], strict=True):
        stats = line["stats"]
        assert tooltip.startswith(line["hour"][11:16])
        assert tooltip.endswith(f"min {stats['min_c']} max {stats['max_c']}")
    texts = [element.text or "" for element in svg.iter(f"{SVG}text")]
    assert f"Hour of day ({case.zone})" in texts
    assert f"MKT {body['summary']['mkt_c']} °C" in " ".join(texts)


def test_the_x_axis_of_a_23_hour_day_skips_the_hour_that_never_was(
    days_client: httpx.Client,
) -> None:
    case = Case("America/New_York", date(2026, 3, 8), 23)
    svg = ET.fromstring(report(days_client, case, "svg").text)  # noqa: S314 - our own API

    ticks = {
        (element.text or ""): float(element.get("x", "nan"))
        for element in svg.iter(f"{SVG}text")
        if (element.text or "").endswith(":00") and float(element.get("y", "0")) > 300
    }
    assert list(ticks) == ["00:00", "03:00", "06:00", "09:00", "12:00", "15:00", "18:00",
                           "21:00", "24:00"]  # fmt: skip
    hour = (WIDTH - LEFT - RIGHT) / 23
    assert ticks["03:00"] == pytest.approx(LEFT + 2 * hour, abs=0.11)  # 2 real hours in
    assert ticks["24:00"] == pytest.approx(WIDTH - RIGHT, abs=0.11)
    titles = [element.text for element in svg.iter(f"{SVG}text")]
    assert "Cold chain cold-1 (site-1), 2026-03-08 America/New_York (23 h)" in titles


@pytest.mark.parametrize(
    ("zone", "day", "first", "count", "last_minutes"),
    [
        ("America/Santiago", date(2026, 9, 6), "01:00-03:00", 23, 60),  # midnight never came
        ("Australia/Lord_Howe", date(2026, 4, 5), "00:00+11:00", 25, 30),  # back 30 minutes
        ("Asia/Kathmandu", date(2026, 6, 1), "00:00+05:45", 24, 60),
    ],
)
def test_odd_days_start_when_the_site_says_and_cover_it_whole(
    zone: str, day: date, first: str, count: int, last_minutes: int
) -> None:
    site_day = SiteDay(day, ZoneInfo(zone))

    hours = site_day.hours()

    assert hours[0].local.isoformat(timespec="minutes")[11:] == first
    assert len(hours) == count
    assert hours[-1].end - hours[-1].start == timedelta(minutes=last_minutes)
    assert hours[0].start == site_day.start
    assert hours[-1].end == site_day.end
    assert all(a.end == b.start for a, b in itertools.pairwise(hours))


ZONES = st.sampled_from(["UTC", "Asia/Shanghai", "America/New_York", "Europe/Berlin",
                         "Asia/Kolkata", "Asia/Kathmandu", "Australia/Lord_Howe"])  # fmt: skip
DAYS = st.sampled_from([date(2026, 3, 8), date(2026, 3, 29), date(2026, 4, 5),
                        date(2026, 10, 25), date(2026, 11, 1), date(2026, 6, 1)])  # fmt: skip


@given(
    ZONES,
    DAYS,
    st.lists(
        st.tuples(st.integers(-7200, 30 * 3600), st.decimals(-5, 15, places=1)),
        max_size=40,
        unique_by=lambda pair: pair[0],
    ),
)
def test_any_sites_day_adds_up(zone: str, day: date, samples: list[tuple[int, Decimal]]) -> None:
    """Per-hour readings and minutes out of range add up to the day's, whatever the zone."""
    site_day = SiteDay(day, ZoneInfo(zone))
    values = sorted((site_day.start + timedelta(seconds=s), v) for s, v in samples)
    inside = [(at, v) for at, v in values if site_day.start <= at < site_day.end]
    rolled = [RolledReading("s", "l", "t", "°C", at, v) for at, v in inside]

    built = day_report(
        site="s", location="l", metric="t", unit="°C", day=site_day,
        hourly={key.hour: sums for key, sums in hourly_sums(rolled).items()},
        readings=values, limits=Limits(HIGH, Decimal(0)), excursions=(),
        until=site_day.end + timedelta(days=1),
    )  # fmt: skip

    assert sum(line.stats.readings for line in built.hours) == built.summary.readings
    assert built.summary.readings == len(inside)
    minutes = [line.stats.minutes_out_of_range or Decimal(0) for line in built.hours]
    for line, spent in zip(built.hours, minutes, strict=True):
        assert Decimal(0) <= spent <= Decimal((line.end - line.start).total_seconds()) / 60
    assert built.summary.minutes_out_of_range is not None
    assert abs(sum(minutes) - built.summary.minutes_out_of_range) <= Decimal("1.3")  # rounding
