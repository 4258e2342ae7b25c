"""Drop the repeats a tag sends of one measurement, but not for ever.

Tags resend an unchanged frame many times (ATC1441 every few seconds until the next
measurement), and BlueZ reports the same frame again whenever only the RSSI moved. A frame
equal to the last one emitted for that tag within ``window_s`` is a repeat; a changed packet
id, counter or measurement is new. After the window an unchanged frame counts as new again,
so a tag whose reading never moves still yields a fresh observation now and then.
Pure: the caller passes the clock.
"""

from __future__ import annotations


class RepeatFilter:
    """Remembers the last emitted frame per tag and when it was emitted."""

    def __init__(self) -> None:
        self._last: dict[str, tuple[bytes, float]] = {}

    def is_repeat(self, tag: str, payload: bytes, now: float, window_s: float) -> bool:
        """True if ``payload`` equals the frame emitted for ``tag`` less than ``window_s`` ago;
        otherwise remembers it as the tag's last emitted frame."""
        last = self._last.get(tag)
        if last is not None and last[0] == payload and now - last[1] < window_s:
            return True
        self._last[tag] = (payload, now)
        return False
