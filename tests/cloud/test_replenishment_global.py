"""The global model served by the replenishment API over real ingest, PostgreSQL and HTTP:
before ``edgestock replenish fit`` the restaurant's rice (a smooth item) is planned with the
statistical method and the answer says why; after it, with the site's global model; a second
fit the same day keeps the model; a plan for a day before the model's data falls back."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from typing import Any

import httpx
import psycopg

from tests.cloud.live import database_of
from tests.cloud.test_replenishment import TODAY, WEEKS, restaurant  # noqa: F401 (the fixture)

HISTORY = 7 * WEEKS


def fit(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "-m", "edgestock", "replenish", "fit", "--site", "site-1",
         "--today", str(TODAY), "--history-days", str(HISTORY), *args],
        env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def plan(client: httpx.Client, today: str = str(TODAY)) -> tuple[dict[str, Any], dict[str, Any]]:
    answer = client.get(
        "/v1/sites/site-1/replenishment", params={"today": today, "history_days": HISTORY}
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    (rice,) = [i for i in body["items"] if i["item"] == "rice"]
    return body, rice


def test_the_api_serves_the_global_model_once_fitted_and_says_why_not_before(
    restaurant: httpx.Client,  # noqa: F811
) -> None:
    body, rice = plan(restaurant)
    assert rice["demand_group"] == "smooth"
    assert (rice["method"], rice["method_chosen"]) == ("ets+known", "lightgbm")
    assert "no global model is fitted for this site yet" in str(rice["method_note"])
    assert body["global_model"] == {"fitted_at": None, "as_of": None}

    url = database_of(str(restaurant.base_url).rstrip("/"))
    done = fit(url)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("site-1: fitted in "), done.stdout
    assert "no model kept yet; 1 items" in done.stdout

    body, rice = plan(restaurant)
    assert (rice["method"], rice["method_note"]) == ("lightgbm", "")
    assert body["global_model"]["as_of"] == str(TODAY)
    # eight weeks of 8 kg on weekdays and 12 kg at weekends (in grams): 9.14 kg a day
    assert abs(float(rice["demand_per_day"]) - 64_000 / 7) < 0.1 * 64_000 / 7
    p50, p90 = rice["forecast_p50"], rice["forecast_p90"]
    assert isinstance(p50, list)
    assert isinstance(p90, list)
    assert all(8_000 * 0.95 <= v <= 12_000 * 1.05 for v in p50)
    assert all(high >= low for low, high in zip(p50, p90, strict=True))

    again = fit(url)
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("site-1: kept (the kept model is fresh"), again.stdout

    _, earlier = plan(restaurant, str(TODAY - timedelta(days=7)))
    assert earlier["method"] == "ets+known"
    assert f"learned from demand up to {TODAY}" in str(earlier["method_note"])


def test_an_unreadable_kept_model_falls_back_with_the_reason(
    restaurant: httpx.Client,  # noqa: F811
) -> None:
    url = database_of(str(restaurant.base_url).rstrip("/"))
    assert fit(url).returncode == 0
    with psycopg.connect(url) as conn:
        conn.execute('UPDATE global_models SET model = \'{"mean": "not a booster"}\'')

    _, rice = plan(restaurant)

    assert rice["method"] == "ets+known"
    assert "global model fitted" in rice["method_note"]
    assert "could not be read" in rice["method_note"]
    assert "edgestock replenish fit --force" in rice["method_note"]
    assert float(rice["demand_per_day"]) > 0


def test_a_bad_day_is_refused_by_name(restaurant: httpx.Client) -> None:  # noqa: F811
    done = fit(database_of(str(restaurant.base_url).rstrip("/")), "--today", "5 Dec")
    assert done.returncode == 2
    assert "'5 Dec' is not a day (YYYY-MM-DD)" in done.stderr
