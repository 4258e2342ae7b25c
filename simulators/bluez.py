"""BlueZ at the OS boundary: a private ``dbus-daemon`` and python-dbusmock's ``bluez5`` template.

Used by the BLE adapter's tests and by ``edgestock sim all``, which feeds it simulated tags.

This machine has no Bluetooth, so the only fake is bluetoothd itself; the adapter under test
runs bleak's real BlueZ backend against it over a real D-Bus. The template declares a
device's ``ManufacturerData`` as an array (``aa{qv}``) where BlueZ sends a dict ``a{qv}`` of
byte arrays, and bleak fails on it; so devices are added here with BlueZ's own types
(``ManufacturerData`` ``a{qv}`` holding ``ay``, ``ServiceData`` ``a{sv}`` holding ``ay``) and
announced with ``InterfacesAdded``, as bluetoothd does when it first hears a device. Each
later advertisement is a ``PropertiesChanged``, again as bluetoothd sends it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dbus
import dbus.bus

BLUEZ = "org.bluez"
DEVICE_IFACE = "org.bluez.Device1"
MOCK_IFACE = "org.freedesktop.DBus.Mock"
OBJECT_MANAGER_IFACE = "org.freedesktop.DBus.ObjectManager"
_READY_TIMEOUT_S = 10.0

_BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <keep_umask/>
  <listen>unix:dir={folder}</listen>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


def uuid128(uuid16: int) -> str:
    return f"0000{uuid16:04x}-0000-1000-8000-00805f9b34fb"


class PrivateSystemBus:
    """A ``dbus-daemon`` of type system on a socket under ``folder``; stopped by its PID."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        config = folder / "system.conf"
        config.write_text(_BUS_CONFIG.format(folder=folder), encoding="utf-8")
        self._process = subprocess.Popen(
            ["dbus-daemon", f"--config-file={config}", "--nofork", "--print-address=1"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self._process.stdout is not None
        # The daemon prints its address once it listens: no polling needed.
        self.address = self._process.stdout.readline().strip()
        if not self.address:
            self.stop()
            raise RuntimeError("dbus-daemon did not start")

    def stop(self) -> None:
        _stop(self._process)


class BlueZMock:
    """bluetoothd as python-dbusmock's ``bluez5`` template, in its own process."""

    def __init__(self, bus_address: str, *, monitor_api: bool = True) -> None:
        self._bus_address = bus_address
        self._parameters = {"enable_monitor_api": monitor_api}
        self._process: subprocess.Popen[bytes] | None = None
        self._bus = dbus.bus.BusConnection(bus_address)
        self._devices: set[str] = set()

    def start(self) -> BlueZMock:
        command = [sys.executable, "-m", "dbusmock", "--system", "--template", "bluez5"]
        command += ["--parameters", json.dumps(self._parameters)]
        env = os.environ | {"DBUS_SYSTEM_BUS_ADDRESS": self._bus_address}
        self._process = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        # dbusmock gives no readiness signal; the name appearing on the bus is the sign.
        deadline = time.monotonic() + _READY_TIMEOUT_S
        while not self._bus.name_has_owner(BLUEZ):
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the bluez5 mock did not come up")
            time.sleep(0.01)
        self._devices.clear()
        return self

    def stop(self) -> None:
        if self._process is not None:
            _stop(self._process)
            self._process = None

    def close(self) -> None:
        self.stop()
        self._bus.close()

    def add_adapter(self, name: str = "hci0") -> str:
        return str(self._object("/").AddAdapter(name, "edge", dbus_interface="org.bluez.Mock"))

    def advertise(
        self,
        address: str,
        *,
        rssi: int = -60,
        service_data: Mapping[int, bytes] | None = None,
        manufacturer_data: Mapping[int, bytes] | None = None,
        adapter: str = "hci0",
    ) -> None:
        """One advertisement from ``address``, as bluetoothd reports it on D-Bus."""
        path = f"/org/bluez/{adapter}/dev_{address.upper().replace(':', '_')}"
        heard = {
            "RSSI": dbus.Int16(rssi),
            "ManufacturerData": dbus.Dictionary(
                {dbus.UInt16(k): dbus.ByteArray(v) for k, v in (manufacturer_data or {}).items()},
                signature="qv",
            ),
            "ServiceData": dbus.Dictionary(
                {uuid128(k): dbus.ByteArray(v) for k, v in (service_data or {}).items()},
                signature="sv",
            ),
        }
        if path in self._devices:
            self._object(path).UpdateProperties(DEVICE_IFACE, heard, dbus_interface=MOCK_IFACE)
            return
        props = dbus.Dictionary(_device_properties(address, adapter) | heard, signature="sv")
        root = self._object("/")
        no_methods = dbus.Array([], signature="(ssss)")
        root.AddObject(path, DEVICE_IFACE, props, no_methods, dbus_interface=MOCK_IFACE)
        added = dbus.Dictionary({DEVICE_IFACE: props}, signature="sa{sv}")
        root.EmitSignal(
            OBJECT_MANAGER_IFACE,
            "InterfacesAdded",
            "oa{sa{sv}}",
            [dbus.ObjectPath(path), added],
            dbus_interface=MOCK_IFACE,
        )
        self._devices.add(path)

    def calls(self, method: str, path: str = "/org/bluez/hci0") -> list[Any]:
        """Arguments of every call of ``method`` the mock received on ``path``."""
        found = self._object(path).GetMethodCalls(method, dbus_interface=MOCK_IFACE)
        return [list(args) for _, args in found]

    def _object(self, path: str) -> dbus.proxies.ProxyObject:
        return self._bus.get_object(BLUEZ, path)


def _device_properties(address: str, adapter: str) -> dict[str, Any]:
    return {
        "Address": dbus.String(address.upper()),
        "AddressType": dbus.String("public"),
        "Alias": dbus.String(address.upper().replace(":", "-")),
        "Adapter": dbus.ObjectPath(f"/org/bluez/{adapter}"),
        "Paired": dbus.Boolean(False),
        "Connected": dbus.Boolean(False),
        "Trusted": dbus.Boolean(False),
        "Blocked": dbus.Boolean(False),
        "LegacyPairing": dbus.Boolean(False),
        "ServicesResolved": dbus.Boolean(False),
        "UUIDs": dbus.Array([], signature="s"),
    }


def _stop(process: subprocess.Popen[Any]) -> None:
    """Terminate the process we started (by its PID), kill it if it does not go."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
    for stream in (process.stdout, process.stderr):
        if stream is not None:
            stream.close()
