"""Mean kinetic temperature against values worked by hand.

No published worked example (USP <1079.2> or a vendor's) was found in the reference corpus, so
each expected value below is derived step by step; check them with any calculator.
Common to all: ΔH/R = 83,144 J/mol ÷ 8.3144 J/(mol·K) = 10,000 K; T(K) = T(°C) + 273.15.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.coldchain.mkt import (
    COLD_STORAGE_WINDOW,
    NoReadings,
    mean_kinetic_temperature,
    time_weighted_mean_kinetic_temperature,
    window_mean_kinetic_temperature,
)
from domain.errors import DomainError

D = Decimal
MIDNIGHT = datetime(2026, 1, 5, tzinfo=UTC)


def test_constant_temperature_is_its_own_mkt() -> None:
    """Σexp(-10000/278.15)/n = exp(-10000/278.15), so MKT = 278.15 K = 5.00 °C exactly."""
    assert mean_kinetic_temperature([D(5)] * 24) == D("5.00")


def test_zero_and_ten_degrees() -> None:
    """0 °C and 10 °C, equal time.

    10000/273.15 = 36.60992 → exp(-36.60992) = 1.26041e-16
    10000/283.15 = 35.31697 → exp(-35.31697) = 4.59235e-16
    mean = (1.26041 + 4.59235)/2 e-16 = 2.92638e-16
    ln(2.92638e-16) = ln 2.92638 - 16·ln 10 = 1.07377 - 36.84136 = -35.76759
    MKT = 10000/35.76759 = 279.5827 K = 6.4327 °C → 6.43 °C
    (not the ~5.2 °C one might guess: the warm half weighs 3.6 times the cold half.)
    """
    assert mean_kinetic_temperature([D(0), D(10)]) == D("6.43")


def test_time_weighted_three_hours_cold_one_hour_warm() -> None:
    """0 °C for 3 h and 10 °C for 1 h.

    weighted mean = (3 × 1.26041 + 1 × 4.59235)/4 e-16 = 8.37358/4 e-16 = 2.09340e-16
    ln(2.09340e-16) = 0.73880 - 36.84136 = -36.10257
    MKT = 10000/36.10257 = 276.9886 K = 3.8386 °C → 3.84 °C
    """
    samples = [(D(0), D(3 * 3600)), (D(10), D(3600))]
    assert time_weighted_mean_kinetic_temperature(samples) == D("3.84")


def test_controlled_room_with_one_warm_reading() -> None:
    """25, 25, 25 and 40 °C (controlled room temperature with one hot reading).

    exp(-10000/298.15) = exp(-33.53983) = 2.71451e-15
    exp(-10000/313.15) = exp(-31.93358) = 1.35339e-14
    mean = (3 × 2.71451e-15 + 1.35339e-14)/4 = 2.17174e-14/4 = 5.41936e-15
    ln(5.41936e-15) = 1.68999 - 34.53878 = -32.84880
    MKT = 10000/32.84880 = 304.4251 K = 31.2751 °C → 31.28 °C (the plain mean is 28.75 °C)
    """
    assert mean_kinetic_temperature([D(25), D(25), D(25), D(40)]) == D("31.28")


def test_activation_energy_is_configurable() -> None:
    """ΔH = 60 kJ/mol: ΔH/R = 60000/8.3144 = 7216.396 K; readings 0 °C and 10 °C.

    exp(-7216.396/273.15) = exp(-26.41918) = 3.35971e-12
    exp(-7216.396/283.15) = exp(-25.48613) = 8.54117e-12
    mean = 5.95044e-12; ln = 1.78347 - 27.63102 = -25.84756
    MKT = 7216.396/25.84756 = 279.1906 K = 6.0406 °C → 6.04 °C (lower ΔH, nearer the mean)
    """
    assert mean_kinetic_temperature([D(0), D(10)], activation_energy_kj_per_mol=D(60)) == D("6.04")


def test_cold_storage_window_keeps_only_the_last_24_hours() -> None:
    """A warm night 30 h ago is outside the 24 h window; the window sees 5 °C only."""
    series = [(MIDNIGHT, D(25))] + [(MIDNIGHT + timedelta(hours=h), D(5)) for h in range(6, 31)]
    end = MIDNIGHT + timedelta(hours=30)
    assert window_mean_kinetic_temperature(series, window=COLD_STORAGE_WINDOW, end=end) == D("5.00")


def test_reading_before_the_window_holds_into_it() -> None:
    """Window [06:00, 06:00 next day): 10 °C read at 00:00 holds 06:00–18:00 (12 h), 0 °C
    read at 18:00 holds 18:00–06:00 (12 h): equal weights, so 6.43 °C as worked above."""
    series = [(MIDNIGHT, D(10)), (MIDNIGHT + timedelta(hours=18), D(0))]
    end = MIDNIGHT + timedelta(hours=30)
    assert window_mean_kinetic_temperature(series, window=COLD_STORAGE_WINDOW, end=end) == D("6.43")


def test_empty_window_has_no_mkt() -> None:
    end = MIDNIGHT + timedelta(days=3)
    assert window_mean_kinetic_temperature([(MIDNIGHT, D(5))], window=timedelta(0), end=end) is None
    assert window_mean_kinetic_temperature([], window=COLD_STORAGE_WINDOW, end=end) is None


def test_nonsense_is_refused() -> None:
    with pytest.raises(NoReadings):
        mean_kinetic_temperature([])
    with pytest.raises(DomainError, match="absolute zero"):
        mean_kinetic_temperature([D("-273.15")])
    with pytest.raises(DomainError, match="negative"):
        time_weighted_mean_kinetic_temperature([(D(5), D(-1))])


@given(st.lists(st.decimals(min_value=-30, max_value=60, places=1), min_size=1, max_size=50))
def test_mkt_is_between_mean_and_warmest(temperatures: list[Decimal]) -> None:
    """An exponential mean weighs warm readings more: mean ≤ MKT ≤ max (to the rounding)."""
    mkt = mean_kinetic_temperature(temperatures)
    arithmetic_mean = sum(temperatures, D(0)) / len(temperatures)
    assert arithmetic_mean - D("0.005") <= mkt <= max(temperatures) + D("0.005")
