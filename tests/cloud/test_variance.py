"""The variance report over HTTP: the domain tests' scripted restaurant day posted through
the real ingest API as a signed batch, then read back by item, location and day, as JSON
and CSV, from the cloud's events table under the site's scope."""

from __future__ import annotations

import csv
import io
import secrets
from datetime import date
from decimal import Decimal

import httpx
import pytest

from cloud.auth.bootstrap import create_org_admin
from domain.events import EventDraft
from domain.fefo import LotOnHand
from domain.kitchen.counts import CountLine, count_drafts
from domain.kitchen.explosion import OrderLine, explode, explode_recipe
from domain.kitchen.stock import StockView
from domain.masterdata import MasterData
from domain.payloads import LotReceived, StockAdjusted, StockMoved
from edge_agent.yaml_config import load_model
from tests.cloud.auth import PASSWORD
from tests.cloud.builders import AgentChain, post_events
from tests.domain.kitchen.conftest import KITCHEN, utc
from tests.domain.kitchen.test_counts_variance import _confirm, grams, line

D = Decimal
MASTER = load_model(KITCHEN / "masterdata.yaml", MasterData)


def scripted_day() -> list[EventDraft]:
    """25–26 November at the wok (docs/kitchen.md, Variance): counted at the start and the
    end, three orders, a thaw batch and a drop; 80 g of chicken and 14.285714285 g of onion gone
    with no event."""
    stock = StockView.of(
        [
            ("chicken-marinated", "wok", LotOnHand("M1", D(2000), date(2026, 11, 28), 1)),
            ("onion", "wok", LotOnHand("O1", D(5000), None, 2)),
            ("chicken-thigh-frozen", "walk-in", LotOnHand("F1", D(10000), None, 3)),
        ]
    )
    opening = [
        CountLine("chicken-marinated", "M1", "wok", grams("2000")),
        CountLine("onion", "O1", "wok", grams("5000")),
        CountLine("chicken-thigh-frozen", "F1", "walk-in", grams("10000")),
    ]
    thaw, stock = _confirm(MASTER, explode_recipe(MASTER, "thaw-chicken", 2), utc(25, 7), stock)
    o1, stock = _confirm(
        MASTER, explode(MASTER, OrderLine("o1", 1, "kung-pao")), utc(25, 12), stock
    )
    big = OrderLine("o2", 1, "kung-pao", 2, ("extra-portion",))
    weighed = {"chicken-marinated": grams("560")}
    o2, stock = _confirm(MASTER, explode(MASTER, big), utc(25, 13), stock, weighed=weighed)
    dropped = StockAdjusted(**line("M1", "-100", "chicken-marinated"), reason="dropped")
    o3, stock = _confirm(
        MASTER, explode(MASTER, OrderLine("o3", 1, "kung-pao")), utc(26, 12), stock
    )
    closing = [
        CountLine("chicken-marinated", "M1", "wok", grams("900")),
        CountLine("onion", "O1", "wok", grams("4700")),
    ]
    return [
        *count_drafts(opening, utc(25), "night-manager"),
        *thaw,
        *o1,
        *o2,
        EventDraft("stock.adjusted", utc(25, 15), dropped),
        *o3,
        *count_drafts(closing, utc(26, 23), "night-manager"),
    ]


@pytest.fixture
def kitchen_site(client: httpx.Client) -> str:
    """A site of the test organisation with the scripted day on it, and nothing else."""
    site = f"kitchen-{secrets.token_hex(3)}"
    chain = AgentChain(agent=f"{site}-agent", site=site)
    chain.add(scripted_day())
    assert post_events(client, chain.agent, chain.events).status_code == 200
    return site


PERIOD = {"from": "2026-11-25", "to": "2026-11-26"}


def test_the_scripted_day_by_item_location_and_day(client: httpx.Client, kitchen_site: str) -> None:
    response = client.get(f"/v1/sites/{kitchen_site}/variance", params=PERIOD)
    assert response.status_code == 200, response.text
    body = response.json()
    rows = {(row["item"], row["location"]): row for row in body["lines"]}
    chicken = rows["chicken-marinated", "wok"]
    figures = ("opening", "received", "used", "waste", "closing", "unexplained")
    assert [D(chicken[f]) for f in figures] == [D(2000), 0, D(920), D(100), D(900), D(80)]
    days = [(d["day"], D(d["used"]), D(d["waste"])) for d in chicken["days"]]
    assert days == [("2026-11-25", D(740), D(100)), ("2026-11-26", D(180), 0)]
    onion = rows["onion", "wok"]
    assert (D(onion["used"]), D(onion["trim_loss"]), D(onion["unexplained"])) == (
        D("285.714285715"),  # each line exact to the ledger's quantum (domain.quantity)
        D("85.714285715"),
        D("14.285714285"),
    )
    frozen = rows["chicken-thigh-frozen", "walk-in"]
    assert (D(frozen["thaw_loss"]), D(frozen["trim_loss"]), D(frozen["unexplained"])) == (
        D(100),
        0,
        0,
    )
    totals = {row["item"]: row for row in body["items"]}
    assert totals["chicken-marinated"]["location"] == "*"
    assert D(totals["chicken-marinated"]["unexplained"]) == D(80)
    assert D(totals["rice-cooked"]["used"]) == D(600)


def test_one_item_and_one_day(client: httpx.Client, kitchen_site: str) -> None:
    """The 26th alone: its opening is the 25th's theoretical close (2000 − 740 − 100)."""
    params = {"from": "2026-11-26", "to": "2026-11-26", "item": "chicken-marinated"}
    body = client.get(f"/v1/sites/{kitchen_site}/variance", params=params).json()
    assert [(row["item"], row["location"]) for row in body["lines"]] == [
        ("chicken-marinated", "wok")
    ]
    (row,) = body["lines"]
    assert (D(row["opening"]), D(row["used"]), D(row["closing"]), D(row["unexplained"])) == (
        D(1160),
        D(180),
        D(900),
        D(80),
    )


def test_the_csv_export(client: httpx.Client, kitchen_site: str) -> None:
    response = client.get(f"/v1/sites/{kitchen_site}/variance", params=PERIOD | {"format": "csv"})
    assert response.headers["content-type"].startswith("text/csv")
    assert (
        f"variance-{kitchen_site}-2026-11-25-2026-11-26.csv"
        in response.headers["content-disposition"]
    )
    rows = list(csv.DictReader(io.StringIO(response.text)))
    chicken = [r for r in rows if r["item"] == "chicken-marinated"]
    assert [(r["day"], r["used"], r["unexplained"]) for r in chicken] == [
        ("", "920", "80"),
        ("2026-11-25", "740", ""),
        ("2026-11-26", "180", ""),
    ]


@pytest.mark.parametrize(
    ("params", "why"),
    [
        ({"from": "2026-11-26", "to": "2026-11-25"}, "to: 2026-11-25 is before from 2026-11-26"),
        ({"from": "2026-01-01", "to": "2027-06-01"}, "to: a report covers at most 366 days"),
        (PERIOD | {"tz": "Mars/Olympus"}, "tz: unknown time zone 'Mars/Olympus'"),
        (PERIOD | {"tz": "America"}, "tz: unknown time zone 'America'"),  # a folder: was 500
    ],
)
def test_a_bad_period_is_refused_with_why(
    client: httpx.Client, params: dict[str, str], why: str
) -> None:
    response = client.get("/v1/sites/site-1/variance", params=params)
    assert response.status_code == 422
    assert response.json()["detail"] == why


def test_a_missing_or_malformed_day_names_the_field(client: httpx.Client) -> None:
    response = client.get("/v1/sites/site-1/variance", params={"from": "25/11/2026"})
    assert response.status_code == 422
    assert {tuple(e["loc"]) for e in response.json()["detail"]} == {
        ("query", "from"),
        ("query", "to"),
    }


def test_another_tenants_site_is_forbidden(client: httpx.Client, database_url: str) -> None:
    create_org_admin(database_url, email=f"rival-{secrets.token_hex(3)}@example.com",
                     password=PASSWORD, org_name="rival-org", site="rival-site")  # fmt: skip
    response = client.get("/v1/sites/rival-site/variance", params=PERIOD)
    assert response.status_code == 403
    assert "lacks stock.read at site 'rival-site'" in response.json()["detail"]


def test_moved_stock_is_explained_at_both_ends(client: httpx.Client) -> None:
    """400 g carried from the cold room to the wok: transferred out of one and into the other,
    nothing unexplained at either (before the column existed, both showed as loss and gain)."""
    received = {"item": "chicken", "lot": "C1", "location": "cold-1", "qty": "1000", "unit": "g"}
    moved = {**received, "qty": "400", "to_location": "wok"}
    drafts = [
        EventDraft("lot.received", utc(25, 10), LotReceived(**received)),
        EventDraft("stock.moved", utc(25, 11), StockMoved(**moved)),
    ]
    answer = post_events(client, "mover-1", AgentChain(agent="mover-1", site="site-2").add(drafts))
    assert answer.status_code == 200, answer.text
    report = client.get("/v1/sites/site-2/variance", params=PERIOD).json()
    figures = {
        row["location"]: (D(row["received"]), D(row["transferred"]), D(row["closing"]),
                          D(row["unexplained"]))
        for row in report["lines"]
    }  # fmt: skip
    assert figures == {"cold-1": (1000, -400, 600, 0), "wok": (0, 400, 400, 0)}
    header = client.get("/v1/sites/site-2/variance", params={**PERIOD, "format": "csv"}).text
    assert "transferred" in header.splitlines()[0].split(",")
