"""Which BLE tags the agent listens to: validated once, where the config file is read."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from edge_agent.adapters.ble.reading import format_mac, parse_mac

_BINDKEY_HEX_DIGITS = 32


class TagFormat(StrEnum):
    """What a tag advertises; each value names one parser in ``formats``."""

    BTHOME = "bthome"
    ATC1441 = "atc1441"
    PVVX = "pvvx"
    RUUVI = "ruuvi"


class BleTagConfig(BaseModel):
    """One temperature/humidity tag: who it is, what it sends, when it counts as lost."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["ble_tag"] = "ble_tag"
    id: Annotated[str, Field(min_length=1, description="name used in observations and events")]
    address: Annotated[
        str, Field(description="the tag's MAC, AA:BB:CC:DD:EE:FF; other addresses are ignored")
    ]
    format: Annotated[TagFormat, Field(description="bthome, atc1441, pvvx or ruuvi")]
    bindkey: Annotated[
        str | None,
        Field(description="32 hex digits: the AES key of an encrypted BTHome tag"),
    ] = None
    hci: Annotated[
        str | None,
        Field(
            pattern=r"^hci[0-9]+$",
            description="BlueZ adapter that hears this tag (hci0); tags on one adapter share "
            "one scanner; default: the first powered adapter",
        ),
    ] = None
    offline_after_s: Annotated[
        float, Field(gt=0, le=86_400, description="silence after which the tag is offline")
    ] = 300.0
    repeat_window_s: Annotated[
        float,
        Field(
            ge=0,
            le=3_600,
            description="an unchanged payload heard again within this window is counted, not "
            "emitted; after it, it is emitted again as a fresh reading",
        ),
    ] = 60.0

    @field_validator("address")
    @classmethod
    def _normalised_mac(cls, address: str) -> str:
        return format_mac(parse_mac(address))

    @field_validator("bindkey")
    @classmethod
    def _bindkey_is_16_bytes(cls, bindkey: str | None) -> str | None:
        if bindkey is None:
            return None
        digits = bindkey.strip().lower()
        if len(digits) != _BINDKEY_HEX_DIGITS or any(c not in "0123456789abcdef" for c in digits):
            raise ValueError(f"a bindkey is {_BINDKEY_HEX_DIGITS} hex digits (16 bytes)")
        return digits

    @model_validator(mode="after")
    def _bindkey_only_for_bthome(self) -> Self:
        if self.bindkey is not None and self.format is not TagFormat.BTHOME:
            raise ValueError(f"bindkey is for encrypted BTHome tags, not {self.format.value}")
        return self

    @property
    def key(self) -> bytes | None:
        """The bindkey as the 16 bytes AES-CCM wants."""
        return None if self.bindkey is None else bytes.fromhex(self.bindkey)


def refuse_duplicates(tags: Sequence[BleTagConfig]) -> None:
    """Raise ``ValueError`` naming any address or id configured for more than one tag."""
    for what, values in (("address", [t.address for t in tags]), ("id", [t.id for t in tags])):
        repeated = sorted({v for v in values if values.count(v) > 1})
        if repeated:
            raise ValueError(f"BLE tags share an {what}: {', '.join(repeated)}")
