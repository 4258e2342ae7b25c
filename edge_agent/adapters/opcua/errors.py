"""Errors of the OPC UA adapter; each names the device and the metric, node or field concerned."""

from __future__ import annotations


class DecodeError(ValueError):
    """A value or event from the line that does not read as its profile says."""

    def __init__(self, device: str, where: str, message: str) -> None:
        self.device = device
        self.where = where
        super().__init__(f"{device}: {where}: {message}")


class LinkLost(Exception):
    """The session cannot go on (refused, dropped, silent); ``reason`` says how, for the log
    line and the ``device.offline`` event."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)
