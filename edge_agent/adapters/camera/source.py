"""Where frames come from: a V4L2 camera, a video or image file, a stream URL (all through
``cv2.VideoCapture``), or a directory of images.

Everything here blocks (OpenCV waits on the device or the network), so the adapter calls it from
its one capture thread; a source is opened, read and closed on that same thread. Each failure
becomes a ``SourceError`` saying what happened to which source.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import cv2

from edge_agent.adapters.camera.decoders import Frame

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp"})


class SourceError(Exception):
    """The source cannot be opened, or gave no frame: unplugged, stream cut, file ended."""


class FrameSource(Protocol):
    def read(self) -> Frame:
        """The next frame; ``SourceError`` when there is none and will be none."""

    def close(self) -> None:
        """Release the device, connection or file."""


def open_source(source: int | str, timeout_s: float) -> FrameSource:
    """Open ``source`` as its form says (see ``CameraConfig.source``)."""
    if isinstance(source, str) and Path(source).is_dir():
        return ImageDirectory(Path(source))
    return VideoCaptureSource(source, timeout_s)


class VideoCaptureSource:
    """Anything ``cv2.VideoCapture`` opens; open and read are bounded by ``timeout_s`` where the
    backend honours it (FFmpeg streams do; V4L2 has its own select timeout)."""

    def __init__(self, source: int | str, timeout_s: float) -> None:
        self.source = source
        ms = int(timeout_s * 1000)
        params = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, ms, cv2.CAP_PROP_READ_TIMEOUT_MSEC, ms]
        try:
            self._capture = cv2.VideoCapture(source, cv2.CAP_ANY, params)
        except cv2.error as exc:
            raise SourceError(f"cannot open {source!r}: {exc}") from exc
        if not self._capture.isOpened():
            self._capture.release()
            raise SourceError(f"cannot open {source!r}")

    def read(self) -> Frame:
        try:
            ok, frame = self._capture.read()
        except cv2.error as exc:
            raise SourceError(f"reading {self.source!r}: {exc}") from exc
        if not ok or frame is None:
            raise SourceError(f"no frame from {self.source!r} (ended or lost)")
        return frame

    def close(self) -> None:
        self._capture.release()


class ImageDirectory:
    """The images of a directory in name order, once; then the source has ended.

    An image that does not load is handed on as an empty frame, so the adapter counts and
    quarantines it like any other unreadable frame instead of losing the source.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not files:
            raise SourceError(f"no images in {path}")
        self._files: Iterator[Path] = iter(files)

    def read(self) -> Frame:
        for file in self._files:
            frame = cv2.imread(str(file), cv2.IMREAD_UNCHANGED)
            if frame is None:
                raise UnreadableImage(file)
            return frame
        raise SourceError(f"no more images in {self.path}")

    def close(self) -> None:
        self._files = iter(())


class UnreadableImage(Exception):
    """One file of an image directory that is not an image: a bad frame, not a lost source."""

    def __init__(self, file: Path) -> None:
        self.file = file
        super().__init__(f"{file} is not a readable image")
