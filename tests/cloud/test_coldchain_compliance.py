"""The daily compliance report of a location: hourly figures against Python's own, as JSON,
CSV and an SVG chart, with limits from the query or from the location's excursions."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cloud.coldchain.chart import day_chart
from cloud.coldchain.compliance import DayReport, ExcursionSpan, Limits, day_report
from cloud.coldchain.report_csv import HEADER
from cloud.coldchain.rollup import RolledReading, hourly_sums
from cloud.coldchain.site_day import SiteDay
from cloud.postgres_server import PostgresServer
from domain.coldchain.mkt import mean_kinetic_temperature
from tests.cloud.builders import AgentChain, post_events, received
from tests.cloud.coldchain_builders import excursion, figures, temperature
from tests.cloud.live import shared_client

DAY = datetime(2026, 6, 1, tzinfo=UTC)
URL = "/v1/sites/site-1/locations/cold-1/compliance"
SVG = "{http://www.w3.org/2000/svg}"


def a_day_at_cold_1() -> tuple[AgentChain, dict[datetime, Decimal]]:
    """Readings every 10 minutes from 00:05, warm from 08:15 to 08:55 (an excursion), and a
    warm reading the evening before that holds into the first five minutes of the day."""
    values = {DAY - timedelta(minutes=10): Decimal("9.0")}
    for n in range(144):
        at = DAY + timedelta(minutes=5 + 10 * n)
        warm = at.hour == 8 and 15 <= at.minute < 55
        values[at] = Decimal("9.4") + n % 3 if warm else Decimal("3.5") + Decimal(n % 7) / 4
    chain = AgentChain()
    chain.add(temperature(str(v), at) for at, v in values.items())
    chain.add([
        excursion("opened", DAY.replace(hour=8, minute=25), figures=figures(
            "11.4", started_at=DAY.replace(hour=8, minute=15))),
        excursion("closed", DAY.replace(hour=8, minute=55), figures=figures(
            "11.4", started_at=DAY.replace(hour=8, minute=15), duration_s=2400)),
        received("L1", "1", loc="dry-1", at=DAY),
    ])  # fmt: skip
    return chain, {at: v for at, v in values.items() if at >= DAY}


@pytest.fixture(scope="module")
def loaded() -> tuple[AgentChain, dict[datetime, Decimal]]:
    return a_day_at_cold_1()


@pytest.fixture(scope="module")
def day_client(
    postgres_server: PostgresServer,
    migrated_template: str,
    loaded: tuple[AgentChain, dict[datetime, Decimal]],
) -> Iterator[httpx.Client]:
    """One API for the module's read-only tests, loaded with the day in batches of 50."""
    chain = loaded[0]
    with shared_client(postgres_server, migrated_template, "edgestock_compliance") as client:
        for start in range(0, len(chain.events), 50):
            response = post_events(client, chain.agent, chain.events[start : start + 50])
            assert response.status_code == 200, response.text
        yield client


@pytest.fixture
def day_values(loaded: tuple[AgentChain, dict[datetime, Decimal]]) -> dict[datetime, Decimal]:
    return loaded[1]


def by_hour(values: dict[datetime, Decimal]) -> dict[int, list[Decimal]]:
    hours: dict[int, list[Decimal]] = defaultdict(list)
    for at, value in values.items():
        hours[at.hour].append(value)
    return hours


def mean(values: list[Decimal]) -> Decimal:
    return (sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def test_json_report_matches_the_raw_readings(
    day_client: httpx.Client, day_values: dict[datetime, Decimal]
) -> None:
    response = day_client.get(URL, params={"day": "2026-06-01", "high_c": "8", "low_c": "0"})

    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["metric"], report["unit"], report["day"]) == ("air_temp", "°C", "2026-06-01")
    assert report["limits"] == {"high_c": "8", "low_c": "0", "source": "query"}
    hours = by_hour(day_values)
    assert len(report["hours"]) == 24
    for line in report["hours"]:
        values, stats = hours[int(line["hour"][11:13])], line["stats"]
        assert stats["readings"] == len(values)
        assert (Decimal(stats["min_c"]), Decimal(stats["max_c"])) == (min(values), max(values))
        assert Decimal(stats["mean_c"]) == mean(values)
        assert Decimal(stats["mkt_c"]) == mean_kinetic_temperature(values)
    minutes = {
        line["hour"][11:13]: line["stats"]["minutes_out_of_range"] for line in report["hours"]
    }
    assert {h: m for h, m in minutes.items() if m != "0.0"} == {"00": "5.0", "08": "40.0"}
    everything = list(day_values.values())
    assert report["summary"]["mkt_c"] == str(mean_kinetic_temperature(everything))
    assert report["summary"]["minutes_out_of_range"] == "45.0"
    assert report["summary"]["readings"] == 144
    assert [(e["number"], e["status"], e["side"]) for e in report["excursions"]] == [
        (1, "closed", "high")
    ]


def test_limits_come_from_the_excursions_when_not_given(day_client: httpx.Client) -> None:
    report = day_client.get(URL, params={"day": "2026-06-01"}).json()

    assert report["limits"] == {"high_c": "8", "low_c": None, "source": "excursions"}
    assert report["summary"]["minutes_out_of_range"] == "45.0"


def test_without_any_limit_minutes_out_of_range_are_unknown(day_client: httpx.Client) -> None:
    report = day_client.get(URL, params={"day": "2026-05-31"}).json()  # before any excursion

    assert report["limits"] == {"high_c": None, "low_c": None, "source": None}
    assert report["summary"]["minutes_out_of_range"] is None
    assert report["summary"]["readings"] == 1


def test_csv_report_is_a_download_with_a_header_and_a_day_row(
    day_client: httpx.Client, day_values: dict[datetime, Decimal]
) -> None:
    response = day_client.get(URL, params={"day": "2026-06-01", "format": "csv"})

    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == (
        'attachment; filename="compliance_site-1_cold-1_2026-06-01.csv"'
    )
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert tuple(rows[0]) == HEADER
    assert [row["period"] for row in rows] == [
        *(f"2026-06-01T{h:02d}:00Z" for h in range(24)), "day"
    ]  # fmt: skip
    eight = rows[8]
    values = by_hour(day_values)[8]
    assert (eight["readings"], eight["max_c"], eight["mean_c"]) == (
        "6", str(max(values)), str(mean(values))
    )  # fmt: skip
    assert (eight["minutes_out_of_range"], eight["high_limit_c"], eight["excursions"]) == (
        "40.0", "8", "#1"
    )  # fmt: skip
    day = rows[-1]
    assert day["mkt_c"] == str(mean_kinetic_temperature(list(day_values.values())))
    assert (day["readings"], day["minutes_out_of_range"], day["excursions"]) == (
        "144",
        "45.0",
        "#1",
    )


def test_svg_chart_parses_and_shows_band_mean_limits_and_excursion(
    day_client: httpx.Client, day_values: dict[datetime, Decimal]
) -> None:
    response = day_client.get(URL, params={"day": "2026-06-01", "format": "svg", "low_c": "0",
                                       "high_c": "8"})  # fmt: skip

    assert response.headers["content-type"] == "image/svg+xml"
    svg = ET.fromstring(response.text)  # noqa: S314 - our own API's output
    assert svg.tag == f"{SVG}svg"
    classes = [element.get("class") for element in svg.iter()]
    assert classes.count("band") == 24
    assert classes.count("mean") == 1  # no gaps: one unbroken line
    assert {"limit high", "limit low", "excursion", "title"} <= set(classes)
    texts = [element.text or "" for element in svg.iter(f"{SVG}text")]
    assert "Cold chain cold-1 (site-1), 2026-06-01 UTC" in texts
    assert {"Hour of day (UTC)", "air_temp (°C)", "00:00", "24:00"} <= set(texts)
    (shaded,) = [e for e in svg.iter(f"{SVG}rect") if e.get("class") == "excursion"]
    tooltip = shaded.find(f"{SVG}title")
    assert tooltip is not None
    assert tooltip.text == "Excursion #1 (high, peak 11.4 °C), closed"


@pytest.mark.parametrize(
    ("path", "params", "status", "detail"),
    [
        (URL, {"day": "2026-13-01"}, 422, ["query", "day"]),
        (URL, {}, 422, ["query", "day"]),
        (URL, {"day": "2026-06-01", "format": "pdf"}, 422, ["query", "format"]),
        (URL, {"day": "2026-06-01", "high_c": "warm"}, 422, ["query", "high_c"]),
        ("/v1/sites/nowhere/locations/cold-1/compliance", {"day": "2026-06-01"}, 404,
         "site 'nowhere' is unknown: no agent has sent events for it"),
        ("/v1/sites/site-1/locations/attic/compliance", {"day": "2026-06-01"}, 404,
         "location 'attic' is unknown at site 'site-1'"),
        ("/v1/sites/site-1/locations/dry-1/compliance", {"day": "2026-06-01"}, 404,
         "location 'dry-1' at site 'site-1' has no °C readings"),
        (URL, {"day": "2026-06-01", "metric": "co2"}, 404,
         "location 'cold-1' at site 'site-1' has no °C readings of metric 'co2'"),
    ],
)  # fmt: skip
def test_bad_requests_name_what_is_wrong(
    day_client: httpx.Client,
    path: str,
    params: dict[str, str],
    status: int,
    detail: object,
) -> None:
    response = day_client.get(path, params=params)

    assert response.status_code == status
    body = response.json()["detail"]
    assert (body[0]["loc"] if status == 422 else body) == detail


def test_a_location_with_two_temperature_metrics_asks_which(client: httpx.Client) -> None:
    chain = AgentChain()
    chain.add([temperature("3", DAY), temperature("2", DAY, metric="product_temp")])
    post_events(client, chain.agent, chain.events)

    ambiguous = client.get(URL, params={"day": "2026-06-01"})
    chosen = client.get(URL, params={"day": "2026-06-01", "metric": "product_temp"})

    assert ambiguous.status_code == 422
    assert "air_temp (°C), product_temp (°C)" in ambiguous.json()["detail"]
    assert chosen.json()["summary"]["min_c"] == "2"


HIGH_8 = Limits(Decimal(8), source="query")


def report_of(values: list[tuple[datetime, Decimal]], *, location: str = "cold-1",
              until: datetime | None = None, limits: Limits = HIGH_8,
              excursions: tuple[ExcursionSpan, ...] = ()) -> DayReport:  # fmt: skip
    """A report built by the pure functions alone, from (time, °C) readings."""
    rolled = [RolledReading("s", location, "t", "°C", at, v) for at, v in values if at >= DAY]
    return day_report(
        site="s", location=location, metric="t", unit="°C", day=SiteDay(DAY.date(), UTC),
        hourly={key.hour: sums for key, sums in hourly_sums(rolled).items()},
        readings=values, limits=limits, excursions=excursions,
        until=until or DAY + timedelta(days=2),
    )  # fmt: skip


def test_time_after_now_is_not_counted_out_of_range() -> None:
    warm = [(DAY + timedelta(hours=10), Decimal(12))]

    report = report_of(warm, until=DAY + timedelta(hours=10, minutes=30))

    assert report.summary.minutes_out_of_range == Decimal("30.0")


def test_the_chart_escapes_names_and_copes_with_an_empty_day() -> None:
    span = ExcursionSpan(1, "open", None, None, None, None, None, None, None, None)
    report = report_of([], location='<cold & "1">', excursions=(span,))

    svg = ET.fromstring(day_chart(report))  # noqa: S314 - our own output

    texts = [element.text for element in svg.iter(f"{SVG}text")]
    assert 'Cold chain <cold & "1"> (s), 2026-06-01 UTC' in texts
    assert "No readings this day" in texts


@given(
    st.lists(
        st.tuples(st.integers(-3600, 86_400 + 3600), st.decimals(-5, 15, places=1)),
        max_size=40,
        unique_by=lambda pair: pair[0],
    )
)
def test_minutes_out_of_range_add_up_and_fit_in_their_hours(
    samples: list[tuple[int, Decimal]],
) -> None:
    values = sorted((DAY + timedelta(seconds=s), v) for s, v in samples)

    report = report_of(values, limits=Limits(Decimal(8), Decimal(0)))

    minutes = [line.stats.minutes_out_of_range or Decimal(0) for line in report.hours]
    assert all(Decimal(0) <= m <= 60 for m in minutes)
    assert report.summary.minutes_out_of_range is not None
    assert abs(sum(minutes) - report.summary.minutes_out_of_range) <= Decimal("1.2")  # rounding
