"""The down-channel in the cloud, over real HTTP on a real PostgreSQL: operators issue signed,
numbered documents for a site; its agents, and only they, read them and ack them."""

from __future__ import annotations

import asyncio
import base64
import secrets
import threading
import time

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from psycopg import AsyncConnection

from cloud.auth.bootstrap import create_org_admin
from cloud.downlink import keys
from domain.downlink import KINDS, SignedDocument, key_id, parse_document, signing_message
from tests.cloud.auth import PASSWORD, login
from tests.cloud.builders import enrol_agent, signed, signer
from tests.cloud.test_identity_enrolment import enrol
from tests.cloud.test_masterdata import kitchen_document

HOLD = {"action": "hold", "item": "chicken", "lot": "L1", "reason": "supplier recall 42"}


def inbox(client: httpx.Client, agent: str, after: int = 0, wait_s: float = 0) -> httpx.Response:
    return signed(client, "GET", f"/v1/agents/{agent}/inbox?after={after}&wait_s={wait_s}", agent)


def documents(answer: httpx.Response) -> list[SignedDocument]:
    assert answer.status_code == 200, answer.text
    return [SignedDocument.model_validate(d) for d in answer.json()["documents"]]


def test_holds_are_numbered_signed_and_served_to_the_sites_agent(
    client: httpx.Client, database_url: str
) -> None:
    enrol_agent(database_url, "site-1-agent-dl", "site-1")
    for lot in ("L1", "L2", "L3"):
        issued = client.post("/v1/sites/site-1/holds", json=HOLD | {"lot": lot})
        assert issued.status_code == 201, issued.text
    [key] = client.get("/v1/downlink/keys").json()
    public = base64.b64decode(key["public_key"])

    got = documents(inbox(client, "site-1-agent-dl"))

    assert [d.seq for d in got] == [1, 2, 3]
    for document in got:
        assert document.kid == key["kid"] == key_id(public)
        Ed25519PublicKey.from_public_bytes(public).verify(
            base64.b64decode(document.signature), signing_message(document.body.encode())
        )  # raises if it does not verify
    parsed = [parse_document(d, site="site-1") for d in got]
    assert [p.hold().lot for p in parsed] == ["L1", "L2", "L3"]
    assert parsed[0].issued_by.startswith("admin-")
    assert [d.seq for d in documents(inbox(client, "site-1-agent-dl", after=2))] == [3]


def test_an_ack_is_recorded_never_goes_back_and_cannot_run_ahead(
    client: httpx.Client, database_url: str
) -> None:
    agent = "site-1-agent-ack"
    enrol_agent(database_url, agent, "site-1")
    client.post("/v1/sites/site-1/holds", json=HOLD)
    client.post("/v1/sites/site-1/holds", json=HOLD | {"action": "release"})
    path = f"/v1/agents/{agent}/inbox/ack"

    assert signed(client, "POST", path, agent, b'{"seq": 2}').json() == {"agent": agent, "seq": 2}
    assert signed(client, "POST", path, agent, b'{"seq": 1}').json()["seq"] == 2
    ahead = signed(client, "POST", path, agent, b'{"seq": 3}')
    assert ahead.status_code == 409
    assert "past the site's last document (2)" in ahead.json()["message"]
    bad = signed(client, "POST", path, agent, b'{"seq": -1}')
    assert bad.status_code == 422
    outbox = client.get("/v1/sites/site-1/downlink").json()
    assert outbox["head"] == 2
    assert [(a["agent"], a["seq"]) for a in outbox["acks"]] == [(agent, 2)]


def test_an_agent_reads_only_its_own_sites_documents(
    client: httpx.Client, database_url: str
) -> None:
    create_org_admin(database_url, email=f"rival-{secrets.token_hex(3)}@example.com",
                     password=PASSWORD, org_name="rival-org", site="rival-site")  # fmt: skip
    enrol_agent(database_url, "site-1-agent-x", "site-1")
    enrol_agent(database_url, "site-2-agent-x", "site-2")
    client.post("/v1/sites/site-1/holds", json=HOLD | {"reason": "for site 1 only"})

    assert documents(inbox(client, "site-2-agent-x")) == []
    # signed by site-2's agent while naming site-1's: the key is not that agent's
    path = "/v1/agents/site-1-agent-x/inbox"
    headers = signer("site-2-agent-x").sign_request("GET", path, b"")
    forged = client.get(path, headers=headers)
    assert forged.status_code == 401
    assert forged.json()["error"] == "unknown_key"
    assert httpx.get(f"{client.base_url}{path}").status_code == 401


def test_another_tenant_cannot_issue_or_read_documents_of_our_site(
    client: httpx.Client, api_url: str, database_url: str
) -> None:
    email = f"rival-{secrets.token_hex(3)}@example.com"
    create_org_admin(database_url, email=email, password=PASSWORD, org_name="rival-org",
                     site="rival-site")  # fmt: skip
    token = login(api_url, email)["access_token"]
    client.post("/v1/sites/site-1/holds", json=HOLD)
    with httpx.Client(base_url=api_url, timeout=30,
                      headers={"Authorization": f"Bearer {token}"}) as rival:  # fmt: skip
        hold = rival.post("/v1/sites/site-1/holds", json=HOLD)
        read = rival.get("/v1/sites/site-1/downlink")
        own = rival.get("/v1/sites/rival-site/downlink")

    assert (hold.status_code, read.status_code) == (403, 403)
    assert "lacks quarantine.release at site 'site-1'" in hold.json()["detail"]
    assert own.status_code == 200
    assert own.json()["documents"] == []
    assert client.get("/v1/sites/site-1/downlink").json()["head"] == 1


def test_bad_orders_are_refused_naming_the_field(client: httpx.Client) -> None:
    no_reason = client.post("/v1/sites/site-1/holds", json={**HOLD, "reason": ""})
    bad_action = client.post("/v1/sites/site-1/holds", json={**HOLD, "action": "freeze"})
    unknown_site = client.post("/v1/sites/no-such-site/holds", json=HOLD)

    assert no_reason.status_code == bad_action.status_code == 422
    assert no_reason.json()["detail"][0]["loc"] == ["body", "reason"]
    assert bad_action.json()["detail"][0]["loc"] == ["body", "action"]
    assert unknown_site.status_code == 404
    assert client.get("/v1/sites/site-1/downlink").json()["head"] == 0


def test_master_data_and_transfer_documents_go_down_too(
    client: httpx.Client, database_url: str
) -> None:
    enrol_agent(database_url, "site-1-agent-md", "site-1")
    enrol_agent(database_url, "site-2-agent-md", "site-2")
    assert client.put("/v1/sites/site-1/masterdata", json=kitchen_document()).status_code == 200
    order = {"transfer": "T-7", "to_site": "site-2", "to_location": "cold-1",
             "lines": [{"item": "chicken", "qty": "5", "unit": "kg"}]}  # fmt: skip
    sent = client.post("/v1/sites/site-1/transfers", json=order)  # no approval steps: sent
    assert sent.status_code == 201, sent.text

    sender = [parse_document(d, site="site-1") for d in documents(inbox(client, "site-1-agent-md"))]
    receiver = [
        parse_document(d, site="site-2") for d in documents(inbox(client, "site-2-agent-md"))
    ]

    assert [(d.seq, d.kind) for d in sender] == [(1, "masterdata"), (2, "transfer.ship")]
    assert sender[0].content == {"version": 1, "document": kitchen_document()}
    assert [(d.seq, d.kind) for d in receiver] == [(1, "transfer.expect")]
    assert sender[1].content == receiver[0].content
    assert (receiver[0].content["transfer"], receiver[0].content["from_site"]) == ("T-7", "site-1")


def test_a_long_poll_answers_as_soon_as_a_document_is_issued(
    client: httpx.Client, database_url: str
) -> None:
    enrol_agent(database_url, "site-1-agent-lp", "site-1")
    issued_at: list[float] = []

    def issue_soon() -> None:
        # give the poll time to be waiting; if it is not yet, it answers at once, and every
        # assertion below still holds
        time.sleep(0.5)
        issued_at.append(time.monotonic())
        client.post("/v1/sites/site-1/holds", json=HOLD)

    issuer = threading.Thread(target=issue_soon)
    issuer.start()
    started = time.monotonic()
    answer = inbox(client, "site-1-agent-lp", wait_s=20)
    answered = time.monotonic()
    issuer.join(timeout=30)

    assert [d.seq for d in documents(answer)] == [1]
    assert answered - started < 15  # well before the 20 s the poll could be held
    assert answered - issued_at[0] < 5
    empty = inbox(client, "site-1-agent-lp", after=1, wait_s=0.2)
    assert documents(empty) == []


def test_enrolment_tells_the_device_the_keys_to_trust(client: httpx.Client) -> None:
    code = client.post("/v1/sites/site-1/enrolment-codes", json={}).json()["code"]
    enrolled = enrol(httpx.Client(base_url=client.base_url, timeout=30), code)

    assert enrolled.status_code == 201, enrolled.text
    keys = client.get("/v1/downlink/keys").json()
    assert enrolled.json()["downlink_keys"] == [k["public_key"] for k in keys]


def test_a_rotated_key_signs_new_documents_and_the_old_ones_stay_verifiable(
    client: httpx.Client, database_url: str
) -> None:
    enrol_agent(database_url, "site-1-agent-rot", "site-1")
    client.post("/v1/sites/site-1/holds", json=HOLD)
    [old] = client.get("/v1/downlink/keys").json()

    async def rotate_then_retire_old() -> str:
        async with await AsyncConnection.connect(database_url) as conn, conn.transaction():
            new_kid = await keys.rotate(conn)
            assert await keys.retire(conn, old["kid"])
            return new_kid

    new_kid = asyncio.run(rotate_then_retire_old())
    client.post("/v1/sites/site-1/holds", json=HOLD | {"lot": "L2"})

    listed = client.get("/v1/downlink/keys").json()
    assert [(k["kid"], k["signing"]) for k in listed] == [(new_kid, True), (old["kid"], False)]
    first, second = documents(inbox(client, "site-1-agent-rot"))
    assert (first.kid, second.kid) == (old["kid"], new_kid)
    for document, key in ((first, old), (second, listed[0])):
        public = Ed25519PublicKey.from_public_bytes(base64.b64decode(key["public_key"]))
        public.verify(base64.b64decode(document.signature), signing_message(document.body.encode()))


def test_me_is_the_agent_whose_key_signed(client: httpx.Client, database_url: str) -> None:
    enrol_agent(database_url, "site-1-agent-me", "site-1")
    enrol_agent(database_url, "site-2-agent-me", "site-2")
    client.post("/v1/sites/site-1/holds", json=HOLD)

    ours = signed(client, "GET", "/v1/agents/me/inbox", "site-1-agent-me")
    theirs = signed(client, "GET", "/v1/agents/me/inbox", "site-2-agent-me")
    acked = signed(client, "POST", "/v1/agents/me/inbox/ack", "site-1-agent-me", b'{"seq": 1}')
    unsigned = httpx.get(f"{client.base_url}/v1/agents/me/inbox")

    assert [d.seq for d in documents(ours)] == [1]
    assert (theirs.json()["site"], documents(theirs)) == ("site-2", [])
    assert acked.json() == {"agent": "site-1-agent-me", "seq": 1}
    assert unsigned.status_code == 401
    assert unsigned.json()["error"] == "unsigned"


def test_the_database_takes_every_kind_the_domain_knows(database_url: str) -> None:
    """Each migration that adds a kind rewrites the table's check whole: one numbered
    before another's rewrite is undone by it (0185 would have been, by 0190)."""

    async def allowed() -> str:
        async with await AsyncConnection.connect(database_url) as conn:
            cur = await conn.execute(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint"
                " WHERE conname = 'downlink_documents_kind_check'"
            )
            row = await cur.fetchone()
        assert row is not None
        return str(row[0])

    check = asyncio.run(allowed())
    assert [kind for kind in KINDS if f"'{kind}'" not in check] == []
