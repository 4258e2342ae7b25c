"""Log lines as JSON, one object a line, for journald, Docker and log shippers."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Literal

LogFormat = Literal["text", "json"]

# attributes every LogRecord has: anything else came in ``extra=`` and is worth keeping
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonLogFormatter(logging.Formatter):
    """``{"at", "level", "logger", "message", ...}``; an exception as ``error`` text."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)


def uvicorn_log_config(log_format: LogFormat) -> dict[str, object] | None:
    """uvicorn's own loggers in our format (None: uvicorn's default config)."""
    if log_format != "json":
        return None
    formatter = {"()": f"{__name__}.JsonLogFormatter"}
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    loggers = {name: {"handlers": ["json"], "level": "INFO", "propagate": False}
               for name in ("uvicorn", "uvicorn.error", "uvicorn.access")}  # fmt: skip
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": formatter},
        "handlers": {"json": handler},
        "loggers": loggers,
    }
