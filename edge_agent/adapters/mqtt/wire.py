"""The site's JSON messages on the wire: parsed into their model, or refused naming the field.

Wire format: one JSON object per message, UTF-8. Encoding is compact and leaves out nulls, so
what a station's display reads is small.
"""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, ValidationError

from edge_agent.adapters.mqtt.errors import PayloadError

M = TypeVar("M", bound=BaseModel)


def parse_message(model: type[M], topic: str, payload: bytes) -> M:
    """``payload`` as ``model``; a ``PayloadError`` names the first field that is wrong."""
    try:
        return model.model_validate_json(payload)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        field = ".".join(str(part) for part in first["loc"]) or None
        more = exc.error_count() - 1
        tail = f" (and {more} more)" if more else ""
        raise PayloadError(topic, field, f"{first['msg']}{tail}") from exc


def encode_message(message: BaseModel) -> bytes:
    """The wire form: compact JSON, no nulls."""
    return message.model_dump_json(exclude_none=True).encode()
