"""The one error of identity checks: a stable code, a message, and the HTTP status it means."""

from __future__ import annotations


class IdentityRefused(Exception):
    """A request or an enrolment refused; ``code`` is stable, ``message`` says why."""

    def __init__(self, code: str, message: str, status: int) -> None:
        self.code = code
        self.message = message
        self.status = status
        super().__init__(f"{code}: {message}")
