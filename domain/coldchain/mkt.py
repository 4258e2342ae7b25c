"""Mean kinetic temperature: the one constant temperature that would degrade a product as much.

MKT = (ΔH/R) / (-ln(Σ wᵢ·exp(-ΔH/(R·Tᵢ)) / Σ wᵢ)), temperatures in kelvin. With the
conventional ΔH = 83.144 kJ/mol and R = 8.3144 J/(mol·K), ΔH/R = 10,000 K.

Precision: the exponential mean is computed in binary floating point (``math.exp`` and
``math.log``); for cold-chain temperatures exp(-ΔH/RT) is near 1e-16, far from underflow, and
the relative error of the sum is about 1e-15, so the kelvin result is good to ~1e-9 K. Results
are returned as ``Decimal`` rounded half-up to 0.01 °C: finer than any logger (±0.1 °C at best)
and the precision reports and audits quote.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from domain.errors import DomainError

DEFAULT_ACTIVATION_ENERGY_KJ_PER_MOL = Decimal("83.144")
GAS_CONSTANT_J_PER_MOL_K = Decimal("8.3144")
ZERO_CELSIUS_IN_KELVIN = Decimal("273.15")
REPORTED_PRECISION = Decimal("0.01")

COLD_STORAGE_WINDOW = timedelta(hours=24)
"""Cold storage (2–8 °C) is judged on MKT over the last 24 hours."""
CONTROLLED_ROOM_WINDOW = timedelta(days=30)
"""Controlled room temperature is judged on a running 30-day MKT (USP <659>/<1079.2>)."""


class NoReadings(DomainError):
    """MKT of nothing is undefined: at least one reading with positive weight is needed."""


def mean_kinetic_temperature(
    readings_c: Iterable[Decimal],
    *,
    activation_energy_kj_per_mol: Decimal = DEFAULT_ACTIVATION_ENERGY_KJ_PER_MOL,
) -> Decimal:
    """MKT in °C of equally spaced readings in °C."""
    return time_weighted_mean_kinetic_temperature(
        ((reading, Decimal(1)) for reading in readings_c),
        activation_energy_kj_per_mol=activation_energy_kj_per_mol,
    )


def time_weighted_mean_kinetic_temperature(
    samples: Iterable[tuple[Decimal, Decimal]],
    *,
    activation_energy_kj_per_mol: Decimal = DEFAULT_ACTIVATION_ENERGY_KJ_PER_MOL,
) -> Decimal:
    """MKT in °C of (°C, weight) samples; the weight is how long each value held.

    Unevenly spaced loggers (a tag that reports faster when warm, a gap while offline) would
    bias the plain form towards whatever was sampled most; weighting by duration removes that.
    """
    h_over_r = float(activation_energy_kj_per_mol * 1000 / GAS_CONSTANT_J_PER_MOL_K)
    weighted_sum = 0.0
    total_weight = 0.0
    for celsius, weight in samples:
        if weight < 0:
            raise DomainError(f"weight {weight} is negative")
        kelvin = float(celsius + ZERO_CELSIUS_IN_KELVIN)
        if kelvin <= 0:
            raise DomainError(f"{celsius} °C is at or below absolute zero")
        weighted_sum += float(weight) * math.exp(-h_over_r / kelvin)
        total_weight += float(weight)
    if total_weight <= 0:
        raise NoReadings("mean kinetic temperature needs at least one weighted reading")
    mkt_kelvin = h_over_r / -math.log(weighted_sum / total_weight)
    celsius_out = Decimal(repr(mkt_kelvin)) - ZERO_CELSIUS_IN_KELVIN
    return celsius_out.quantize(REPORTED_PRECISION, rounding=ROUND_HALF_UP)


def window_mean_kinetic_temperature(
    readings: Sequence[tuple[datetime, Decimal]],
    *,
    window: timedelta,
    end: datetime,
    activation_energy_kj_per_mol: Decimal = DEFAULT_ACTIVATION_ENERGY_KJ_PER_MOL,
) -> Decimal | None:
    """Time-weighted MKT in °C over [end - window, end), or None with nothing to weigh.

    Each reading holds until the next one (the last until ``end``); the latest reading before
    the window holds from the window's start, so a sparse logger still covers the window.
    ``readings`` must be in time order.
    """
    start = end - window
    samples: list[tuple[Decimal, Decimal]] = []
    for index, (at, celsius) in enumerate(readings):
        until = readings[index + 1][0] if index + 1 < len(readings) else end
        held_from, held_until = max(at, start), min(until, end)
        if held_until > held_from:
            samples.append((celsius, seconds(held_until - held_from)))
    if not samples:
        return None
    return time_weighted_mean_kinetic_temperature(
        samples, activation_energy_kj_per_mol=activation_energy_kj_per_mol
    )


def seconds(span: timedelta) -> Decimal:
    """A timedelta as exact decimal seconds (``total_seconds`` would go through float)."""
    whole = span.days * 86_400 + span.seconds
    return Decimal(whole) + Decimal(span.microseconds) / Decimal(1_000_000)
