"""A request refused with its reason: the HTTP status, one word, and a sentence for people;
what the orders, approvals and reports services raise and their routes answer."""

from __future__ import annotations

from fastapi.responses import JSONResponse


class Refused(Exception):
    """A request refused: ``status`` is the HTTP answer, ``code`` one word."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    def answer(self) -> JSONResponse:
        """The refusal as the API answers it: ``{"error": code, "message": ...}``."""
        return JSONResponse({"error": self.code, "message": self.message}, self.status)
