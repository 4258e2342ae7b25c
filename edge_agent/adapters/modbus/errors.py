"""Errors of the Modbus adapter; each names the device and the register concerned."""

from __future__ import annotations


class DecodeError(ValueError):
    """A register block cannot be read as the profile says (too short, out of range, NaN)."""

    def __init__(self, device: str, register: int | None, message: str) -> None:
        self.device = device
        self.register = register
        where = f"register {register}" if register is not None else "register block"
        super().__init__(f"{device}: {where}: {message}")
