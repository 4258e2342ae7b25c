"""Error answers that never echo large input and never fail themselves.

FastAPI's own 422 answer echoes each refused input whole (a 100 MB body came back whole)
and cannot encode NaN (its handler then failed with 500). Here each echoed input is cut
to ``ECHO_CHARS`` and made JSON-safe. A database that is down or restarting is a 503 with
``Retry-After``, on every route. Values the database refuses (out of range, not
encodable) and dates that overflow are answered 422 as a last line: the routes and
models refuse them first, naming the field.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from psycopg_pool import PoolTimeout

ECHO_CHARS = 100

_log = logging.getLogger(__name__)


RETRY_AFTER_S = 2
"""What a client is told to wait when the database is down or restarting."""


def install_error_answers(app: FastAPI) -> None:
    """Register the handlers on ``app``."""
    app.add_exception_handler(RequestValidationError, _validation_failed)
    app.add_exception_handler(psycopg.DataError, _out_of_range)
    app.add_exception_handler(OverflowError, _out_of_range)
    app.add_exception_handler(psycopg.OperationalError, _database_unavailable)
    app.add_exception_handler(PoolTimeout, _database_unavailable)


async def _database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    """The database is down, restarting or out of connections: a 503 the client retries
    (an agent with backoff), never a 500 with a traceback."""
    _log.warning("database unavailable on %s: %s", request.url.path, str(exc).splitlines()[:1])
    message = "the database is unavailable; try again shortly"
    body = {"error": "unavailable", "seq": None, "message": message, "acked_seq": None}
    return JSONResponse(body, 503, headers={"Retry-After": str(RETRY_AFTER_S)})


async def _validation_failed(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return JSONResponse({"detail": [_safe_error(error) for error in exc.errors()]}, 422)


def _safe_error(error: dict[str, Any]) -> dict[str, Any]:
    safe: dict[str, Any] = {
        "type": str(error.get("type", "")),
        "loc": [part if isinstance(part, int) else _cut(str(part)) for part in error["loc"]],
        "msg": _cut(str(error.get("msg", "")), 300),
    }
    if "input" in error:
        safe["input"] = _echo(error["input"])
    if isinstance(error.get("ctx"), dict):
        safe["ctx"] = {str(k): _echo(v) for k, v in error["ctx"].items()}
    return safe


def _echo(value: object) -> object:
    """A short, JSON-safe stand-in for what was sent."""
    if value is None or isinstance(value, bool | int):
        return value if not isinstance(value, int) or abs(value) < 10**15 else _cut(str(value))
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, str):
        return _cut(value)
    if isinstance(value, dict | list):
        return f"<{type(value).__name__} of {len(value)}>"
    return _cut(str(value))


def _cut(text: str, limit: int = ECHO_CHARS) -> str:
    return text if len(text) <= limit else text[:limit] + f"… ({len(text)} characters)"


async def _out_of_range(request: Request, exc: Exception) -> JSONResponse:
    if request.url.path.startswith("/v1/agents/"):
        # an agent's batch has its own refusals (cloud.api.agents): not guessed at here
        _log.error("unhandled %s on %s", type(exc).__name__, request.url.path, exc_info=exc)
        return JSONResponse({"detail": "internal error"}, 500)
    _log.warning("refused out of range on %s: %s", request.url.path, exc)
    why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return JSONResponse({"detail": f"a value is out of range or cannot be stored: {_cut(why)}"},
                        422)  # fmt: skip
