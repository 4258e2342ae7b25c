"""Fuzzing the camera's frame and code handlers through the real adapter: a directory of random
images (any depth, channel count and size, corrupt files) and of real symbols carrying random
content (control characters, impossible GS1 dates and weights), read by the real decoders and
handed to the agent's real sink and store.

Whatever comes, the adapter keeps reading until the source ends: a bad frame is counted and
quarantined with its reason, a code the agent cannot use is quarantined with its reason, and
every other code is stored as it was read. Bounded and derandomized: the same examples every run.
"""

from __future__ import annotations

import asyncio
import tempfile
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pytest
import zxingcpp
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from edge_agent.adapters.camera.adapter import CameraAdapter
from edge_agent.backoff import Backoff
from edge_agent.pipeline.readings import ReadingPolicy, ReadingRecorder
from edge_agent.pipeline.stages import Readings, Scanners
from edge_agent.sink import AgentSink
from edge_agent.store import EdgeStore
from edge_agent.writer import GroupCommitWriter
from tests.adapters.camera.conftest import camera_config

pytestmark = [pytest.mark.timeout(300)]

FUZZ = settings(
    max_examples=40,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SUFFIXES = [".png", ".bmp", ".tiff", ".jpg", ".webp"]


@dataclass(frozen=True)
class Picture:
    """One file of the directory: its bytes as written, and what a symbol in it says."""

    name: str
    content: bytes
    says: str | None = None


@st.composite
def noise_images(draw: st.DrawFn) -> Picture:
    """An image OpenCV writes: 8 or 16 bit or float, 1, 3 or 4 channels, 1 to 64 pixels a side."""
    dtype = draw(st.sampled_from([np.uint8, np.uint16, np.float32]))
    channels = draw(st.sampled_from([1, 3, 4]))
    height, width = draw(st.integers(1, 64)), draw(st.integers(1, 64))
    seed = draw(st.integers(0, 2**32 - 1))
    pixels = np.random.default_rng(seed).random((height, width, channels)) * 255
    image = pixels.astype(dtype)
    suffix = ".tiff" if dtype == np.float32 else draw(st.sampled_from(SUFFIXES))
    if dtype == np.uint16 and suffix not in (".png", ".tiff"):
        suffix = ".png"
    ok, encoded = cv2.imencode(suffix, image[:, :, 0] if channels == 1 else image)
    assume(ok)
    return Picture(f"noise{suffix}", encoded.tobytes())


@st.composite
def broken_files(draw: st.DrawFn) -> Picture:
    """Bytes that are not an image, or an image cut short."""
    suffix = draw(st.sampled_from(SUFFIXES))
    if draw(st.booleans()):
        return Picture(f"junk{suffix}", draw(st.binary(max_size=200)))
    ok, whole = cv2.imencode(".png", np.full((40, 40), 128, np.uint8))
    assert ok
    return Picture("cut.png", whole.tobytes()[: draw(st.integers(0, len(whole) - 1))])


_GS1_FIELDS = st.sampled_from(
    ["(01)09506000134352", "(01)09506000134353", "(17)991332", "(17)270230", "(15)270115",
     "(10)L\x00T", "(10)LOT-7", "(21)S\x7f1", "(3103)000000", "(3103)999999", "(3109)123456",
     "(11)000000", "(99)\x01\x02"]
)  # fmt: skip


@st.composite
def symbols(draw: st.DrawFn) -> Picture:
    """A real symbol, rendered as a scanner sees it, whose content is drawn at random."""
    kind = draw(st.sampled_from(["qr", "gs1-datamatrix", "gs1-128"]))
    if kind == "qr":
        text = draw(st.text(min_size=1, max_size=60))
        options: dict[str, bool] = {}
        fmt = zxingcpp.BarcodeFormat.QRCode
    else:
        text = "".join(draw(st.lists(_GS1_FIELDS, min_size=1, max_size=4)))
        options = {"gs1": True}
        fmt = (
            zxingcpp.BarcodeFormat.DataMatrix
            if kind == "gs1-datamatrix"
            else zxingcpp.BarcodeFormat.Code128
        )
    try:
        barcode = zxingcpp.create_barcode(text, fmt, **options)
    except Exception:  # the writer refuses what the symbology cannot carry
        assume(False)
        raise
    module = np.asarray(zxingcpp.write_barcode_to_image(barcode, scale=4))
    framed = cv2.copyMakeBorder(module, 40, 40, 40, 40, cv2.BORDER_CONSTANT, value=255)
    ok, encoded = cv2.imencode(".png", framed)
    assert ok
    return Picture(f"{kind}.png", encoded.tobytes(), says=text)


async def read_directory(folder: Path, store: EdgeStore) -> CameraAdapter:
    """Run the adapter over ``folder`` until the directory has ended (offline), then stop it."""
    writer = GroupCommitWriter(store)
    writing = asyncio.create_task(writer.run())
    sink = AgentSink(
        store, writer, [Scanners(frozenset({"cam-1"})), Readings(ReadingRecorder(ReadingPolicy()))]
    )
    adapter = CameraAdapter(
        camera_config(str(folder), fps=60, debounce_s=0),
        sink,
        backoff=Backoff(60, 60),  # read once
    )
    reading = asyncio.create_task(adapter.run())
    try:
        async with asyncio.timeout(60):
            while adapter.counters()["cam-1"].online is not False:
                assert not reading.done(), f"the adapter ended on its own: {reading}"
                await asyncio.sleep(0.02)
    finally:
        reading.cancel()
        await asyncio.gather(reading, return_exceptions=True)
        writing.cancel()
        await asyncio.gather(writing, return_exceptions=True)
    assert reading.cancelled(), f"the adapter ended on its own: {reading}"
    return adapter


@FUZZ
@given(pictures=st.lists(noise_images() | broken_files() | symbols(), min_size=1, max_size=8))
def test_any_image_or_code_is_stored_or_quarantined_with_its_reason_and_reading_goes_on(
    pictures: list[Picture],
) -> None:
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work) / "frames"
        folder.mkdir()
        for n, picture in enumerate(pictures):
            (folder / f"{n:02d}-{picture.name}").write_bytes(picture.content)
        store = EdgeStore(Path(work) / "agent.db", agent="a1", site="s1")
        try:
            adapter = asyncio.run(read_directory(folder, store))
            scans = [e.data for e in store.events() if e.type == "code.scanned"]
            kept = store.quarantined()
        finally:
            store.close()
    counters = adapter.counters()["cam-1"]
    assert all(q.source == "cam-1" and q.reason for q in kept), kept
    # every file was a frame: read, or counted bad and kept with the reason
    unreadable = [q for q in kept if _UNREADABLE in q.reason or _NOT_AN_IMAGE in q.reason]
    assert counters.frames_ok + len(unreadable) == len(pictures), (counters, kept)
    # every code handed on is stored, or quarantined by the agent with the reason
    refused_by_agent = len(kept) - counters.frames_bad
    assert len(scans) + refused_by_agent == counters.extra["codes"], (scans, kept, counters)
    said = {p.says for p in pictures if p.says is not None}
    for scan in scans:  # a plain code is stored as read; a GS1 one with its separators
        assert scan["code"] in said or scan["gs1"], scan


_UNREADABLE = "unreadable frame"
_NOT_AN_IMAGE = "is not a readable image"


def test_a_16_bit_image_of_a_label_is_read_not_counted_bad(
    tmp_path: Path,
    labelled_frames: list,  # type: ignore[type-arg]
) -> None:
    """Found by the fuzzer above: 16-bit frames were all counted bad (``not an 8-bit image``)."""
    label, frame = labelled_frames[0]
    folder = tmp_path / "frames"
    folder.mkdir()
    deep = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY).astype(np.uint16) * 257
    assert cv2.imwrite(str(folder / "label.png"), deep)
    store = EdgeStore(tmp_path / "agent.db", agent="a1", site="s1")
    try:
        adapter = asyncio.run(read_directory(folder, store))
        (scan,) = [e.data for e in store.events() if e.type == "code.scanned"]
    finally:
        store.close()
    assert scan["gtin"] == label.data.gtin
    assert adapter.counters()["cam-1"].frames_bad == 0
