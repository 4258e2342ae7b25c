"""BLE temperature/humidity tags: pure parsers from advertisement bytes to frozen readings.

The parsers scan, connect and log nothing: a scanner hands each one the bytes of one
advertisement element (service data of a 16-bit UUID or manufacturer data of a company id) and
``reading.to_observation`` turns the reading into the neutral ``Observation`` every adapter
emits. ``bthome``, ``ruuvi`` and ``xiaomi_custom`` parse; ``config`` (``BleTagConfig``),
``formats`` (which element and parser per format), ``repeats`` (duplicate suppression),
``scanner`` (``BleScannerAdapter`` on bleak/BlueZ) and ``adapter`` (``build_adapters``) do the
rest. This file imports nothing: a module is loaded only when it is used.
"""
