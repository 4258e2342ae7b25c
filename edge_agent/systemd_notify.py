"""Tell systemd how the agent is doing (``sd_notify``): ready, alive, stopping.

The protocol is one datagram per message to the unix socket named by ``NOTIFY_SOCKET``
(an ``@`` first means Linux's abstract namespace); its text is ``KEY=value`` lines. With
``Type=notify`` systemd waits for ``READY=1`` before calling the service started, and with
``WatchdogSec=`` it kills and restarts a service whose ``WATCHDOG=1`` stops coming: an
event loop stuck in a bug is restarted instead of silently reading nothing. Without
``NOTIFY_SOCKET`` (a terminal, a test, Docker) every call does nothing.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Mapping

log = logging.getLogger(__name__)


class ServiceNotifier:
    """Sends ``sd_notify`` messages to the socket of ``environ`` (if any)."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        env = os.environ if environ is None else environ
        address = env.get("NOTIFY_SOCKET", "")
        self._address: str | None = None
        if address.startswith("@"):
            self._address = "\0" + address[1:]
        elif address.startswith("/"):
            self._address = address
        self.watchdog_s = _watchdog_interval(env)
        """Half the watchdog timeout systemd set (WATCHDOG_USEC), or None without one."""

    @property
    def enabled(self) -> bool:
        return self._address is not None

    def notify(self, **fields: str | int) -> bool:
        """Send ``KEY=value`` lines (``notify(READY=1, STATUS="...")``); False if not sent."""
        if self._address is None:
            return False
        text = "\n".join(f"{key}={value}" for key, value in fields.items())
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
                # Never wait: the call runs on the event loop, and a receiver that stopped
                # reading fills its queue (ten datagrams by default) after which a blocking
                # send would stop the whole agent. A message that does not fit is dropped.
                sock.sendto(text.encode("utf-8"), socket.MSG_DONTWAIT, self._address)
        except OSError as exc:  # systemd gone or not reading: the agent's work goes on
            log.warning("sd_notify to %r failed: %s", self._address, exc)
            return False
        return True

    def ready(self, status: str) -> bool:
        return self.notify(READY=1, STATUS=status)

    def alive(self) -> bool:
        return self.notify(WATCHDOG=1)

    def stopping(self) -> bool:
        return self.notify(STOPPING=1)


def _watchdog_interval(env: Mapping[str, str]) -> float | None:
    """Ping at half the timeout, as sd_watchdog_enabled(3) advises; only if it is for us."""
    usec = env.get("WATCHDOG_USEC", "")
    pid = env.get("WATCHDOG_PID", "")
    if not usec.isdigit() or int(usec) == 0:
        return None
    if pid and pid != str(os.getpid()):
        return None
    return int(usec) / 2_000_000
