"""A lab's quality check recorded in the cloud, over real HTTP and PostgreSQL: stored as a
``quality.checked`` event in the site's chain of checks, and a failure sent to the site's
edge as a signed hold of what it covers; a pass holds nothing; bad checks are refused."""

from __future__ import annotations

import httpx
import psycopg

from domain.downlink import parse_document
from tests.cloud.builders import enrol_agent
from tests.cloud.live import database_of
from tests.cloud.test_downlink import documents, inbox

CHECK = {"item": "flour", "lot": "F-1", "location": "store", "result": "fail",
         "allergen": True, "allergens": ["peanut"], "report": "LAB-881",
         "measurements": {"peanut_ppm": "14"}}  # fmt: skip


def test_a_failed_check_is_stored_and_held_at_the_edge(
    client: httpx.Client, database_url: str
) -> None:
    enrol_agent(database_url, "site-1-agent-q", "site-1")

    failed = client.post("/v1/sites/site-1/quality-checks", json=CHECK)
    passed = client.post("/v1/sites/site-1/quality-checks",
                         json=CHECK | {"result": "pass", "lot": "F-2"})  # fmt: skip

    assert failed.status_code == 201, failed.text
    assert failed.json() == {"site": "site-1", "seq": 1, "hold_seq": 1}
    assert passed.json() == {"site": "site-1", "seq": 2, "hold_seq": None}
    [document] = documents(inbox(client, "site-1-agent-q"))
    hold = parse_document(document, site="site-1").hold()
    assert (hold.action, hold.item, hold.lot, hold.location) == ("hold", "flour", "F-1", "store")
    assert hold.reason == "quality check failed (allergen: peanut), report LAB-881"
    with psycopg.connect(database_of(str(client.base_url).rstrip("/"))) as conn:
        stored = conn.execute(
            "SELECT agent, seq, data ->> 'lot', data ->> 'result' FROM events"
            " WHERE type = 'quality.checked' ORDER BY seq"
        ).fetchall()
    assert stored == [("quality@site-1", 1, "F-1", "fail"), ("quality@site-1", 2, "F-2", "pass")]


def test_bad_checks_are_refused_naming_the_field(client: httpx.Client) -> None:
    no_flag = client.post("/v1/sites/site-1/quality-checks", json=CHECK | {"allergen": False})
    bad_result = client.post("/v1/sites/site-1/quality-checks", json=CHECK | {"result": "ok"})
    unknown = client.post("/v1/sites/no-such-site/quality-checks", json=CHECK)

    assert no_flag.status_code == bad_result.status_code == 422
    assert "allergen must be true" in no_flag.text
    assert bad_result.json()["detail"][0]["loc"] == ["body", "result"]
    assert unknown.status_code == 404
    assert client.get("/v1/sites/site-1/downlink").json()["head"] == 0
