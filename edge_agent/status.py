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


STALE_AFTER_S = 30.0
"""The agent rewrites its report every 5 s: six missed rewrites mean it is not running."""


def health_problems(
    report: Mapping[str, Any] | None, now: datetime, stale_after_s: float = STALE_AFTER_S
) -> list[str]:
    """Why the agent is unhealthy, as its report shows; an empty list when it is healthy.

    Unhealthy: no report (it never ran here), a stale one (it stopped), a device offline,
    the outbox parked by a permanent refusal, or the last sync attempt failed.
    """
    if report is None:
        return ["no report: the agent has not run here yet"]
    problems = []
    age = (now - datetime.fromisoformat(report["at"])).total_seconds()
    if age > stale_after_s:
        problems.append(f"stale: the agent last reported {age:.0f} s ago (is it running?)")
    offline = sorted(d for d, c in report.get("devices", {}).items() if c.get("online") is False)
    if offline:
        problems.append(f"devices offline: {', '.join(offline)}")
    sync = report.get("sync", {})
    if sync.get("parked"):
        problems.append(
            f"sync parked at seq {sync.get('parked_seq')} ({sync.get('parked_code')}): "
            f"{sync.get('parked_reason')}"
        )
    elif sync.get("last_error"):
        problems.append(f"sync failing: {sync['last_error']}")
    return problems
