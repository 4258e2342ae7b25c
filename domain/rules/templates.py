"""Messages with fields in them: ``"{lot.item} lot {lot.id} expires {lot.expires_on}"``.

Only ``{dotted.field}`` placeholders are replaced, each checked at load against the fields the
rule has; nothing else in the text is interpreted (``str.format`` would let a rule reach into
Python objects). ``{{`` and ``}}`` write a brace.
"""

from __future__ import annotations

import re
from datetime import datetime

from domain.events import format_at
from domain.rules.conditions import Facts, comparable
from domain.rules.fields import Fields

_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")
ABSENT = "?"
"""What a placeholder shows when its field has no value (a lot without expiry)."""


def template_problems(text: str, fields: Fields) -> list[str]:
    """What is wrong with the placeholders of ``text`` for a rule with ``fields``."""
    problems = []
    for match in _PLACEHOLDER.finditer(text):
        name = match.group(1)
        if name is not None and name not in fields:
            problems.append(f"unknown field {{{name}}}; known here: {', '.join(sorted(fields))}")
    stray = _PLACEHOLDER.sub("", text)
    if "{" in stray or "}" in stray:
        problems.append("a lone { or }: write {{ or }} for a brace")
    return problems


def render(text: str, facts: Facts) -> str:
    """``text`` with every placeholder replaced by its fact."""

    def value(match: re.Match[str]) -> str:
        token = match.group(0)
        if token in ("{{", "}}"):
            return token[0]
        found = comparable(facts.get(match.group(1)))
        if found is None:
            return ABSENT
        return format_at(found) if isinstance(found, datetime) else str(found)

    return _PLACEHOLDER.sub(value, text)
