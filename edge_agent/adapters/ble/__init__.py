"""BLE temperature/humidity tags: pure parsers from advertisement bytes to frozen readings.

The parsers exported here scan, connect and log nothing: a scanner hands each one the bytes
of one advertisement element — service data of a 16-bit UUID or manufacturer data of a
company id — and ``to_observation`` turns the reading into the neutral ``Observation`` every
adapter emits. The I/O lives apart, so importing the parsers does not import bleak:
``config`` (``BleTagConfig``), ``formats`` (which element and parser per format), ``repeats``
(duplicate suppression), ``scanner`` (``BleScannerAdapter`` on bleak/BlueZ) and ``adapter``
(``build_adapters``).
"""

from edge_agent.adapters.ble.bthome import BTHOME_UUID16, BTHomeReading, parse_bthome
from edge_agent.adapters.ble.errors import BleDecodeError
from edge_agent.adapters.ble.reading import Metric, SensorReading, to_observation
from edge_agent.adapters.ble.ruuvi import RUUVI_COMPANY_ID, RuuviReading, parse_ruuvi
from edge_agent.adapters.ble.xiaomi_custom import (
    ENVIRONMENTAL_SENSING_UUID16,
    XiaomiCustomReading,
    parse_atc1441,
    parse_pvvx,
    parse_xiaomi_custom,
)

__all__ = [
    "BTHOME_UUID16",
    "ENVIRONMENTAL_SENSING_UUID16",
    "RUUVI_COMPANY_ID",
    "BTHomeReading",
    "BleDecodeError",
    "Metric",
    "RuuviReading",
    "SensorReading",
    "XiaomiCustomReading",
    "parse_atc1441",
    "parse_bthome",
    "parse_pvvx",
    "parse_ruuvi",
    "parse_xiaomi_custom",
    "to_observation",
]
