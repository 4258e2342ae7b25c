"""An agent starts on its site's master data from the cloud, else its cache, else its file.

Against the real cloud API (uvicorn on 127.0.0.1, embedded PostgreSQL): the document an
operator PUT comes down signed by the agent's key; with the API stopped the agent starts on
the copy it cached, and without a cache on the ``masterdata:`` file.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from cloud.settings import CloudSettings
from edge_agent.agent import build
from edge_agent.config import AgentConfig, load_agent_config
from edge_agent.masterdata_sync import SiteMasterData, Source, cache_path, masterdata_at_start
from provisioning.keys import DeviceKey
from tests.cloud.auth import admin_client
from tests.cloud.builders import enrol_agent, key_of
from tests.cloud.live import running_api
from tests.pg import database_url, migrated_template, postgres_server

__all__ = ["database_url", "migrated_template", "postgres_server"]

AGENT, SITE = "agent-md", "site-1"


def master_of(*items: str) -> dict[str, Any]:
    return {"items": [{"id": item, "name": item.title(), "base_unit": "g"} for item in items]}


@pytest.fixture
def cloud(database_url: str) -> Iterator[httpx.Client]:
    """The API, and an org admin of ``SITE`` to edit its master data."""
    with (
        running_api(CloudSettings(database_url=database_url, pool_max_size=4)) as url,
        admin_client(url, database_url, SITE) as admin,
    ):
        yield admin


def agent_config(tmp_path: Path, cloud_url: str) -> AgentConfig:
    """An enrolled agent of ``SITE`` whose ``masterdata:`` file holds only ``file-item``."""
    (tmp_path / "masterdata.yaml").write_text("items: [{id: file-item, name: F, base_unit: g}]")
    config = tmp_path / "agent.yaml"
    config.write_text(
        f"agent: {{id: {AGENT}, site: {SITE}}}\n"
        f'cloud: {{url: "{cloud_url}", key: agent.key}}\n'
        "store: {path: agent.db}\n"
        "masterdata: masterdata.yaml\n"
    )
    return load_agent_config(config)


@pytest.fixture
def enrolled(tmp_path: Path, database_url: str) -> Path:
    enrol_agent(database_url, AGENT, SITE)
    DeviceKey(key_of(AGENT)).write_private(tmp_path / "agent.key")
    return tmp_path


def item_ids(chosen: SiteMasterData) -> list[str]:
    return [item.id for item in chosen.master.items]


def test_the_clouds_document_is_used_and_cached_then_the_cache_once_the_cloud_is_down(
    database_url: str, enrolled: Path
) -> None:
    settings = CloudSettings(database_url=database_url, pool_max_size=4)
    with running_api(settings) as url, admin_client(url, database_url, SITE) as admin:
        admin.put(f"/v1/sites/{SITE}/masterdata", json=master_of("rice")).raise_for_status()
        admin.put(f"/v1/sites/{SITE}/masterdata", json=master_of("rice", "tofu"))
        config = agent_config(enrolled, url)
        online = masterdata_at_start(config)

    offline = masterdata_at_start(config)

    assert (online.source, online.version, item_ids(online)) == (Source.CLOUD, 2, ["rice", "tofu"])
    assert (offline.source, offline.version, item_ids(offline)) == (
        Source.CACHE,
        2,
        ["rice", "tofu"],
    )
    assert not list(enrolled.glob("agent.db.masterdata.json?*"))  # no temporary file left


def test_without_cloud_or_cache_the_file_is_used(tmp_path: Path) -> None:
    DeviceKey(key_of(AGENT)).write_private(tmp_path / "agent.key")
    config = agent_config(tmp_path, "http://127.0.0.1:9")

    chosen = masterdata_at_start(config, timeout_s=1)

    assert (chosen.source, chosen.version, item_ids(chosen)) == (Source.FILE, None, ["file-item"])


def test_a_cloud_without_a_document_falls_back_to_the_file(
    cloud: httpx.Client, enrolled: Path
) -> None:
    chosen = masterdata_at_start(agent_config(enrolled, str(cloud.base_url)))

    assert (chosen.source, item_ids(chosen)) == (Source.FILE, ["file-item"])


def test_a_corrupt_cache_is_named_and_skipped(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = agent_config(tmp_path, "http://127.0.0.1:9")
    cache = cache_path(config.store.path)
    cache.write_text('{"site": "site-1", "version": 3, "document": {"items": [{"id": "x"}]}}')

    with caplog.at_level(logging.ERROR):
        chosen = masterdata_at_start(config, timeout_s=1)

    assert chosen.source is Source.FILE
    assert f"master data from {cache} refused: items.0.name: Field required" in caplog.text


def test_the_agent_builds_on_the_clouds_master_data(
    cloud: httpx.Client, enrolled: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cloud.put(f"/v1/sites/{SITE}/masterdata", json=master_of("rice")).raise_for_status()
    config = agent_config(enrolled, str(cloud.base_url))

    with caplog.at_level(logging.INFO, logger="edge_agent.masterdata_sync"):
        runtime = build(config)
    asyncio.run(runtime.syncer.aclose())
    runtime.store.close()

    assert "master data from cloud (version 1)" in caplog.text
