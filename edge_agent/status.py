"""What the running agent tells the people who look after it: every device's counters, the
anomaly model's mode and the sync state, written every few seconds beside the store
(``<store>.status.json``) for ``edgestock agent status`` to show. The file is replaced
atomically, so a reader never sees half of it."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from edge_agent.adapters.base import DeviceAdapter
from edge_agent.syncer import SyncStatus

SUFFIX = ".status.json"


def status_path(store: Path) -> Path:
    return store.with_name(store.name + SUFFIX)


def snapshot(
    adapters: list[DeviceAdapter], sync: SyncStatus, anomaly_mode: str | None
) -> dict[str, Any]:
    devices: dict[str, Mapping[str, object]] = {}
    for adapter in adapters:
        for device, counters in adapter.counters().items():
            devices[device] = {"adapter": adapter.name, **counters.as_dict()}
    return {
        "at": datetime.now(UTC).isoformat(),
        "pid": os.getpid(),
        "anomaly_mode": anomaly_mode,
        "sync": asdict(sync),
        "devices": devices,
    }


def write_status(path: Path, status: Mapping[str, Any]) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(status, indent=1, default=str), encoding="utf-8")
    temporary.replace(path)


def read_status(path: Path) -> dict[str, Any] | None:
    try:
        loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return loaded
