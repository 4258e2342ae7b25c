"""A lot's label files: ZPL for the thermal printer and PDF, with symbols made by zxing-cpp.

zxing-cpp is the writer because the camera already reads with it, so a label this module
prints is decoded by the same library the PDA's camera path uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from domain.labels import GrayImage, LotLabel, pdf, zpl


@dataclass(frozen=True, slots=True)
class LabelFiles:
    zpl: Path
    pdf: Path


def gs1_symbol(label: LotLabel, *, matrix: bool) -> GrayImage:
    """The GS1 DataMatrix (``matrix``) or GS1-128 of ``label``, one pixel per module,
    with the quiet zone the symbology needs."""
    import zxingcpp  # here: an agent that prints no label never loads the camera's library

    fmt = zxingcpp.BarcodeFormat.DataMatrix if matrix else zxingcpp.BarcodeFormat.Code128
    barcode = zxingcpp.create_barcode(label.human_readable(), fmt, gs1=True)
    pixels = np.asarray(zxingcpp.write_barcode_to_image(barcode, scale=1), dtype=np.uint8)
    quiet = 2 if matrix else 10  # modules: 1 for DataMatrix (2 kept), 10 for GS1-128
    framed = np.pad(pixels, ((quiet if matrix else 0,) * 2, (quiet, quiet)), constant_values=255)
    height, width = framed.shape
    return GrayImage(width, height, framed.tobytes())


def write_label_files(label: LotLabel, folder: Path, stem: str) -> LabelFiles:
    """Write ``stem.zpl`` and ``stem.pdf`` for ``label`` into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    files = LabelFiles(folder / f"{stem}.zpl", folder / f"{stem}.pdf")
    files.zpl.write_text(zpl(label), encoding="utf-8")
    linear, matrix = gs1_symbol(label, matrix=False), gs1_symbol(label, matrix=True)
    files.pdf.write_bytes(pdf(label, linear, matrix))
    return files
