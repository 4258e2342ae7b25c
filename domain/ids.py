"""Event ids: UUIDv7 (RFC 9562), time-ordered so that ids sort roughly as they were made."""

from __future__ import annotations

import random
import time

_VERSION = 0x7 << 76
_VARIANT = 0b10 << 62
_RAND_B = (1 << 62) - 1


def uuid7(unix_ms: int | None = None) -> str:
    """A new UUIDv7 string: 48 bits of Unix milliseconds, then 74 random bits."""
    ms = time.time_ns() // 1_000_000 if unix_ms is None else unix_ms
    # unique, not secret: the module's generator (seeded from the OS, reseeded in forked
    # children) is ten times cheaper than a syscall per id; the uuid6 package does the same
    rand = random.getrandbits(74)
    value = (ms & (2**48 - 1)) << 80 | _VERSION | ((rand >> 62) & 0xFFF) << 64
    value |= _VARIANT | (rand & _RAND_B)
    text = f"{value:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
