"""Product labels as a camera would see them, and a network camera that shows them.

``render_frame`` draws one label (EAN-13, GS1-128, GS1 Digital Link QR or GS1 DataMatrix, made
with zxing-cpp's writer) on a 640×480 frame; ``distort`` degrades a frame the way a hand-held
scanner does (blur, noise, rotation, perspective, glare, low contrast) at levels 0–3. Both are
deterministic for a seed, so a decode-rate figure can be reproduced.

``LabelCamera`` streams such frames as MJPEG over HTTP (``multipart/x-mixed-replace``), the
protocol of most IP cameras, which ``cv2.VideoCapture`` reads through FFmpeg as it would a real
one; ``serve`` runs it until cancelled. ``write_video`` writes frames to a file for the same use.

Simulators may not import ``edge_agent``: label data is built from ``domain.gs1``'s rules.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from pathlib import Path

import cv2
import numpy as np
import zxingcpp

from domain.gs1 import gs1_check_digit

log = logging.getLogger(__name__)

FRAME_SIZE = (640, 480)
"""Width × height of every rendered frame (VGA, what a fixed scanner camera typically gives)."""

MAX_LEVEL = 3


class LabelKind(StrEnum):
    EAN13 = "ean13"
    GS1_128 = "gs1-128"
    QR_DIGITAL_LINK = "qr-digital-link"
    GS1_DATAMATRIX = "gs1-datamatrix"


class DistortionKind(StrEnum):
    BLUR = "blur"
    NOISE = "noise"
    ROTATION = "rotation"
    PERSPECTIVE = "perspective"
    GLARE = "glare"
    LOW_CONTRAST = "low_contrast"


_STRENGTH: dict[DistortionKind, tuple[float, float, float, float]] = {
    DistortionKind.BLUR: (0, 0.8, 1.5, 2.4),  # Gaussian sigma, px
    DistortionKind.NOISE: (0, 8, 20, 35),  # Gaussian noise std, grey levels
    DistortionKind.ROTATION: (0, 8, 25, 45),  # degrees, sign drawn from the seed
    DistortionKind.PERSPECTIVE: (0, 0.04, 0.08, 0.13),  # corner shift, fraction of frame
    DistortionKind.GLARE: (0, 0.5, 0.8, 1.0),  # peak brightening of a hot spot
    DistortionKind.LOW_CONTRAST: (1, 0.5, 0.3, 0.18),  # remaining contrast
}
"""What each level of each distortion means; level 0 leaves the frame untouched."""


@dataclass(frozen=True, slots=True)
class Distortion:
    kind: DistortionKind
    level: int


@dataclass(frozen=True, slots=True)
class LabelData:
    """What a label says, in GS1 terms: what a decoder should get back from it."""

    gtin: str  # GTIN-14
    lot: str
    expiry: date
    serial: str
    net_weight_kg: Decimal  # three decimals: AI 3103


@dataclass(frozen=True, slots=True)
class Label:
    kind: LabelKind
    data: LabelData
    title: str = "EdgeStock - chicken thigh"

    @property
    def content(self) -> str:
        """The text to encode: HRI with parentheses for GS1 symbols, a URI for the QR code."""
        d = self.data
        expiry, weight = d.expiry.strftime("%y%m%d"), f"{int(d.net_weight_kg * 1000):06d}"
        if self.kind is LabelKind.EAN13:
            return d.gtin[1:]
        if self.kind is LabelKind.QR_DIGITAL_LINK:
            return (
                f"https://id.gs1.org/01/{d.gtin}/10/{d.lot}/21/{d.serial}?17={expiry}&3103={weight}"
            )
        if self.kind is LabelKind.GS1_128:
            # What fits a VGA frame at 2 px per module; the lot's FNC1 separator is exercised.
            return f"(01){d.gtin}(10){d.lot}(17){expiry}"
        return f"(01){d.gtin}(17){expiry}(3103){weight}(10){d.lot}(21){d.serial}"


def random_label_data(rng: np.random.Generator) -> LabelData:
    """Valid GS1 data: a GTIN-13 (as GTIN-14) with its check digit, a future expiry."""
    body = "".join(str(d) for d in rng.integers(0, 10, 12))
    gtin13 = f"{body}{gs1_check_digit(body)}"
    return LabelData(
        gtin=f"0{gtin13}",
        lot=f"L{int(rng.integers(0, 100_000)):05d}",
        expiry=date(2027, int(rng.integers(1, 13)), int(rng.integers(1, 29))),
        serial=f"S{int(rng.integers(0, 10**6)):06d}",
        net_weight_kg=Decimal(int(rng.integers(100, 25_000))) / 1000,
    )


def symbol_image(label: Label) -> np.ndarray:
    """The bare symbol at one pixel per module, quiet zone included (zxing-cpp's writer)."""
    formats = {
        LabelKind.EAN13: (zxingcpp.BarcodeFormat.EAN13, False),
        LabelKind.GS1_128: (zxingcpp.BarcodeFormat.Code128, True),
        LabelKind.QR_DIGITAL_LINK: (zxingcpp.BarcodeFormat.QRCode, False),
        LabelKind.GS1_DATAMATRIX: (zxingcpp.BarcodeFormat.DataMatrix, True),
    }
    fmt, gs1 = formats[label.kind]
    options = {"gs1": True} if gs1 else {}
    barcode = zxingcpp.create_barcode(label.content, fmt, **options)
    return np.asarray(zxingcpp.write_barcode_to_image(barcode, scale=1))


def render_frame(label: Label, seed: int = 0) -> np.ndarray:
    """A 640×480 BGR frame: the label card on a textured bench, placed by ``seed``."""
    rng = np.random.default_rng(seed)
    width, height = FRAME_SIZE
    bench = rng.normal(150, 12, (height // 8, width // 8)).clip(0, 255).astype(np.uint8)
    frame = cv2.resize(bench, FRAME_SIZE, interpolation=cv2.INTER_CUBIC)
    symbol = _scaled_symbol(symbol_image(label), max_w=580, max_h=240)
    card_w, card_h = max(symbol.shape[1] + 40, 360), symbol.shape[0] + 130
    x0 = int(rng.integers(10, width - card_w - 9)) if width - card_w > 20 else (width - card_w) // 2
    y0 = int(rng.integers(10, height - card_h - 9)) if height - card_h > 20 else 0
    frame[y0 : y0 + card_h, x0 : x0 + card_w] = 250
    cv2.rectangle(frame, (x0, y0), (x0 + card_w - 1, y0 + card_h - 1), 60, 2)
    cv2.putText(frame, label.title, (x0 + 14, y0 + 34), cv2.FONT_HERSHEY_SIMPLEX, 0.7, 20, 2)
    sx, sy = x0 + (card_w - symbol.shape[1]) // 2, y0 + 50
    frame[sy : sy + symbol.shape[0], sx : sx + symbol.shape[1]] = symbol
    caption = f"LOT {label.data.lot}  EXP {label.data.expiry:%d.%m.%Y}"
    cv2.putText(frame, caption, (x0 + 14, y0 + card_h - 24), cv2.FONT_HERSHEY_SIMPLEX, 0.55, 30, 1)
    return cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)


def _scaled_symbol(symbol: np.ndarray, *, max_w: int, max_h: int) -> np.ndarray:
    """Enlarge by a whole number of pixels per module (as a label printer does), at most 4."""
    h, w = symbol.shape
    scale = max(1, min(4, max_w // w, max_h // h))
    size = (w * scale, h * scale)
    return cv2.resize(symbol, size, interpolation=cv2.INTER_NEAREST)


def distort(frame: np.ndarray, distortions: Iterable[Distortion], seed: int = 0) -> np.ndarray:
    """``frame`` degraded by each distortion in turn; the same seed gives the same frame."""
    rng = np.random.default_rng(seed)
    out = frame.copy()
    for d in distortions:
        if not 0 <= d.level <= MAX_LEVEL:
            raise ValueError(f"{d.kind} level {d.level} is not in 0..{MAX_LEVEL}")
        strength = _STRENGTH[d.kind][d.level]
        if d.level:
            out = _APPLY[d.kind](out, strength, rng)
    return out


def _blur(frame: np.ndarray, sigma: float, _rng: np.random.Generator) -> np.ndarray:
    return cv2.GaussianBlur(frame, (0, 0), sigma)


def _noise(frame: np.ndarray, std: float, rng: np.random.Generator) -> np.ndarray:
    noisy = frame.astype(np.float32) + rng.normal(0, std, frame.shape[:2])[..., None]
    return noisy.clip(0, 255).astype(np.uint8)


def _rotation(frame: np.ndarray, degrees: float, rng: np.random.Generator) -> np.ndarray:
    angle = degrees * (1 if rng.random() < 0.5 else -1)
    w, h = FRAME_SIZE
    c, s = abs(math.cos(math.radians(angle))), abs(math.sin(math.radians(angle)))
    # Shrunk so the whole rotated frame stays in view, as a label turned under the camera.
    fit = min(w / (w * c + h * s), h / (w * s + h * c))
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, fit)
    return cv2.warpAffine(frame, matrix, FRAME_SIZE, borderMode=cv2.BORDER_REPLICATE)


def _perspective(frame: np.ndarray, shift: float, rng: np.random.Generator) -> np.ndarray:
    w, h = FRAME_SIZE
    corners = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    jitter = rng.uniform(-shift, shift, (4, 2)) * np.float32([w, h])
    matrix = cv2.getPerspectiveTransform(corners, (corners + jitter).astype(np.float32))
    return cv2.warpPerspective(frame, matrix, FRAME_SIZE, borderMode=cv2.BORDER_REPLICATE)


def _glare(frame: np.ndarray, peak: float, rng: np.random.Generator) -> np.ndarray:
    w, h = FRAME_SIZE
    cx, cy = rng.uniform(0.3 * w, 0.7 * w), rng.uniform(0.3 * h, 0.7 * h)
    radius = rng.uniform(0.12, 0.2) * w
    ys, xs = np.mgrid[0:h, 0:w]
    spot = np.exp(-((xs - cx) ** 2 + (ys - cy) ** 2) / (2 * radius**2)) * peak * 255
    return (frame.astype(np.float32) + spot[..., None]).clip(0, 255).astype(np.uint8)


def _low_contrast(frame: np.ndarray, contrast: float, _rng: np.random.Generator) -> np.ndarray:
    # Washed out towards a light grey, as a label under a strong, flat light.
    return (frame.astype(np.float32) * contrast + 170 * (1 - contrast)).astype(np.uint8)


_APPLY = {
    DistortionKind.BLUR: _blur,
    DistortionKind.NOISE: _noise,
    DistortionKind.ROTATION: _rotation,
    DistortionKind.PERSPECTIVE: _perspective,
    DistortionKind.GLARE: _glare,
    DistortionKind.LOW_CONTRAST: _low_contrast,
}


def label_frames(
    count: int, *, seed: int = 0, kinds: Sequence[LabelKind] = tuple(LabelKind), level: int = 0
) -> list[tuple[Label, np.ndarray]]:
    """``count`` labels cycling through ``kinds``, each rendered and, from level 1, degraded by
    one distortion chosen by the seed."""
    rng = np.random.default_rng(seed)
    frames = []
    for index in range(count):
        label = Label(kinds[index % len(kinds)], random_label_data(rng))
        frame = render_frame(label, seed=seed + index)
        if level:
            kind = list(DistortionKind)[int(rng.integers(0, len(DistortionKind)))]
            frame = distort(frame, [Distortion(kind, level)], seed=seed + index)
        frames.append((label, frame))
    return frames


def write_video(path: Path, frames: Iterable[np.ndarray], fps: float = 10.0) -> Path:
    """Frames to a Motion-JPEG AVI that ``cv2.VideoCapture`` (FFmpeg) reads back."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, FRAME_SIZE)
    if not writer.isOpened():
        raise OSError(f"cannot write a video to {path}")
    try:
        for frame in frames:
            writer.write(frame)
    finally:
        writer.release()
    return path


class LabelCamera:
    """An IP camera on loopback streaming MJPEG over HTTP, one frame after another, looping.

    Every frame is shown for ``hold_s`` (re-sent at ``fps``), as a label held under a fixed
    scanner is; ``stop()`` drops every client, as a camera losing power does.
    """

    BOUNDARY = b"labelframe"

    def __init__(
        self,
        frames: Sequence[np.ndarray],
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        fps: float = 10.0,
        hold_s: float = 1.0,
    ) -> None:
        if not frames:
            raise ValueError("a camera needs at least one frame to show")
        self._jpegs = [
            cv2.imencode(".jpg", f, [cv2.IMWRITE_JPEG_QUALITY, 92])[1].tobytes() for f in frames
        ]
        self.host, self.port, self.fps, self.hold_s = host, port, fps, hold_s
        self._server: asyncio.Server | None = None
        self._clients: set[asyncio.StreamWriter] = set()
        self._changed = asyncio.Condition()

    @property
    def clients(self) -> int:
        """Streams open right now."""
        return len(self._clients)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/labels.mjpg"

    async def start(self) -> str:
        """Listen; returns the stream URL (with the port chosen when ``port`` was 0)."""
        self._server = await asyncio.start_server(self._client, self.host, self.port)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self.url

    async def wait_for_clients(self, count: int) -> None:
        """Until exactly ``count`` streams are open (a client connected, or hung up)."""
        async with self._changed:
            await self._changed.wait_for(lambda: len(self._clients) == count)

    async def stop(self) -> None:
        """Stop listening and cut every open stream, as a camera losing power."""
        if self._server is not None:
            self._server.close()
        for writer in self._clients:
            writer.transport.abort()
        await self.wait_for_clients(0)
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await self._count(self._clients.add, writer)
        try:
            await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
            writer.write(
                b"HTTP/1.0 200 OK\r\nCache-Control: no-cache\r\nConnection: close\r\n"
                b"Content-Type: multipart/x-mixed-replace; boundary=" + self.BOUNDARY + b"\r\n\r\n"
            )
            await self._stream(writer)
        except (ConnectionError, asyncio.IncompleteReadError, TimeoutError):
            pass
        finally:
            writer.close()
            await self._count(self._clients.discard, writer)

    async def _count(
        self, change: Callable[[asyncio.StreamWriter], None], writer: asyncio.StreamWriter
    ) -> None:
        async with self._changed:
            change(writer)
            self._changed.notify_all()

    async def _stream(self, writer: asyncio.StreamWriter) -> None:
        loop = asyncio.get_running_loop()
        repeats = max(1, math.ceil(self.hold_s * self.fps))
        started, sent = loop.time(), 0
        while not writer.is_closing():
            jpeg = self._jpegs[(sent // repeats) % len(self._jpegs)]
            writer.write(
                b"--" + self.BOUNDARY + b"\r\nContent-Type: image/jpeg\r\n"
                b"Content-Length: " + str(len(jpeg)).encode() + b"\r\n\r\n" + jpeg + b"\r\n"
            )
            await writer.drain()
            sent += 1
            await asyncio.sleep(max(0.0, started + sent / self.fps - loop.time()))


async def serve(
    host: str = "127.0.0.1",
    port: int = 8081,
    *,
    labels: int = 8,
    level: int = 0,
    seed: int = 0,
    fps: float = 10.0,
    hold_s: float = 2.0,
) -> None:
    """Stream ``labels`` rendered labels (distortion ``level`` 0–3) until cancelled.

    Point a camera device's ``source`` at the logged URL.
    """
    frames = [frame for _, frame in label_frames(labels, seed=seed, level=level)]
    camera = LabelCamera(frames, host=host, port=port, fps=fps, hold_s=hold_s)
    url = await camera.start()
    log.info("label camera streaming %d labels on %s", labels, url)
    try:
        await asyncio.Future()
    finally:
        await camera.stop()


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m simulators.labels serve|video``: a label camera, or a label video file."""
    parser = argparse.ArgumentParser(prog="python -m simulators.labels")
    parser.add_argument("command", choices=["serve", "video"])
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--labels", type=int, default=8)
    parser.add_argument("--level", type=int, default=0, choices=range(MAX_LEVEL + 1))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("labels.avi"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.command == "video":
        frames = [f for _, f in label_frames(args.labels, seed=args.seed, level=args.level)]
        held = [f for f in frames for _ in range(20)]
        log.info("wrote %s", write_video(args.out, held))
        return
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(port=args.port, labels=args.labels, level=args.level, seed=args.seed))


if __name__ == "__main__":
    main()
