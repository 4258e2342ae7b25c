"""Fixtures for the BLE scanner tests: one private system bus per module, BlueZ per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from simulators.bluez import BlueZMock, PrivateSystemBus


@pytest.fixture(scope="module")
def system_bus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The address of a private system bus; bleak (dbus-fast) finds it through the env."""
    bus = PrivateSystemBus(Path(tmp_path_factory.mktemp("dbus")))
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("DBUS_SYSTEM_BUS_ADDRESS", bus.address)
            yield bus.address
    finally:
        bus.stop()


@pytest.fixture
def bluez_down(system_bus: str) -> Iterator[BlueZMock]:
    """A BlueZ that is not running yet: the test starts it (``start()``) when it wants."""
    mock = BlueZMock(system_bus)
    try:
        yield mock
    finally:
        mock.close()


@pytest.fixture
def bluez(bluez_down: BlueZMock) -> BlueZMock:
    """BlueZ running with one powered adapter, hci0, offering passive scanning."""
    bluez_down.start().add_adapter("hci0")
    return bluez_down
