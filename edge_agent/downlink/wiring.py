"""The down-channel of an agent config, built for ``agent.build``."""

from __future__ import annotations

import logging

from edge_agent.backoff import Backoff
from edge_agent.config import AgentConfig
from edge_agent.downlink.apply import DocumentApplier, MasterDataListener
from edge_agent.downlink.client import InboxClient
from edge_agent.downlink.poller import Downlink
from edge_agent.downlink.verify import CloudKeys
from edge_agent.identity import KeyFile
from edge_agent.store import EdgeStore
from edge_agent.writer import GroupCommitWriter

__all__ = ["Downlink", "build_downlink"]

log = logging.getLogger(__name__)


def build_downlink(
    config: AgentConfig,
    store: EdgeStore,
    writer: GroupCommitWriter,
    listeners: list[MasterDataListener],
) -> Downlink | None:
    """The agent's down-channel, or None when it is off or no cloud key is trusted."""
    settings = config.downlink
    if not settings.enabled:
        return None
    keys = CloudKeys(settings.cloud_keys)
    if not keys:
        log.warning("downlink: no cloud key to trust (downlink.cloud_keys, written by enrolment):"
                  " the cloud's documents are not fetched")  # fmt: skip
        return None
    applier = DocumentApplier(store, writer)
    applier.masterdata_listeners.extend(listeners)
    client = InboxClient(str(config.cloud.url), config.agent.id, KeyFile(config.cloud.key),
                         timeout_s=settings.timeout_s)  # fmt: skip
    return Downlink(
        site=config.agent.site,
        store=store,
        client=client,
        keys=keys,
        applier=applier,
        backoff=Backoff(settings.backoff_initial_s, settings.backoff_max_s),
        wait_s=settings.wait_s,
    )
