"""Errors of the Modbus adapter; each names the device and the register concerned."""

from __future__ import annotations

from enum import StrEnum


class DecodeError(ValueError):
    """A register block cannot be read as the profile says (too short, out of range, NaN)."""

    def __init__(
        self, device: str, register: int | None, message: str, *, what: str = "register"
    ) -> None:
        self.device = device
        self.register = register
        where = f"{what} {register}" if register is not None else f"{what} block"
        super().__init__(f"{device}: {where}: {message}")


class LinkFault(StrEnum):
    """Why a poll produced no observation; also the counter names in ``AdapterCounters.extra``."""

    CONNECTION = "connection"
    TIMEOUT = "timeout"
    BAD_CRC = "bad_crc"
    GARBLED = "garbled"
    WRONG_LENGTH = "wrong_length"
    EXCEPTION_CODE = "exception_code"
    UNDECODABLE = "undecodable"


class PollFailed(Exception):
    """One poll of one device failed; ``raw`` is what came back (hex), empty for silence.

    ``link_down`` means the connection itself is gone: the device is offline at once instead
    of after a few failures, and the line reconnects on its next transaction.
    """

    def __init__(
        self, fault: LinkFault, text: str, *, raw: str = "", link_down: bool = False
    ) -> None:
        super().__init__(text)
        self.fault = fault
        self.text = text
        self.raw = raw
        self.link_down = link_down
