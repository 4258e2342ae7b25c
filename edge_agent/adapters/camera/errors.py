"""The one error the camera's pure code raises, so the adapter quarantines a bad code with one
``except``."""

from __future__ import annotations


class CodeError(ValueError):
    """A scanned code that does not read as its symbology says: a bad GTIN check digit, an
    impossible date, an unknown application identifier.

    ``ai`` names the GS1 application identifier concerned (``01``, ``17``...) when there is one,
    so a label can be checked by hand against the GS1 General Specifications.
    """

    def __init__(self, ai: str | None, message: str) -> None:
        self.ai = ai
        where = f"GS1 AI ({ai}): " if ai else ""
        super().__init__(f"{where}{message}")
