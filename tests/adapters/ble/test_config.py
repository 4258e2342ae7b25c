"""Tag configs are checked once, at load: a bad MAC, key or combination names the field."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from edge_agent.adapters.ble.config import BleTagConfig, TagFormat


def load(**fields: object) -> BleTagConfig:
    return BleTagConfig.model_validate(
        {"id": "t", "address": "a4c1388d18b2", "format": "pvvx"} | fields
    )


def test_defaults_and_normalised_address() -> None:
    tag = load()
    assert (tag.kind, tag.address, tag.format) == ("ble_tag", "A4:C1:38:8D:18:B2", TagFormat.PVVX)
    assert (tag.offline_after_s, tag.repeat_window_s, tag.hci, tag.key) == (300, 60, None, None)


def test_bindkey_becomes_the_aes_key() -> None:
    tag = load(format="bthome", bindkey="231D39C1D7CC1AB1AEE224CD096DB932")
    assert tag.key == bytes.fromhex("231d39c1d7cc1ab1aee224cd096db932")


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"address": "A4:C1:38:8D:18"}, "address", "5 bytes, not 6"),
        ({"address": "not-a-mac"}, "address", "is not a MAC address"),
        ({"format": "bthome", "bindkey": "231d"}, "bindkey", "32 hex digits"),
        ({"format": "bthome", "bindkey": "z" * 32}, "bindkey", "32 hex digits"),
        ({"bindkey": "00" * 16}, None, "bindkey is for encrypted BTHome tags, not pvvx"),
        ({"format": "xiaomi"}, "format", "Input should be"),
        ({"hci": "usb0"}, "hci", "should match pattern"),
        ({"offline_after_s": 0}, "offline_after_s", "greater than 0"),
        ({"rssi": -60}, "rssi", "Extra inputs are not permitted"),
    ],
)
def test_bad_fields_are_named(fields: dict[str, object], field: str | None, message: str) -> None:
    with pytest.raises(ValidationError, match=message) as caught:
        load(**fields)
    (error,) = caught.value.errors()
    assert error["loc"] == ((field,) if field else ())


def test_frozen() -> None:
    with pytest.raises(ValidationError):
        load().id = "other"  # type: ignore[misc]
