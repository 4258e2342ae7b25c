"""Both decoders on rendered labels: every symbology read back with the label's own GS1 data."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from edge_agent.adapters.camera.adapter import make_decoder
from edge_agent.adapters.camera.config import CameraConfig
from edge_agent.adapters.camera.decoders import FallbackDecoder, FrameError, ZxingDecoder, to_gray
from edge_agent.adapters.camera.gs1 import read_code
from edge_agent.adapters.camera.scanned import Symbology
from edge_agent.adapters.camera.zbar import ZbarDecoder
from simulators.labels import (
    Distortion,
    DistortionKind,
    Label,
    LabelKind,
    distort,
    random_label_data,
    render_frame,
)

IDENTIFIER = {
    LabelKind.EAN13: "]E0",
    LabelKind.GS1_128: "]C1",
    LabelKind.QR_DIGITAL_LINK: "]Q1",
    LabelKind.GS1_DATAMATRIX: "]d2",
}


def _check(label: Label, frame: np.ndarray, decoder: ZxingDecoder | ZbarDecoder) -> None:
    (symbol,) = decoder.decode(to_gray(frame))
    assert symbol.identifier == IDENTIFIER[label.kind]
    code = read_code(symbol)
    data = label.data
    assert code.gtin == data.gtin
    if label.kind is LabelKind.EAN13:
        return
    assert (code.lot, code.expiry) == (data.lot, data.expiry)
    if label.kind is not LabelKind.GS1_128:  # the 1D label carries GTIN, lot and expiry only
        assert (code.serial, code.net_weight_kg) == (data.serial, data.net_weight_kg)
    assert code.digital_link is (label.kind is LabelKind.QR_DIGITAL_LINK)


@pytest.mark.parametrize("index", range(4), ids=[k.value for k in LabelKind])
def test_zxing_reads_every_symbology(labelled_frames: list, index: int) -> None:
    label, frame = labelled_frames[index]
    _check(label, frame, ZxingDecoder())


@pytest.mark.parametrize("index", range(3), ids=[k.value for k in list(LabelKind)[:3]])
def test_zbar_reads_all_but_datamatrix_with_the_gs1_flag(labelled_frames: list, index: int) -> None:
    label, frame = labelled_frames[index]
    _check(label, frame, ZbarDecoder())


def test_zbar_does_not_read_datamatrix(labelled_frames: list) -> None:
    _, frame = labelled_frames[3]
    assert ZbarDecoder().decode(to_gray(frame)) == []


def test_a_decoder_reads_only_the_symbologies_asked_for(labelled_frames: list) -> None:
    frames = [frame for _, frame in labelled_frames]
    decoder = ZxingDecoder({Symbology.QR})
    found = [s for frame in frames for s in decoder.decode(to_gray(frame))]
    assert [s.symbology for s in found] == [Symbology.QR]


@pytest.mark.parametrize("kind", list(DistortionKind))
def test_zxing_reads_every_label_through_mild_distortion(labelled_frames: list, kind: str) -> None:
    for seed, (label, frame) in enumerate(labelled_frames):
        _check(
            label, distort(frame, [Distortion(DistortionKind(kind), 1)], seed=seed), ZxingDecoder()
        )


@pytest.mark.parametrize(
    "frame",
    [
        np.zeros((48, 64), np.float32),
        np.zeros((48, 64, 2), np.uint8),
        np.zeros((0, 64), np.uint8),
        np.zeros((4, 4, 4, 4), np.uint8),
    ],
    ids=["float", "two-channels", "empty", "4d"],
)
def test_frames_no_decoder_can_read_are_our_error(frame: np.ndarray) -> None:
    with pytest.raises(FrameError):
        to_gray(frame)


def test_grey_and_bgra_frames_are_read(labelled_frames: list) -> None:
    _, frame = labelled_frames[0]
    for variant in (
        cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY),
        cv2.cvtColor(frame, cv2.COLOR_BGR2BGRA),
    ):
        assert len(ZxingDecoder().decode(to_gray(variant))) == 1


def test_the_default_decoder_reads_a_tilted_ean13_through_zbar() -> None:
    """At 45° zxing-cpp's 1D reader finds nothing (docs/barcodes.md); zbar, behind it, does."""
    label = Label(LabelKind.EAN13, random_label_data(np.random.default_rng(5)))
    frame = to_gray(distort(render_frame(label), [Distortion(DistortionKind.ROTATION, 3)]))
    decoder = make_decoder(CameraConfig(id="c", source=0))
    assert isinstance(decoder, FallbackDecoder)
    assert [read_code(s).gtin for s in decoder.decode(frame)] == [label.data.gtin]


def test_decoder_choice_follows_the_config() -> None:
    assert isinstance(make_decoder(CameraConfig(id="c", source=0, decoder="zxing")), ZxingDecoder)
    only_2d = CameraConfig(id="c", source=0, symbologies=["qr", "datamatrix"])
    assert isinstance(make_decoder(only_2d), ZxingDecoder)
    zbar = CameraConfig(id="c", source=0, decoder="zbar", symbologies=["ean13"])
    assert isinstance(make_decoder(zbar), ZbarDecoder)
