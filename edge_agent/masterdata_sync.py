"""The master data an agent starts with: the cloud's, else the last copy cached, else the file.

At start the agent asks the cloud for its site's document (a GET signed with its key, with a
short timeout so a site without internet starts at once). A document it gets is checked by
``domain.masterdata.MasterData`` and written atomically beside the store
(``<store>.masterdata.json``), so the next start without the cloud still runs on it. When the
cloud is unreachable, refuses the agent or holds no document, the cache is used, and without
a cache the ``masterdata:`` file of the agent config. While running, a new version reaches the
agent through its down-channel (``edge_agent.downlink``), which writes this cache too.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from pydantic import ValidationError

from domain.masterdata import MasterData
from edge_agent.config import AgentConfig, load_masterdata
from edge_agent.identity import KeyFile, KeyUnavailable

log = logging.getLogger(__name__)

SUFFIX = ".masterdata.json"
TIMEOUT_S = 3.0
"""How long start-up waits for the cloud's answer before falling back to the cache."""


class Source(StrEnum):
    CLOUD = "cloud"
    CACHE = "cache"
    FILE = "file"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class SiteMasterData:
    master: MasterData
    source: Source
    version: int | None
    """The cloud's version of the document (None when it came from a file, or nowhere)."""


class LatestMasterData:
    """The master data the agent has taken most recently, for parts that read it when they
    act (a receipt's put-away) rather than keep their own copy: a down-channel taker."""

    def __init__(self, master: MasterData) -> None:
        self.master = master

    def get(self) -> MasterData:
        return self.master

    def use_masterdata(self, master: MasterData) -> None:
        self.master = master


def cache_path(store: Path) -> Path:
    return store.with_name(store.name + SUFFIX)


def masterdata_at_start(config: AgentConfig, *, timeout_s: float = TIMEOUT_S) -> SiteMasterData:
    """The master data to run on, and where it came from (logged with its version)."""
    cache = cache_path(config.store.path)
    chosen = _from_cloud(config, timeout_s)
    if chosen is not None:
        write_cache(cache, config.agent.site, chosen)
    else:
        chosen = _from_cache(cache, config.agent.site) or _from_file(config)
    log.info("master data from %s (version %s)", chosen.source, chosen.version)
    return chosen


def _from_cloud(config: AgentConfig, timeout_s: float) -> SiteMasterData | None:
    url = f"{str(config.cloud.url).rstrip('/')}/v1/agents/{config.agent.id}/masterdata"
    try:
        signature = KeyFile(config.cloud.key).current().sign_request("GET", urlsplit(url).path, b"")
        response = httpx.get(url, headers=signature, timeout=timeout_s)
    except (KeyUnavailable, httpx.HTTPError) as exc:
        log.warning("master data: cannot ask the cloud (%s)", str(exc) or type(exc).__name__)
        return None
    if response.status_code != 200:
        log.warning("master data: the cloud answered %d: %s", response.status_code,
                    response.text[:300])  # fmt: skip
        return None
    try:
        body = response.json()
    except ValueError:
        log.error("master data: the cloud's answer is not JSON")
        return None
    return _checked(body, config.agent.site, Source.CLOUD, url)


def _from_cache(path: Path, site: str) -> SiteMasterData | None:
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.error("master data: cache %s unreadable, not used: %s", path, exc)
        return None
    return _checked(body, site, Source.CACHE, str(path))


def _from_file(config: AgentConfig) -> SiteMasterData:
    source = Source.NONE if config.masterdata is None else Source.FILE
    return SiteMasterData(load_masterdata(config), source, None)


def _checked(body: Any, site: str, source: Source, origin: str) -> SiteMasterData | None:
    """The document in ``body`` (the cloud's answer, or the cache of it), or None if unusable."""
    if not isinstance(body, dict) or not isinstance(body.get("version"), int):
        log.error("master data from %s: no version and document in it", origin)
        return None
    if body.get("site") != site:
        log.error("master data from %s is for site %r, not %r", origin, body.get("site"), site)
        return None
    try:
        master = MasterData.model_validate(body.get("document"))
    except ValidationError as exc:
        fields = "; ".join(
            f"{'.'.join(str(part) for part in e['loc']) or '(document)'}: {e['msg']}"
            for e in exc.errors()
        )
        log.error("master data from %s refused: %s", origin, fields)
        return None
    return SiteMasterData(master, source, body["version"])


def write_cache(path: Path, site: str, data: SiteMasterData) -> None:
    """Replace the cache in one step, so a crash leaves the old copy or the new, never half."""
    body = {"site": site, "version": data.version, "document": data.master.model_dump(mode="json")}
    try:
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=path.parent, prefix=path.name, delete=False
        ) as tmp:
            json.dump(body, tmp)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.replace(tmp.name, path)
    except OSError as exc:
        log.warning("master data: cannot cache it at %s: %s", path, exc)
