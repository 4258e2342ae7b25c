"""Errors raised by domain rules; each names what is wrong."""


class DomainError(ValueError):
    """Base class: a rule of the business was broken by the input."""


class IncompatibleUnits(DomainError):
    """Two quantities cannot be combined (mass and volume without a density, say)."""


class EventInvalid(DomainError):
    """An event does not match its schema; ``seq`` names it when known."""

    def __init__(self, message: str, seq: int | None = None) -> None:
        self.seq = seq
        super().__init__(f"event seq {seq}: {message}" if seq is not None else message)


class ChainBroken(DomainError):
    """An agent's hash chain has a gap, a fork or an altered event at ``seq``."""

    def __init__(self, kind: str, seq: int, message: str) -> None:
        self.kind = kind
        self.seq = seq
        super().__init__(f"{kind} at seq {seq}: {message}")
