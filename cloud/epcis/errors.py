"""Why an EPCIS document is refused."""

from __future__ import annotations


class CaptureRefused(ValueError):
    """The document cannot become receipts; ``field`` is the JSON path of what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(f"{field}: {message}")
