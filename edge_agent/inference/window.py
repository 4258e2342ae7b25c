"""What the anomaly model looks at: a fixed-length, evenly sampled window of one location.

A window holds the air temperature per sample period, which of those periods had a reading
(``present``: a dropout is information, not an error), and, where the location has them, the
fraction of each period the door was open and the compressor ran. Missing readings are marked
in ``present`` rather than as NaN, so a NaN where a reading is claimed is bad input.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
from numpy.typing import NDArray

from edge_agent.inference.errors import WindowRejected

Floats = NDArray[np.float64]
Flags = NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class WindowSpec:
    """How windows are cut: ``length`` periods of ``period_s`` seconds, and how long a reading
    may be held over an empty period before that period counts as a dropout."""

    period_s: float
    length: int
    max_hold_s: float
    signals: tuple[str, ...] = ("air_temp", "door", "compressor")

    @property
    def span_s(self) -> float:
        return self.period_s * self.length


@dataclass(frozen=True, slots=True)
class Window:
    """One location's recent history, oldest period first, ending at ``end``."""

    location: str
    end: datetime
    temperature: Floats
    present: Flags
    door: Floats | None = None
    compressor: Floats | None = None

    def check(self, spec: WindowSpec) -> None:
        """Raise ``WindowRejected`` naming the location and field if this window is unusable."""
        where = f"window of {self.location!r} ending {self.end.isoformat()}"
        for name, values in self._arrays():
            if values.shape != (spec.length,):
                raise WindowRejected(
                    f"{where}: {name} has shape {values.shape}, the model takes ({spec.length},)"
                )
        claimed = self.temperature[self.present]
        if not np.all(np.isfinite(claimed)):
            bad = int(np.flatnonzero(self.present & ~np.isfinite(self.temperature))[0])
            raise WindowRejected(f"{where}: temperature[{bad}] is not a number but is present")
        for name, values in (("door", self.door), ("compressor", self.compressor)):
            if values is not None and not np.all((values >= 0) & (values <= 1)):
                raise WindowRejected(f"{where}: {name} must be fractions in [0, 1] (NaN is not)")

    def _arrays(self) -> list[tuple[str, np.ndarray]]:
        named = [("temperature", self.temperature), ("present", self.present)]
        named += [(n, v) for n, v in (("door", self.door), ("compressor", self.compressor))]
        return [(n, np.asarray(v)) for n, v in named if v is not None]
