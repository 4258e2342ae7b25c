"""How the agent builds the BLE adapters: one scanner per radio, serving all its tags."""

from __future__ import annotations

from collections.abc import Sequence

from edge_agent.adapters.base import DeviceAdapter, DeviceSink
from edge_agent.adapters.ble.config import BleTagConfig, refuse_duplicates
from edge_agent.adapters.ble.scanner import BleScannerAdapter, ScannerSettings


def build_adapters(configs: Sequence[BleTagConfig], sink: DeviceSink) -> list[DeviceAdapter]:
    """One ``BleScannerAdapter`` per BlueZ adapter named by the tags (``hci``), in order.

    A radio can run one discovery at a time, so tags heard by the same adapter share one
    scanner; an address or id configured twice is refused here, before anything runs.
    """
    refuse_duplicates(configs)
    by_radio: dict[str | None, list[BleTagConfig]] = {}
    for tag in configs:
        by_radio.setdefault(tag.hci, []).append(tag)
    return [
        BleScannerAdapter(tags, sink, settings=ScannerSettings(hci=hci))
        for hci, tags in by_radio.items()
    ]
