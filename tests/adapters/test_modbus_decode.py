"""Golden tests for the register decoder: register words in, an exact observation out."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edge_agent.adapters.modbus.decode import RegisterBlock, decode_observation
from edge_agent.adapters.modbus.errors import DecodeError
from edge_agent.adapters.modbus.profile import DeviceProfile, load_profile

AT = datetime(2026, 11, 25, 8, 30, tzinfo=UTC)

LITTLE_ENDIAN_INPUT = """
model: test input-register scale, float32 low word first
kind: scale
table: input
metrics:
  weight: {address: 100, type: float32, word_order: little, unit: kg, decimals: 3}
  tare: {address: 102, type: uint16, scale: "0.5", unit: g}
  temperature: {address: 103, type: int16, scale: "0.1", unit: "°C"}
status:
  stable: {register: 104, bit: 0}
  overload: {register: 104, bit: 15}
"""


@functools.cache
def shipped(name: str) -> DeviceProfile:
    """A profile from firmware_configs, parsed once per test run (hypothesis calls often)."""
    return load_profile(name)


def profile_from(tmp_path: Path, text: str) -> DeviceProfile:
    path = tmp_path / "profile.yaml"
    path.write_text(text)
    return load_profile(path)


def laumas_block(status: int, gross: list[int], net: list[int]) -> RegisterBlock:
    """Registers 6..10 of the Laumas map: status, gross H/L, net H/L."""
    return RegisterBlock(6, [status, *gross, *net])


def test_laumas_int32_high_word_first_scaled_to_tenths_of_a_gram() -> None:
    profile = load_profile("scales/laumas-tlu")
    # status 0x0C00: bit 10 (net) and bit 11 (stable); gross 123456 → 12345.6 g,
    # net -123456 (0xFFFE 0x1DC0) → -12345.6 g.
    block = laumas_block(0x0C00, [0x0001, 0xE240], [0xFFFE, 0x1DC0])
    obs = decode_observation(profile, block, device="scale-1", at=AT)
    assert obs.device == "scale-1"
    assert obs.at == AT
    assert dict(obs.values) == {
        "weight": Decimal("-12345.6"),
        "gross_weight": Decimal("12345.6"),
        "stable": True,
        "overload": False,
        "net": True,
    }
    assert dict(obs.units) == {"weight": "g", "gross_weight": "g"}


def test_laumas_overload_bit_and_motion() -> None:
    profile = load_profile("scales/laumas-tlu")
    block = laumas_block(0x0008, [0, 0], [0, 0])
    values = decode_observation(profile, block, device="s", at=AT).values
    assert (values["stable"], values["overload"], values["net"]) == (False, True, False)
    assert values["weight"] == Decimal(0)


def test_tuna_float32_big_word_order_and_active_low_motion_bit() -> None:
    profile = load_profile("scales/tuna-id551")
    # 1.2345 kg as float32 is 0x3F9E0419; gross 12.5 kg is 0x41480000.
    # Status 0x8000: data OK, motion bit 12 clear → stable.
    block = RegisterBlock(0, [0x3F9E, 0x0419, 0x4148, 0x0000, 0x8000])
    obs = decode_observation(profile, block, device="tuna", at=AT)
    assert obs.values["weight"] == Decimal("1.235")  # quantized to the 1 g division
    assert obs.values["gross_weight"] == Decimal("12.500")
    assert obs.values["stable"] is True
    assert obs.values["data_ok"] is True
    assert obs.units["weight"] == "kg"
    moving = RegisterBlock(0, [0x3F9E, 0x0419, 0x4148, 0x0000, 0x1000])
    assert decode_observation(profile, moving, device="tuna", at=AT).values["stable"] is False


def test_float32_little_word_order_int16_and_half_gram_scale(tmp_path: Path) -> None:
    profile = profile_from(tmp_path, LITTLE_ENDIAN_INPUT)
    # Same float as above with words swapped; tare 701 × 0.5 g; -42 × 0.1 °C.
    block = RegisterBlock(100, [0x0419, 0x3F9E, 701, 0xFFD6, 0x8001])
    values = decode_observation(profile, block, device="s", at=AT).values
    assert values == {
        "weight": Decimal("1.235"),
        "tare": Decimal("350.5"),
        "temperature": Decimal("-4.2"),
        "stable": True,
        "overload": True,
    }


def test_float32_without_decimals_keeps_seven_significant_digits(tmp_path: Path) -> None:
    profile = profile_from(tmp_path, LITTLE_ENDIAN_INPUT.replace(", decimals: 3", ""))
    block = RegisterBlock(100, [0x0419, 0x3F9E, 0, 0, 0])
    assert decode_observation(profile, block, device="s", at=AT).values["weight"] == Decimal(
        "1.2345"
    )


def test_nan_weight_names_device_and_register() -> None:
    profile = load_profile("scales/tuna-id551")
    block = RegisterBlock(0, [0x7FC0, 0x0000, 0, 0, 0])
    with pytest.raises(DecodeError, match=r"tuna: register 0: weight: nan"):
        decode_observation(profile, block, device="tuna", at=AT)


def test_short_block_names_the_missing_register() -> None:
    profile = load_profile("scales/laumas-tlu")
    with pytest.raises(DecodeError, match=r"scale-1: register 9: not in the block read"):
        decode_observation(profile, RegisterBlock(6, [0, 0, 0]), device="scale-1", at=AT)


def test_word_out_of_range_is_a_decode_error() -> None:
    profile = load_profile("scales/laumas-tlu")
    with pytest.raises(DecodeError, match=r"register 8: 70000 is not a 16-bit word"):
        decode_observation(profile, laumas_block(0, [0, 70000], [0, 0]), device="s", at=AT)


words = st.lists(st.one_of(st.integers(0, 0xFFFF), st.integers(-(2**40), 2**40)), max_size=12)


@settings(max_examples=300, deadline=None)
@given(
    name=st.sampled_from(["scales/laumas-tlu", "scales/tuna-id551"]),
    start=st.integers(0, 12),
    block=words,
)
def test_any_register_block_decodes_or_raises_decode_error(
    name: str, start: int, block: list[int]
) -> None:
    profile = shipped(name)
    try:
        obs = decode_observation(profile, RegisterBlock(start, block), device="fuzz", at=AT)
    except DecodeError as exc:
        message = str(exc)
    else:
        assert set(obs.values) == set(profile.metrics) | set(profile.status)
        return
    assert message.startswith("fuzz: register")


@settings(max_examples=200, deadline=None)
@given(block=st.lists(st.integers(0, 0xFFFF), min_size=5, max_size=5))
def test_any_full_float_block_decodes_or_raises_decode_error(block: list[int]) -> None:
    profile = shipped("scales/tuna-id551")
    try:
        obs = decode_observation(profile, RegisterBlock(0, block), device="fuzz", at=AT)
    except DecodeError:
        return
    assert isinstance(obs.values["weight"], Decimal)
