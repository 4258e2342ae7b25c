"""The one error the camera's pure code raises: the domain's ``Gs1Error``, under its old name."""

from __future__ import annotations

from domain.gs1 import Gs1Error as CodeError

__all__ = ["CodeError"]
