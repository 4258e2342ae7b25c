"""Lot labels: the element string, the ZPL a thermal printer takes, and a PDF whose symbols,
rendered by Ghostscript as a printer would, decode back through the camera's decoder to the
same GS1 values."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from pathlib import Path

import cv2
import pytest

from domain.gs1 import parse_element_string
from domain.labels import GrayImage, LotLabel, zpl
from edge_agent.adapters.camera.decoders import ZxingDecoder
from edge_agent.purchasing.label_files import write_label_files

LABEL = LotLabel("09501101530003", "L2026-12/A", date(2027, 1, 31), "鸡腿 chicken thighs", "12 kg")


def test_the_element_string_puts_the_lot_last_and_reads_back() -> None:
    assert LABEL.human_readable() == "(01)09501101530003(17)270131(10)L2026-12/A"
    code = parse_element_string(LABEL.element_string())
    assert (code.gtin, code.lot, code.expiry) == ("09501101530003", "L2026-12/A", date(2027, 1, 31))


def test_a_bad_label_is_refused_naming_the_field() -> None:
    with pytest.raises(ValueError, match="check digit"):
        LotLabel("09501101530004", "L1", None, "x", "1 kg")
    with pytest.raises(ValueError, match="lot: 1-20 printable ASCII"):
        LotLabel("09501101530003", "L 1", None, "x", "1 kg")
    with pytest.raises(ValueError, match="gtin: 14 digits"):
        LotLabel("9501101530003", "L1", None, "x", "1 kg")
    with pytest.raises(ValueError, match="3 pixels for 2x2"):
        GrayImage(2, 2, b"\0\0\0")


def test_zpl_uses_the_printers_gs1_encoders_and_keeps_commands_out_of_text() -> None:
    text = zpl(LotLabel("09501101530003", "L1", None, "Sauce ^XZ~JA", "2 kg"))
    lines = text.splitlines()
    assert lines[0] == "^XA"
    assert lines[-1] == "^XZ"
    (bars,) = [line for line in lines if "^BC" in line]
    (matrix,) = [line for line in lines if "^BX" in line]
    assert bars.endswith("^BCN,144,Y,N,N,D^FD(01)09501101530003(10)L1^FS")  # mode D: GS1-128
    assert matrix.endswith("^BXN,4,200,,,,_^FD_1010950110153000310L1^FS")  # _1 is FNC1
    data = matrix.split("^FD_1")[1].removesuffix("^FS")
    assert parse_element_string(data).lot == "L1"
    assert "Sauce  XZ JA" in text
    assert text.count("^XZ") == 1


def test_the_pdf_label_decodes_back_to_the_same_values(tmp_path: Path) -> None:
    assert shutil.which("gs"), "Ghostscript prints the PDF label here (apt: ghostscript)"
    files = write_label_files(LABEL, tmp_path, "lot")
    assert files.zpl.read_text(encoding="utf-8").startswith("^XA")
    assert files.pdf.read_bytes().startswith(b"%PDF-1.4")
    png = tmp_path / "lot.png"
    subprocess.run(
        ["gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=pnggray", "-r300",
         f"-sOutputFile={png}", str(files.pdf)],
        check=True, timeout=60,
    )  # fmt: skip
    page = cv2.imread(str(png), cv2.IMREAD_GRAYSCALE)
    assert page is not None
    found = {symbol.symbology.value: symbol.text for symbol in ZxingDecoder().decode(page)}
    assert set(found) == {"code128", "datamatrix"}, found
    for text in found.values():
        code = parse_element_string(text)
        assert (code.gtin, code.lot, code.expiry) == (LABEL.gtin, LABEL.lot, LABEL.expires_on)
