"""Where a request carries a character the cloud will not take, as a pure function.

NUL cannot be stored in PostgreSQL text, other control characters split headers and CSV
rows, a lone UTF-16 surrogate cannot be encoded as UTF-8, and NaN or Infinity is not JSON
(RFC 8259 §6) though Python's parser reads it. Each is found here, with where it is (the
``loc`` of a FastAPI validation error), before any route runs.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
"""Not allowed in paths, query strings, form fields and JSON object keys."""
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
"""Not allowed in JSON string values, where a tab or a line break may be free text."""
_SURROGATE = re.compile(r"[\ud800-\udfff]")


@dataclass(frozen=True, slots=True)
class InputFault:
    """One refused input: where (``loc``), why, and the error type."""

    loc: tuple[str | int, ...]
    msg: str
    type: str = "control_character"

    def as_error(self) -> dict[str, Any]:
        return {"type": self.type, "loc": list(self.loc), "msg": self.msg}


class _NotFinite:
    def __init__(self, constant: str) -> None:
        self.constant = constant


def path_fault(path: str) -> InputFault | None:
    """A control character in the (percent-decoded) path."""
    if _CONTROL.search(path):
        return InputFault(("path",), "path: control character (such as NUL or CR/LF) in the URL")
    return None


def query_fault(query_string: bytes) -> InputFault | None:
    """A control character in a query parameter's name or value."""
    for name, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):
        if _CONTROL.search(name) or _CONTROL.search(value):
            return InputFault(("query", name), f"{name}: control character (such as NUL)")
    return None


def form_fault(body: bytes) -> InputFault | None:
    """A control character in a form field (``application/x-www-form-urlencoded``)."""
    for name, value in parse_qsl(body.decode("latin-1"), keep_blank_values=True):
        if _CONTROL.search(name) or _CONTROL.search(value) or _SURROGATE.search(value):
            return InputFault(("body", name), f"{name}: control character (such as NUL)")
    return None


def json_fault(body: bytes) -> InputFault | None:
    """A refused character or a non-finite number in a JSON body; None for good or
    unparseable JSON (FastAPI answers the latter itself)."""
    try:
        document = json.loads(body, parse_constant=_NotFinite)
    except RecursionError:
        return InputFault(("body",), "body: JSON nested too deep", "json_too_deep")
    except ValueError:
        return None
    return _walk(document)


def _walk(document: object) -> InputFault | None:
    """Depth-first over the document without recursion (the depth is the sender's)."""
    stack: list[tuple[tuple[str | int, ...], object]] = [(("body",), document)]
    while stack:
        loc, value = stack.pop()
        if isinstance(value, str):
            if _CONTROL_IN_TEXT.search(value) or _SURROGATE.search(value):
                return _text_fault(loc)
        elif isinstance(value, _NotFinite):
            return InputFault(loc, f"{_name(loc)}: {value.constant} is not a finite number",
                              "finite_number")  # fmt: skip
        elif isinstance(value, dict):
            for key, item in value.items():
                if _CONTROL.search(key) or _SURROGATE.search(key):
                    return InputFault(loc, f"{_name(loc)}: control character in a field name")
                stack.append(((*loc, key), item))
        elif isinstance(value, list):
            stack.extend(((*loc, index), item) for index, item in enumerate(value))
    return None


def _text_fault(loc: tuple[str | int, ...]) -> InputFault:
    return InputFault(loc, f"{_name(loc)}: control character (such as NUL) or unpaired "
                      "surrogate in text")  # fmt: skip


def _name(loc: tuple[str | int, ...]) -> str:
    return ".".join(str(part) for part in loc[1:]) or "body"
