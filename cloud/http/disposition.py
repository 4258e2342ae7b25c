"""A ``Content-Disposition`` header that names a download without letting a name split it."""

from __future__ import annotations

import re
from urllib.parse import quote

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def attachment(filename: str) -> str:
    """``attachment`` with an ASCII ``filename`` (anything else ``_``), and the exact name as
    ``filename*`` (RFC 6266 §4.3) when it differs, so no site name can break the header."""
    plain = _UNSAFE.sub("_", filename)[:200]
    if plain == filename:
        return f'attachment; filename="{plain}"'
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(filename, safe='')}"
