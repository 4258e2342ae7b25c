"""Golden tests for the register decoder: register words in, an exact observation out."""

from __future__ import annotations

import functools
import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pymodbus.framer import FramerRTU
from pymodbus.pdu import DecodePDU
from pymodbus.pdu.register_message import ReadHoldingRegistersRequest

from domain.observation import Observation
from edge_agent.adapters.modbus.decode import CoilBlock, RegisterBlock, decode_observation
from edge_agent.adapters.modbus.errors import DecodeError
from edge_agent.adapters.modbus.profile import BitTable, DeviceProfile, load_profile

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


def laumas_block(
    status: int, gross: list[int], net: list[int], tare: tuple[int, int] = (0, 0)
) -> RegisterBlock:
    """Registers 6..14 of the Laumas map: status, gross H/L, net H/L, two unused, tare H/L."""
    return RegisterBlock(6, [status, *gross, *net, 0, 0, *tare])


def test_laumas_int32_high_word_first_scaled_to_tenths_of_a_gram() -> None:
    profile = load_profile("scales/laumas-tlu")
    # status 0x0C00: bit 10 (net) and bit 11 (stable); gross 123456 → 12345.6 g,
    # net -123456 (0xFFFE 0x1DC0) → -12345.6 g.
    # tare 2500 → 250.0 g.
    block = laumas_block(0x0C00, [0x0001, 0xE240], [0xFFFE, 0x1DC0], (0, 2500))
    obs = decode_observation(profile, block, device="scale-1", at=AT)
    assert obs.device == "scale-1"
    assert obs.at == AT
    assert dict(obs.values) == {
        "weight": Decimal("-12345.6"),
        "gross_weight": Decimal("12345.6"),
        "tare": Decimal("250.0"),
        "stable": True,
        "overload": False,
        "net": True,
    }
    assert dict(obs.units) == {"weight": "g", "gross_weight": "g", "tare": "g"}


def test_laumas_overload_bit_and_motion() -> None:
    profile = load_profile("scales/laumas-tlu")
    block = laumas_block(0x0008, [0, 0], [0, 0])
    values = decode_observation(profile, block, device="s", at=AT).values
    assert (values["stable"], values["overload"], values["net"]) == (False, True, False)
    assert values["weight"] == Decimal(0)


def test_tuna_float32_big_word_order_and_active_low_motion_bit() -> None:
    profile = load_profile("scales/tuna-id551")
    # 1.2345 kg as float32 is 0x3F9E0419; gross 12.5 kg is 0x41480000.
    # Status 0x8000: data OK, motion bit 12 clear → stable. Tare 0.25 kg is 0x3E800000.
    block = RegisterBlock(0, [0x3F9E, 0x0419, 0x4148, 0x0000, 0x8000, 0x3E80, 0x0000])
    obs = decode_observation(profile, block, device="tuna", at=AT)
    assert obs.values["weight"] == Decimal("1.235")  # quantized to the 1 g division
    assert obs.values["gross_weight"] == Decimal("12.500")
    assert obs.values["tare"] == Decimal("0.250")
    assert obs.values["stable"] is True
    assert obs.values["data_ok"] is True
    assert obs.units["weight"] == "kg"
    moving = RegisterBlock(0, [0x3F9E, 0x0419, 0x4148, 0x0000, 0x1000, 0, 0])
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
    block = RegisterBlock(0, [0x7FC0, 0x0000, 0, 0, 0, 0, 0])
    with pytest.raises(DecodeError, match=r"tuna: register 0: weight: nan is not a number"):
        decode_observation(profile, block, device="tuna", at=AT)


def test_short_block_names_the_missing_register() -> None:
    profile = load_profile("scales/laumas-tlu")
    with pytest.raises(DecodeError, match=r"scale-1: register 9: not in the block read"):
        decode_observation(profile, RegisterBlock(6, [0, 0, 0]), device="scale-1", at=AT)


def test_word_out_of_range_is_a_decode_error() -> None:
    profile = load_profile("scales/laumas-tlu")
    with pytest.raises(DecodeError, match=r"register 8: 70000 is not a 16-bit word"):
        decode_observation(profile, laumas_block(0, [0, 70000], [0, 0]), device="s", at=AT)


SHIPPED = [
    "scales/laumas-tlu",
    "scales/tuna-id551",
    "coldrooms/dixell-xr60cx",
    "coldrooms/carel-ir33",
]
words = st.one_of(st.integers(0, 0xFFFF), st.integers(-(2**40), 2**40))


@st.composite
def blocks_near_the_plan(draw: st.DrawFn, name: str) -> tuple[list[RegisterBlock], list[CoilBlock]]:
    """Blocks shaped like the read plan's, but shifted, truncated and full of random words."""
    registers, coils = [], []
    for chunk in shipped(name).read_plan():
        start = chunk.start + draw(st.integers(-2, 2))
        count = draw(st.integers(0, chunk.count + 2))
        if isinstance(chunk.table, BitTable):
            coils.append(CoilBlock(start, draw(st.lists(st.booleans(), max_size=count))))
        else:
            registers.append(RegisterBlock(start, draw(st.lists(words, max_size=count))))
    return registers, coils


@settings(max_examples=400, deadline=None)
@given(data=st.data(), name=st.sampled_from(SHIPPED))
def test_any_register_block_decodes_or_raises_decode_error(data: st.DataObject, name: str) -> None:
    registers, coils = data.draw(blocks_near_the_plan(name))
    profile = shipped(name)
    try:
        obs = decode_observation(profile, registers, coils=coils, device="fuzz", at=AT)
    except DecodeError as exc:
        message = str(exc)
    else:
        assert set(obs.values) == set(profile.metrics) | set(profile.status)
        return
    assert re.match(r"fuzz: (register|coil) \d+: ", message), message


@settings(max_examples=300, deadline=None)
@given(block=st.lists(st.integers(0, 0xFFFF), min_size=7, max_size=7))
def test_any_full_float_block_decodes_or_raises_decode_error(block: list[int]) -> None:
    profile = shipped("scales/tuna-id551")
    try:
        obs = decode_observation(profile, RegisterBlock(0, block), device="fuzz", at=AT)
    except DecodeError:
        return
    assert isinstance(obs.values["weight"], Decimal)


# A Dixell controller read over RTU, captured as the four request/answer frame pairs of the
# profile's read plan (unit 1, CRC low byte first): probes, set point, status, alarms.
DIXELL_FRAMES = [
    ("01 03 01 00 00 03 04 37", "01 03 06 00 22 ff 83 00 1d d8 87"),  # 3.4, -12.5, 2.9 °C
    ("01 03 03 00 00 01 84 4e", "01 03 02 00 1e 38 4c"),  # set point 3.0 °C
    ("01 03 05 00 00 01 84 c6", "01 03 02 05 00 bb 14"),  # compressor and door bits
    ("01 03 0d 00 00 02 c6 a7", "01 03 04 08 00 00 01 39 93"),  # door and high temp alarms
]


def test_golden_rtu_frames_of_a_dixell_read_decode_to_an_exact_observation() -> None:
    profile = load_profile("coldrooms/dixell-xr60cx")
    framer = FramerRTU(DecodePDU(False))
    blocks = []
    for chunk, (request, answer) in zip(profile.read_plan(), DIXELL_FRAMES, strict=True):
        pdu = ReadHoldingRegistersRequest(address=chunk.start, count=chunk.count, dev_id=1)
        assert framer.buildFrame(pdu).hex(" ") == request
        used, response = framer.handleFrame(bytes.fromhex(answer), 1, 0)
        assert used == len(bytes.fromhex(answer))
        assert response is not None, f"{answer} does not frame"
        blocks.append(RegisterBlock(chunk.start, response.registers))
    obs = decode_observation(profile, blocks, device="cold-1", at=AT)
    assert obs == Observation(
        device="cold-1",
        at=AT,
        values={
            "air_temp": Decimal("3.4"),
            "evaporator_temp": Decimal("-12.5"),
            "product_temp": Decimal("2.9"),
            "setpoint": Decimal("3.0"),
            "compressor": True,
            "defrost": False,
            "door_open": True,
            "fans": False,
            "alarm_door": True,
            "alarm_high_temp": True,
            "alarm_low_temp": False,
            "alarm_probe_fault": False,
            "alarm_evaporator_probe_fault": False,
        },
        units=dict.fromkeys(["air_temp", "evaporator_temp", "product_temp", "setpoint"], "°C"),
    )


def test_a_frame_with_a_bad_crc_does_not_frame() -> None:
    framer = FramerRTU(DecodePDU(False))
    _, response = framer.handleFrame(bytes.fromhex("01 03 06 00 22 ff 83 00 1d d8 88"), 1, 0)
    assert response is None


def test_carel_flags_come_from_coils_and_temperatures_from_registers() -> None:
    profile = load_profile("coldrooms/carel-ir33")
    registers = RegisterBlock(3, [0xFFEC, 0xFF38, 25, *[0] * 9, 40])  # -2.0, -20.0, 2.5; 4.0
    coils = [False] * 37
    for index in (0, 2, 15, 36):  # compressor, fans, HI alarm, door
        coils[index] = True
    obs = decode_observation(profile, registers, coils=[CoilBlock(0, coils)], device="c", at=AT)
    values = obs.values
    assert (values["air_temp"], values["evaporator_temp"], values["product_temp"]) == (
        Decimal("-2.0"),
        Decimal("-20.0"),
        Decimal("2.5"),
    )
    assert values["setpoint"] == Decimal("4.0")
    assert {name for name, v in values.items() if v is True} == {
        "compressor",
        "fans",
        "alarm_high_temp",
        "door_open",
    }


def test_a_missing_coil_names_the_coil() -> None:
    profile = load_profile("coldrooms/carel-ir33")
    registers = RegisterBlock(3, [0] * 13)
    with pytest.raises(DecodeError, match=r"^c: coil 36: not in the coils read"):
        decode_observation(
            profile, registers, coils=[CoilBlock(0, [False] * 31)], device="c", at=AT
        )


def test_a_value_may_span_two_read_blocks(tmp_path: Path) -> None:
    text = LITTLE_ENDIAN_INPUT.replace("table: input", "table: input\nmax_registers_per_read: 1")
    profile = profile_from(tmp_path, text)
    blocks = [RegisterBlock(100 + i, [w]) for i, w in enumerate([0x0419, 0x3F9E, 0, 0, 1])]
    assert decode_observation(profile, blocks, device="s", at=AT).values["weight"] == Decimal(
        "1.235"
    )
