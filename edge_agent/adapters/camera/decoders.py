"""Barcode decoders behind one interface: a grey frame in, ``DecodedSymbol``s out.

zxing-cpp is the primary backend: it reads all four symbologies and reports the AIM symbology
identifier itself (``]C1`` for GS1-128, ``]d2`` for GS1 DataMatrix). zbar (``zbar.py``) cannot
read DataMatrix but reads tilted and blurred 1D codes that zxing-cpp misses, so the default is
``FallbackDecoder(zxing, zbar for 1D)``: measured in ``docs/barcodes.md``.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Protocol

import cv2
import numpy as np
import zxingcpp

from edge_agent.adapters.camera.scanned import DecodedSymbol, Symbology

Frame = np.ndarray
"""An 8-bit image as OpenCV hands it over: H×W grey or H×W×3 BGR."""

_ZXING_FORMATS = {
    Symbology.EAN13: zxingcpp.BarcodeFormat.EAN13,
    Symbology.CODE128: zxingcpp.BarcodeFormat.Code128,
    Symbology.QR: zxingcpp.BarcodeFormat.QRCode,
    Symbology.DATAMATRIX: zxingcpp.BarcodeFormat.DataMatrix,
}
LINEAR = frozenset({Symbology.EAN13, Symbology.CODE128})
"""1D symbologies: where zbar reads tilted and blurred codes that zxing-cpp misses."""

_ZXING_SYMBOLOGY = {fmt: symbology for symbology, fmt in _ZXING_FORMATS.items()}


class FrameError(ValueError):
    """A frame no decoder can read (wrong depth, channel count or shape)."""


class BarcodeDecoder(Protocol):
    """Reads every symbol of the enabled symbologies in one frame."""

    name: str

    def decode(self, gray: Frame) -> list[DecodedSymbol]:
        """Symbols found in ``gray`` (H×W, uint8), in no particular order."""


def to_gray(frame: Frame) -> Frame:
    """The frame as one 8-bit grey channel, the form every decoder reads.

    A 16-bit frame (a scanner's PNG or TIFF, a machine-vision camera) keeps its high byte; a
    float frame has no agreed range, so it is refused like any other unreadable frame.
    """
    if frame.dtype == np.uint16:
        frame = (frame >> 8).astype(np.uint8)
    if frame.dtype != np.uint8 or frame.ndim not in (2, 3) or min(frame.shape[:2]) < 1:
        raise FrameError(f"not an 8-bit image: dtype {frame.dtype}, shape {frame.shape}")
    if frame.ndim == 2:
        return frame
    channels = frame.shape[2]
    if channels == 1:
        return frame[:, :, 0]
    if channels == 3:
        return cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    if channels == 4:
        return cv2.cvtColor(frame, cv2.COLOR_BGRA2GRAY)
    raise FrameError(f"{channels} channels; expected 1, 3 or 4")


class ZxingDecoder:
    """zxing-cpp, with plain text mode so GS1 separators come back as ``\\x1d``."""

    name = "zxing-cpp"

    def __init__(self, symbologies: Collection[Symbology] = tuple(Symbology)) -> None:
        self.symbologies = frozenset(symbologies)
        self._formats = zxingcpp.BarcodeFormats(
            [_ZXING_FORMATS[s] for s in sorted(self.symbologies)]
        )

    def decode(self, gray: Frame) -> list[DecodedSymbol]:
        found = zxingcpp.read_barcodes(
            gray,
            formats=self._formats,
            text_mode=zxingcpp.TextMode.Plain,
            try_invert=False,
        )
        return [
            DecodedSymbol(_ZXING_SYMBOLOGY[code.format], code.symbology_identifier, code.text)
            for code in found
            if code.format in _ZXING_SYMBOLOGY
        ]


class FallbackDecoder:
    """The primary decoder; the fallback only on frames where the primary found nothing.

    Costs the fallback's time on empty frames, which is most frames of a fixed scanner.
    """

    def __init__(self, primary: BarcodeDecoder, fallback: BarcodeDecoder) -> None:
        self.name = f"{primary.name}+{fallback.name}"
        self._primary = primary
        self._fallback = fallback

    def decode(self, gray: Frame) -> list[DecodedSymbol]:
        return self._primary.decode(gray) or self._fallback.decode(gray)
