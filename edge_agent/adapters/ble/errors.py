"""The one error the BLE parsers raise, so a scanner can drop a bad frame with one ``except``."""

from __future__ import annotations


class BleDecodeError(ValueError):
    """Advertisement bytes that do not read as their format says.

    ``format`` names the format (``bthome``, ``atc1441``, ``pvvx``, ``ruuvi``) and ``offset``
    the byte where reading failed, so a captured frame can be checked by hand against the spec.
    """

    def __init__(self, fmt: str, offset: int, message: str) -> None:
        self.format = fmt
        self.offset = offset
        super().__init__(f"{fmt}: byte {offset}: {message}")
