"""Lot labels as files: the GS1 element string, ZPL for thermal printers, and a one-page PDF.

Pure: the symbol's pixels are given (a ``GrayImage``, made by a barcode writer outside the
domain), so this module only arranges text and images into ZPL or PDF bytes.

The element string puts the fixed-length AIs first, (01) GTIN and (17) expiry, and the lot
(10) last, so no group separator is needed after a variable-length field on a linear label.
The ZPL uses the printer's own GS1 encoders: ``^BC`` in mode D (UCC/EAN, FNC1s from the
parentheses) for GS1-128 and ``^BX`` quality 200 with ``_1`` as FNC1 for GS1 DataMatrix. The
PDF (1.4) draws each symbol as a lossless grey image, scaled by whole modules, and the lot's
text in Helvetica, which every PDF reader has.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import date

from domain.gs1 import checked_key

GS = "\x1d"


@dataclass(frozen=True, slots=True)
class LotLabel:
    """What a lot's label says: the GTIN (14 digits), the lot, the expiry, and for people the
    item's name and the quantity."""

    gtin: str
    lot: str
    expires_on: date | None
    item_name: str
    qty_text: str

    def __post_init__(self) -> None:
        if len(self.gtin) != 14 or not self.gtin.isdigit():
            raise ValueError(f"gtin: 14 digits, not {self.gtin!r}")
        checked_key(self.gtin)
        if not 1 <= len(self.lot) <= 20 or any(not (" " < c <= "~") for c in self.lot):
            raise ValueError(
                f"lot: 1-20 printable ASCII characters without spaces, not {self.lot!r}"
            )

    def human_readable(self) -> str:
        """The element string as printed under the bars: ``(01)…(17)…(10)…``."""
        expiry = f"(17){self.expires_on:%y%m%d}" if self.expires_on else ""
        return f"(01){self.gtin}{expiry}(10){self.lot}"

    def element_string(self) -> str:
        """The element string as a scanner sends it (no parentheses, lot last so no GS)."""
        expiry = f"17{self.expires_on:%y%m%d}" if self.expires_on else ""
        return f"01{self.gtin}{expiry}10{self.lot}"


@dataclass(frozen=True, slots=True)
class GrayImage:
    """An 8-bit grey image, rows top to bottom (0 black, 255 white)."""

    width: int
    height: int
    pixels: bytes

    def __post_init__(self) -> None:
        if len(self.pixels) != self.width * self.height:
            raise ValueError(f"{len(self.pixels)} pixels for {self.width}x{self.height}")


def zpl(label: LotLabel, *, dpmm: int = 8) -> str:
    """The label in ZPL II, 100 × 60 mm at ``dpmm`` dots per mm (8 = 203 dpi)."""

    def dots(mm: float) -> int:
        return round(mm * dpmm)

    expiry = f"EXP {label.expires_on:%Y-%m-%d}" if label.expires_on else ""
    dm_data = f"_1{label.element_string()}"
    return "\n".join([
        "^XA",
        "^CI28",  # UTF-8 field data: item names are often Chinese
        f"^PW{dots(100)}^LL{dots(60)}",
        f"^FO{dots(4)},{dots(3)}^A0N,{dots(5)},{dots(5)}^FD{_zpl_text(label.item_name)}^FS",
        f"^FO{dots(4)},{dots(10)}^A0N,{dots(4)},{dots(4)}^FDLOT {label.lot}  {expiry}  "
        f"{_zpl_text(label.qty_text)}^FS",
        f"^FO{dots(4)},{dots(17)}^BY2^BCN,{dots(18)},Y,N,N,D^FD{label.human_readable()}^FS",
        f"^FO{dots(72)},{dots(3)}^BXN,{max(dots(0.5), 3)},200,,,,_^FD{dm_data}^FS",
        "^XZ",
        "",
    ])  # fmt: skip


def _zpl_text(text: str) -> str:
    # ^ and ~ start ZPL commands: a name holding one would cut the field short
    return text.replace("^", " ").replace("~", " ")


def pdf(label: LotLabel, linear: GrayImage, matrix: GrayImage) -> bytes:
    """A one-page PDF of the label (100 × 60 mm): text, the GS1-128 and the DataMatrix."""
    mm = 72 / 25.4
    width, height = 100 * mm, 60 * mm
    expiry = f"EXP {label.expires_on:%Y-%m-%d}" if label.expires_on else ""
    lines = [
        (4 * mm, height - 9 * mm, 12, _ascii(label.item_name)),
        (4 * mm, height - 15 * mm, 9, f"LOT {label.lot}  {expiry}  {_ascii(label.qty_text)}"),
        (4 * mm, 4 * mm, 8, label.human_readable()),
    ]
    text = "".join(
        f"BT /F1 {size} Tf {x:.2f} {y:.2f} Td ({_pdf_text(t)}) Tj ET\n" for x, y, size, t in lines
    )
    bar_w, bar_h = 88 * mm, 22 * mm
    dm = 22 * mm
    draw = (
        f"q {bar_w:.2f} 0 0 {bar_h:.2f} {4 * mm:.2f} {9 * mm:.2f} cm /Im1 Do Q\n"
        f"q {dm:.2f} 0 0 {dm:.2f} {width - dm - 4 * mm:.2f} {height - dm - 3 * mm:.2f} cm"
        " /Im2 Do Q\n"
    )
    content = (text + draw).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {width:.2f} {height:.2f}] /Contents 4 0 R"
        " /Resources << /Font << /F1 5 0 R >> /XObject << /Im1 6 0 R /Im2 7 0 R >> >> >>".encode(),
        _stream(b"", content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        _image(linear),
        _image(matrix),
    ]
    return _pdf_file(objects)


def _ascii(text: str) -> str:
    # the standard Helvetica has no CJK glyphs: the ZPL carries the name, the PDF says so
    return text if text.isascii() else text.encode("ascii", "replace").decode()


def _pdf_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _stream(dictionary: bytes, data: bytes) -> bytes:
    packed = zlib.compress(data)
    head = b"<< " + dictionary + b" /Filter /FlateDecode /Length %d >>" % len(packed)
    return head + b"\nstream\n" + packed + b"\nendstream"


def _image(image: GrayImage) -> bytes:
    # /Interpolate false: a scaled symbol keeps its hard module edges
    dictionary = (
        b"/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray"
        b" /BitsPerComponent 8 /Interpolate false" % (image.width, image.height)
    )
    return _stream(dictionary, image.pixels)


def _pdf_file(objects: list[bytes]) -> bytes:
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)
