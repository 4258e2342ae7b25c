"""The camera adapter end to end: real files, directories and an MJPEG stream through the real
``cv2.VideoCapture``; what arrives at the agent's sink is checked."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import socket
from datetime import date
from decimal import Decimal
from pathlib import Path

import cv2
import pytest

from edge_agent.adapters.base import DeviceAdapter
from edge_agent.adapters.camera.adapter import CameraAdapter, build_adapters
from edge_agent.adapters.camera.config import CameraConfig
from simulators.labels import (
    Label,
    LabelCamera,
    LabelData,
    LabelKind,
    render_frame,
    serve,
    write_video,
)
from tests.adapters.camera.conftest import (
    FRAMES_PER_LABEL,
    camera_config,
    quick_backoff,
    running,
)
from tests.adapters.sink import RecordingSink


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _states(sink: RecordingSink) -> list[str]:
    return [state for state, _, _ in sink.presence]


async def test_reads_a_video_file_and_sends_each_label_once(
    label_video: Path, labelled_frames: list
) -> None:
    sink = RecordingSink()
    config = camera_config(str(label_video), location="cold-store-1")
    adapter = CameraAdapter(config, sink, backoff=quick_backoff())
    async with running(adapter):
        await sink.wait_for(lambda s: len(s.observations) == 4)
        await sink.wait_for(lambda s: _states(s)[-1:] == ["offline"])  # the file ended
    gtins = [obs.values["gtin"] for obs in sink.observations]
    assert gtins == [label.data.gtin for label, _ in labelled_frames]
    assert {obs.device for obs in sink.observations} == {"cam-1"}
    assert all(obs.values["location"] == "cold-store-1" for obs in sink.observations)
    counters = adapter.counters()["cam-1"]
    assert counters.frames_ok == 4 * FRAMES_PER_LABEL
    assert counters.extra == {"codes": 4, "suppressed": 4 * (FRAMES_PER_LABEL - 1)}
    assert counters.frames_bad == 0
    assert sink.quarantined == []


async def test_a_source_that_ends_goes_offline_once_and_comes_back(label_video: Path) -> None:
    sink = RecordingSink()
    adapter = CameraAdapter(camera_config(str(label_video), fps=60), sink, backoff=quick_backoff())
    async with running(adapter):
        await sink.wait_for(lambda s: _states(s) == ["online", "offline", "online", "offline"])
    assert adapter.counters()["cam-1"].reconnects >= 2


async def test_a_source_that_cannot_open_is_retried_until_it_appears(
    tmp_path: Path, labelled_frames: list
) -> None:
    path = tmp_path / "late.avi"
    sink = RecordingSink()
    adapter = CameraAdapter(camera_config(str(path)), sink, backoff=quick_backoff())
    async with running(adapter):
        await sink.wait_for(lambda s: len(s.presence) == 1)
        for _ in range(100):  # retries leave no trace at the sink: watch the counter, bounded
            if adapter.counters()["cam-1"].reconnects >= 4:
                break
            await asyncio.sleep(0.05)
        assert adapter.counters()["cam-1"].reconnects >= 4
        assert sink.presence == [("offline", "cam-1", f"cannot open {str(path)!r}")]
        write_video(tmp_path / "writing.avi", [labelled_frames[0][1]] * 3).rename(path)
        await sink.wait_for(lambda s: len(s.observations) == 1)
    assert _states(sink)[:2] == ["offline", "online"]


async def test_a_bad_check_digit_is_quarantined_naming_the_ai(tmp_path: Path) -> None:
    good = Label(LabelKind.GS1_DATAMATRIX, _data(gtin="09501101530003"))
    bad = Label(LabelKind.GS1_128, _data(gtin="09501101530004"))
    video = write_video(tmp_path / "bad.avi", [render_frame(bad)] * 3 + [render_frame(good)] * 3)
    sink = RecordingSink()
    adapter = CameraAdapter(camera_config(str(video)), sink, backoff=quick_backoff())
    async with running(adapter):
        await sink.wait_for(lambda s: _states(s)[-1:] == ["offline"])  # the whole file read
    assert len(sink.observations) == 1
    ((source, reason, raw),) = sink.quarantined
    assert source == "cam-1"
    assert "GS1 AI (01)" in reason
    assert "check digit" in reason
    assert raw.startswith("]C10109501101530004")
    counters = adapter.counters()["cam-1"]
    assert counters.frames_bad == 1
    assert counters.extra["suppressed"] == 4  # the bad label is quarantined once, not per frame


async def test_a_directory_of_images_with_a_broken_file(
    tmp_path: Path, labelled_frames: list
) -> None:
    for index, (_, frame) in enumerate(labelled_frames[:2]):
        cv2.imwrite(str(tmp_path / f"{index}.png"), frame)
    (tmp_path / "1a.png").write_bytes(b"not a png")
    sink = RecordingSink()
    adapter = CameraAdapter(camera_config(str(tmp_path)), sink, backoff=quick_backoff())
    async with running(adapter):
        await sink.wait_for(lambda s: len(s.observations) == 2 and len(s.quarantined) == 1)
    ((_, reason, raw),) = sink.quarantined
    assert "not a readable image" in reason
    assert raw.endswith("1a.png")


async def test_a_live_stream_lost_and_back_on_the_same_port(labelled_frames: list) -> None:
    frames = [frame for _, frame in labelled_frames]
    port = _free_port()
    camera = LabelCamera(frames, port=port, fps=20, hold_s=0.25)
    url = await camera.start()
    sink = RecordingSink()
    adapter = CameraAdapter(
        camera_config(url, fps=20, debounce_s=0.1), sink, backoff=quick_backoff()
    )
    try:
        async with running(adapter):
            await camera.wait_for_clients(1)
            await sink.wait_for(lambda s: len(s.observations) >= 4)
            await camera.stop()
            await sink.wait_for(lambda s: _states(s)[:2] == ["online", "offline"])
            seen = len(sink.observations)
            camera = LabelCamera(frames, port=port, fps=20, hold_s=0.25)
            await camera.start()
            await sink.wait_for(lambda s: len(_states(s)) >= 3 and _states(s)[-1] == "online")
            await sink.wait_for(lambda s: len(s.observations) > seen)
        # a stream still draining while the server stops may reconnect once more before it
        # is gone; however often, each change is reported once: states alternate
        states = _states(sink)
        assert all(before != after for before, after in itertools.pairwise(states)), states
        async with asyncio.timeout(5):  # a cancelled adapter closes its stream
            await camera.wait_for_clients(0)
    finally:
        await camera.stop()
    gtins = {label.data.gtin for label, _ in labelled_frames}
    assert {obs.values["gtin"] for obs in sink.observations} == gtins


async def test_cancelled_while_opening_a_slow_stream_it_still_hangs_up(
    labelled_frames: list,
) -> None:
    """The open is in flight on the capture thread when the adapter stops; once it succeeds,
    the stream is closed rather than left held by an abandoned thread."""
    jpeg = cv2.imencode(".jpg", labelled_frames[0][1])[1].tobytes()
    accepted, hung_up = asyncio.Event(), asyncio.Event()

    async def slow_camera(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.set()
        await reader.readuntil(b"\r\n\r\n")
        await asyncio.sleep(0.5)
        writer.write(
            b"HTTP/1.0 200 OK\r\nContent-Type: multipart/x-mixed-replace; boundary=f\r\n\r\n"
        )
        part = b"--f\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n%b\r\n"
        try:
            for _ in range(200):  # 10 s at most
                writer.write(part % (len(jpeg), jpeg))
                await writer.drain()
                await asyncio.sleep(0.05)
        except ConnectionError:
            hung_up.set()
        finally:
            writer.close()

    server = await asyncio.start_server(slow_camera, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    sink = RecordingSink()
    adapter = CameraAdapter(camera_config(f"http://127.0.0.1:{port}/s.mjpg"), sink)
    try:
        async with running(adapter):
            await asyncio.wait_for(accepted.wait(), 5)
        await asyncio.wait_for(hung_up.wait(), 5)
        assert sink.observations == []
    finally:
        server.close()
        await server.wait_closed()


def test_config_refuses_unknown_fields_and_zbar_for_datamatrix() -> None:
    with pytest.raises(ValueError, match="fps_max"):
        CameraConfig.model_validate({"id": "c", "source": 0, "fps_max": 3})
    with pytest.raises(ValueError, match="zbar cannot read datamatrix"):
        CameraConfig.model_validate({"id": "c", "source": 0, "decoder": "zbar"})
    config = CameraConfig.model_validate(
        {"id": "c", "source": "/dev/video0", "decoder": "zbar", "symbologies": ["qr", "ean13"]}
    )
    assert config.kind == "camera"


def test_build_adapters_gives_one_device_adapter_per_camera() -> None:
    configs = [camera_config(0, id="a"), camera_config("rtsp://10.0.0.9/stream", id="b")]
    adapters = build_adapters(configs, RecordingSink())
    assert [a.name for a in adapters] == ["camera a", "camera b"]
    assert all(isinstance(a, DeviceAdapter) for a in adapters)


def _data(gtin: str) -> LabelData:
    return LabelData(gtin, "L1", date(2027, 3, 1), "S1", Decimal("1.5"))


async def test_serve_streams_labels_the_adapter_reads() -> None:
    port = _free_port()
    server = asyncio.create_task(serve(port=port, labels=2, fps=20, hold_s=0.2))
    sink = RecordingSink()
    url = f"http://127.0.0.1:{port}/labels.mjpg"
    adapter = CameraAdapter(camera_config(url, fps=20), sink, backoff=quick_backoff())
    try:
        async with running(adapter):  # refused until serve() listens: retried with backoff
            await sink.wait_for(lambda s: len(s.observations) == 2)
    finally:
        server.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await server
    assert all(obs.values["gs1"] for obs in sink.observations)
