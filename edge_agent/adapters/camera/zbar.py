"""zbar (through pyzbar's ctypes bindings) as a second decoder, with the GS1 flag pyzbar drops.

pyzbar returns bytes and a type name only, so GS1-128 and plain Code 128 look the same. zbar
itself knows: ``zbar_symbol_get_modifiers`` sets bit ``ZBAR_MOD_GS1`` when the symbol starts with
FNC1. This module binds that one function and builds the AIM identifier from it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager
from ctypes import POINTER, c_uint, c_void_p, cast, string_at

from pyzbar import wrapper as zb

from edge_agent.adapters.camera.decoders import Frame
from edge_agent.adapters.camera.scanned import DecodedSymbol, Symbology

ZBAR_MOD_GS1 = 0
"""Bit number of the GS1 modifier in ``zbar_symbol_get_modifiers`` (zbar.h)."""

_GREY_FOURCC = int.from_bytes(b"Y800", "little")

_zbar_symbol_get_modifiers = zb.zbar_function(
    "zbar_symbol_get_modifiers", c_uint, POINTER(zb.zbar_symbol)
)

_ZBAR_TYPES = {
    Symbology.EAN13: zb.ZBarSymbol.EAN13,
    Symbology.CODE128: zb.ZBarSymbol.CODE128,
    Symbology.QR: zb.ZBarSymbol.QRCODE,
}
_SYMBOLOGY = {zbar_type: symbology for symbology, zbar_type in _ZBAR_TYPES.items()}
_AIM = {  # (plain, GS1) identifiers
    Symbology.EAN13: ("]E0", "]E0"),
    Symbology.CODE128: ("]C0", "]C1"),
    Symbology.QR: ("]Q1", "]Q3"),
}

SUPPORTED = frozenset(_ZBAR_TYPES)
"""What zbar reads of our symbologies: everything but DataMatrix."""


class ZbarDecoder:
    """zbar 0.23 via ctypes; DataMatrix, if asked for, is silently not read (zbar lacks it)."""

    name = "zbar"

    def __init__(self, symbologies: Collection[Symbology] = tuple(Symbology)) -> None:
        self.symbologies = frozenset(symbologies) & SUPPORTED

    def decode(self, gray: Frame) -> list[DecodedSymbol]:
        height, width = gray.shape
        pixels = gray.tobytes()
        with _scanner(self.symbologies) as scanner, _image() as image:
            zb.zbar_image_set_format(image, _GREY_FOURCC)
            zb.zbar_image_set_size(image, width, height)
            zb.zbar_image_set_data(image, cast(pixels, c_void_p), len(pixels), None)
            if zb.zbar_scan_image(scanner, image) <= 0:
                return []
            return list(_symbols(image))


def _symbols(image: object) -> Iterator[DecodedSymbol]:
    symbol = zb.zbar_image_first_symbol(image)
    while symbol:
        symbology = _SYMBOLOGY.get(symbol.contents.type)
        if symbology is not None:
            data = string_at(
                zb.zbar_symbol_get_data(symbol), zb.zbar_symbol_get_data_length(symbol)
            )
            gs1 = bool(_zbar_symbol_get_modifiers(symbol) >> ZBAR_MOD_GS1 & 1)
            identifier = _AIM[symbology][gs1]
            yield DecodedSymbol(symbology, identifier, data.decode("utf-8", errors="replace"))
        symbol = zb.zbar_symbol_next(symbol)


@contextmanager
def _scanner(symbologies: frozenset[Symbology]) -> Iterator[object]:
    scanner = zb.zbar_image_scanner_create()
    if not scanner:
        raise MemoryError("zbar_image_scanner_create failed")
    try:
        zb.zbar_image_scanner_set_config(scanner, 0, zb.ZBarConfig.CFG_ENABLE, 0)
        for symbology in symbologies:
            zbar_type = _ZBAR_TYPES[symbology]
            zb.zbar_image_scanner_set_config(scanner, zbar_type, zb.ZBarConfig.CFG_ENABLE, 1)
        yield scanner
    finally:
        zb.zbar_image_scanner_destroy(scanner)


@contextmanager
def _image() -> Iterator[object]:
    image = zb.zbar_image_create()
    if not image:
        raise MemoryError("zbar_image_create failed")
    try:
        yield image
    finally:
        zb.zbar_image_destroy(image)
