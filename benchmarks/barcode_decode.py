"""Barcode decoding per 640×480 frame: speed per backend, and decode rate by distortion level.

Speed: ms per frame through each of the adapter's decoders (grey conversion + decode + symbol
mapping), on clean frames and on noisy ones (noise level 2), against two baselines measured on
the same frames in the same run: ``cv2.cvtColor`` alone (the floor of any decoder) and a raw
``zxingcpp.read_barcodes`` with its defaults (all formats, try harder everywhere).

Decode rate: for every symbology × distortion × level, ``--labels`` rendered labels; a label
counts as read when the decoder returns its symbol and the GS1 mapping gives back its GTIN.
The table printed is the one in ``docs/barcodes.md``.

    python benchmarks/barcode_decode.py [--labels 8] [--frames 24] [--budget-s 30]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import cv2
import numpy as np
import zxingcpp

from domain.gs1 import Gs1Error
from edge_agent.adapters.camera.decoders import (
    LINEAR,
    BarcodeDecoder,
    FallbackDecoder,
    ZxingDecoder,
    to_gray,
)
from edge_agent.adapters.camera.gs1 import read_code
from edge_agent.adapters.camera.scanned import Symbology
from edge_agent.adapters.camera.zbar import SUPPORTED as ZBAR_SUPPORTED
from edge_agent.adapters.camera.zbar import ZbarDecoder
from simulators.labels import (
    FRAME_SIZE,
    MAX_LEVEL,
    Distortion,
    DistortionKind,
    Label,
    LabelKind,
    distort,
    label_frames,
    random_label_data,
    render_frame,
)

SYMBOLOGY = {
    LabelKind.EAN13: Symbology.EAN13,
    LabelKind.GS1_128: Symbology.CODE128,
    LabelKind.QR_DIGITAL_LINK: Symbology.QR,
    LabelKind.GS1_DATAMATRIX: Symbology.DATAMATRIX,
}


def decoders() -> list[BarcodeDecoder]:
    """Each backend alone, and the adapter's default: zxing-cpp, then zbar on 1D codes."""
    return [ZxingDecoder(), ZbarDecoder(), FallbackDecoder(ZxingDecoder(), ZbarDecoder(LINEAR))]


def ms_per_frame(frames: list[np.ndarray], work: Callable[[np.ndarray], object]) -> float:
    """Median of three passes over all frames, in ms per frame."""
    passes = []
    for _ in range(3):
        start = time.perf_counter()
        for frame in frames:
            work(frame)
        passes.append((time.perf_counter() - start) * 1000 / len(frames))
    return statistics.median(passes)


def speed(frame_count: int) -> None:
    clean = [frame for _, frame in label_frames(frame_count, seed=1)]
    noisy = [
        distort(frame, [Distortion(DistortionKind.NOISE, 2)], seed=i)
        for i, frame in enumerate(clean)
    ]
    empty = [bench(seed) for seed in range(frame_count)]
    rows: list[tuple[str, Callable[[np.ndarray], object]]] = [
        ("baseline: cv2.cvtColor only", lambda f: cv2.cvtColor(f, cv2.COLOR_BGR2GRAY)),
        ("baseline: raw zxingcpp.read_barcodes", zxingcpp.read_barcodes),
    ]
    for decoder in decoders():
        rows.append((f"adapter: {decoder.name}", lambda f, d=decoder: d.decode(to_gray(f))))
    print(f"\n## ms per 640×480 frame ({frame_count} frames, 4 symbologies, median of 3 passes)\n")
    print("| what | clean label | noisy label (noise 2) | no label |")
    print("|---|---:|---:|---:|")
    for name, work in rows:
        cells = " | ".join(f"{ms_per_frame(frames, work):.2f}" for frames in (clean, noisy, empty))
        print(f"| {name} | {cells} |")


def bench(seed: int) -> np.ndarray:
    """A frame with nothing to read: what a fixed scanner sees most of the time."""
    rng = np.random.default_rng(seed)
    texture = rng.normal(150, 12, (60, 80)).clip(0, 255).astype(np.uint8)
    return cv2.cvtColor(cv2.resize(texture, FRAME_SIZE), cv2.COLOR_GRAY2BGR)


def is_read(decoder: BarcodeDecoder, label: Label, frame: np.ndarray) -> bool:
    for symbol in decoder.decode(to_gray(frame)):
        try:
            if read_code(symbol).gtin == label.data.gtin:
                return True
        except Gs1Error:
            continue
    return False


def decode_rates(labels: int, deadline: float) -> None:
    rng = np.random.default_rng(42)
    cases = [(DistortionKind.BLUR, 0)] + [
        (kind, level) for kind in DistortionKind for level in range(1, MAX_LEVEL + 1)
    ]
    backends = decoders()
    names = " / ".join(d.name for d in backends)
    print(f"\n## decode rate, % of {labels} labels per cell ({names})\n")
    print("| distortion | level | " + " | ".join(k.value for k in LabelKind) + " |")
    print("|---|---:|" + "---:|" * len(LabelKind))
    for kind, level in cases:
        if time.monotonic() > deadline:
            print("| (time budget spent: remaining rows skipped) |")
            return
        cells = []
        for label_kind in LabelKind:
            hits = dict.fromkeys((d.name for d in backends), 0)
            for i in range(labels):
                label = Label(label_kind, random_label_data(rng))
                frame = distort(render_frame(label, seed=i), [Distortion(kind, level)], seed=i)
                for decoder in backends:
                    hits[decoder.name] += is_read(decoder, label, frame)
            rates = [_pct(hits[d.name], labels) for d in backends]
            if SYMBOLOGY[label_kind] not in ZBAR_SUPPORTED:
                rates[1] = "–"
            cells.append(" / ".join(rates))
        name = "none" if level == 0 else kind.value
        print(f"| {name} | {level} | " + " | ".join(cells) + " |")


def _pct(hits: int, total: int) -> str:
    return f"{100 * hits / total:.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", type=int, default=8, help="labels per report cell")
    parser.add_argument("--frames", type=int, default=24, help="frames per speed row")
    parser.add_argument("--budget-s", type=float, default=30.0, help="stop the report after")
    args = parser.parse_args()
    started = time.monotonic()
    versions = f"zxing-cpp {metadata.version('zxing-cpp')}, pyzbar {metadata.version('pyzbar')}"
    print(f"# barcode decoding — {platform.machine()}, Python {platform.python_version()}, ")
    print(f"{versions}, OpenCV {cv2.__version__}")
    speed(args.frames)
    decode_rates(args.labels, started + args.budget_s)
    print(f"\n(total {time.monotonic() - started:.1f} s)")


if __name__ == "__main__":
    main()
