"""The label renderer: deterministic by seed, distortions bounded, video written and read back."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from simulators.labels import (
    FRAME_SIZE,
    Distortion,
    DistortionKind,
    distort,
    label_frames,
    write_video,
)


def test_the_same_seed_renders_the_same_frames() -> None:
    first = label_frames(4, seed=3, level=2)
    again = label_frames(4, seed=3, level=2)
    other = label_frames(4, seed=4, level=2)
    assert all(
        np.array_equal(a[1], b[1]) and a[0] == b[0] for a, b in zip(first, again, strict=True)
    )
    assert not np.array_equal(first[0][1], other[0][1])


def test_frames_are_vga_bgr() -> None:
    ((_, frame),) = label_frames(1)
    assert frame.shape == (FRAME_SIZE[1], FRAME_SIZE[0], 3)
    assert frame.dtype == np.uint8


@pytest.mark.parametrize("kind", list(DistortionKind))
def test_each_level_changes_the_frame_more(kind: DistortionKind) -> None:
    ((_, frame),) = label_frames(1, seed=1)
    differences = [
        float(np.abs(distort(frame, [Distortion(kind, level)], seed=1).astype(int) - frame).mean())
        for level in range(4)
    ]
    assert differences[0] == 0
    assert differences[1] < differences[3]


def test_a_level_out_of_range_is_refused() -> None:
    ((_, frame),) = label_frames(1)
    with pytest.raises(ValueError, match="level 4"):
        distort(frame, [Distortion(DistortionKind.BLUR, 4)])


def test_a_written_video_reads_back_frame_by_frame(tmp_path: Path) -> None:
    frames = [frame for _, frame in label_frames(3)]
    capture = cv2.VideoCapture(str(write_video(tmp_path / "v.avi", frames)))
    try:
        read = [capture.read()[1] for _ in range(3)]
        assert not capture.read()[0]
    finally:
        capture.release()
    for original, back in zip(frames, read, strict=True):
        assert np.abs(original.astype(int) - back).mean() < 3  # JPEG, quality loss only
