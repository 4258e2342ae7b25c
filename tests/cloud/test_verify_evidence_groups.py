"""``verify``'s evidence check reads stored events back for many signed batches at once
(``cloud.identity.evidence_audit.GROUP`` per query): the finding must still be the first in
seq order, wherever the groups are cut."""

from __future__ import annotations

import base64

import httpx
import pytest

from cloud.identity.audit import audit_site
from cloud.identity.evidence_audit import GROUP
from tests.cloud.builders import AgentChain, consumed, post_events, received
from tests.cloud.test_verify_signed_evidence import rewrite_from, sql

BATCHES = GROUP * 2 + 10


@pytest.fixture
def long_chain(client: httpx.Client) -> AgentChain:
    """agent-1 of site-1 with one event per batch, over more than two groups."""
    chain = AgentChain()
    assert post_events(client, chain.agent, chain.add([received("L1", "500")])).status_code == 200
    for _ in range(BATCHES - 1):
        assert post_events(client, chain.agent, chain.add([consumed("L1", "1")])).status_code == 200
    return chain


def _forge_signature(database_url: str, seq: int) -> None:
    forged = base64.b64encode(bytes(64)).decode()
    assert sql(database_url, "UPDATE batch_signatures SET signature = decode(%s, 'base64') "
               "WHERE first_seq = %s", (forged, seq)) == 1  # fmt: skip


def test_a_long_chain_verifies_and_a_rewrite_in_a_later_group_is_found(
    database_url: str, long_chain: AgentChain
) -> None:
    assert audit_site(database_url, "site-1").broken == []
    rewrite_from(database_url, "agent-1", GROUP + 11, "2")

    (broken,) = audit_site(database_url, "site-1").broken

    assert (broken.agent, broken.seq) == ("agent-1", GROUP + 11)
    assert "not the event the agent signed" in broken.problem


def test_a_rewrite_is_reported_before_a_later_forged_signature_of_its_group(
    database_url: str, long_chain: AgentChain
) -> None:
    rewrite_from(database_url, "agent-1", GROUP + 3, "2")
    _forge_signature(database_url, GROUP + 7)  # same group, later: found second

    (broken,) = audit_site(database_url, "site-1").broken

    assert (broken.agent, broken.seq) == ("agent-1", GROUP + 3)
    assert "not the event the agent signed" in broken.problem


def test_a_forged_signature_is_reported_before_a_later_rewrite(
    database_url: str, long_chain: AgentChain
) -> None:
    _forge_signature(database_url, GROUP - 1)
    rewrite_from(database_url, "agent-1", GROUP + 5, "2")

    (broken,) = audit_site(database_url, "site-1").broken

    assert (broken.agent, broken.seq) == ("agent-1", GROUP - 1)
    assert "the signature does not verify" in broken.problem
