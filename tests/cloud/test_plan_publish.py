"""``POST /v1/sites/{site}/plans`` over real ingest, PostgreSQL and HTTP: the restaurant's
eight weeks of rice become a signed ``plan`` document in the site's down-channel, served to
the site's agent and no other, with the next 7 days' p50 and p90 per day."""

from __future__ import annotations

import secrets
from datetime import timedelta

import httpx

from cloud.auth.bootstrap import create_org_admin
from domain.downlink import parse_document
from domain.replenishment.plan_document import SitePlan
from tests.cloud.auth import PASSWORD, login
from tests.cloud.builders import enrol_agent
from tests.cloud.test_downlink import documents, inbox
from tests.cloud.test_replenishment import TODAY, restaurant  # noqa: F401 - the fixture

AS_OF = TODAY


def test_the_plan_goes_down_signed_with_seven_days_of_quantiles(
    restaurant: httpx.Client,  # noqa: F811 - the fixture
    database_url: str,
) -> None:
    enrol_agent(database_url, "site-1-agent-plan", "site-1")

    answer = restaurant.post(
        "/v1/sites/site-1/plans", params={"as_of": str(AS_OF), "history_days": 56}
    )

    assert answer.status_code == 201, answer.text
    sent = SitePlan.model_validate(answer.json()["plan"])
    assert (sent.site, sent.as_of, sent.first_day, sent.horizon_days) == (
        "site-1", AS_OF, AS_OF + timedelta(days=1), 7
    )  # fmt: skip
    (rice,) = sent.lines
    assert (rice.item, rice.unit, rice.group) == ("rice", "g", "smooth")
    assert [d.on for d in rice.days] == [AS_OF + timedelta(days=n) for n in range(1, 8)]
    # sales of 8 kg on weekdays and 12 kg at weekends: each day's median is in that range,
    # and p90 is never below p50
    assert all(6_000 <= d.p50 <= 14_000 for d in rice.days), rice.days
    assert all(d.p90 >= d.p50 for d in rice.days)
    assert any(d.p90 > d.p50 for d in rice.days)
    *_, signed = documents(inbox(restaurant, "site-1-agent-plan"))  # after the master data's
    document = parse_document(signed, site="site-1")
    assert (document.seq, document.kind) == (answer.json()["seq"], "plan")
    assert SitePlan.model_validate(document.content) == sent


def test_a_reader_or_another_org_cannot_send_a_plan(
    restaurant: httpx.Client,  # noqa: F811 - the fixture
    api_url: str,
    database_url: str,
) -> None:
    head = restaurant.get("/v1/sites/site-1/downlink").json()["head"]
    email = f"rival-{secrets.token_hex(3)}@example.com"
    create_org_admin(database_url, email=email, password=PASSWORD, org_name="rival-org",
                     site="rival-site")  # fmt: skip
    token = login(api_url, email)["access_token"]
    with httpx.Client(base_url=api_url, timeout=60,
                      headers={"Authorization": f"Bearer {token}"}) as rival:  # fmt: skip
        refused = rival.post("/v1/sites/site-1/plans", params={"as_of": str(AS_OF)})

    assert refused.status_code == 403
    assert "lacks stock.adjust at site 'site-1'" in refused.json()["detail"]
    assert restaurant.get("/v1/sites/site-1/downlink").json()["head"] == head


def test_a_bad_day_is_refused_by_name(restaurant: httpx.Client) -> None:  # noqa: F811
    answer = restaurant.post("/v1/sites/site-1/plans", params={"as_of": "2026-13-01"})

    assert answer.status_code == 422
    assert "as_of" in answer.text
