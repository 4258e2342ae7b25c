"""How the agent reaches one camera: validated once, where the config file is read."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from edge_agent.adapters.camera.scanned import Symbology

ZBAR_READS = frozenset({Symbology.EAN13, Symbology.CODE128, Symbology.QR})
"""What zbar reads of our symbologies: everything but DataMatrix. Stated here, not asked of
zbar, so that checking a config does not load zbar (a test holds the two equal)."""


class CameraConfig(BaseModel):
    """One camera reading barcodes: a fixed scanner over a bench, or a PDA's camera stream."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["camera"] = "camera"
    id: Annotated[str, Field(min_length=1, description="name used in observations and events")]
    source: Annotated[
        int | Annotated[str, Field(min_length=1)],
        Field(
            description="V4L2 index (0) or /dev/videoN, a video or image file, a directory of "
            "images (read in name order), or an rtsp:// or http:// stream URL"
        ),
    ]
    fps: Annotated[float, Field(gt=0, le=60, description="frames read and decoded per second")] = 5
    debounce_s: Annotated[
        float,
        Field(ge=0, le=3600, description="a code seen again within this window is not re-sent"),
    ] = 2.0
    symbologies: Annotated[
        frozenset[Symbology], Field(min_length=1, description="which symbologies to decode")
    ] = frozenset(Symbology)
    decoder: Annotated[
        Literal["zxing+zbar", "zxing", "zbar"],
        Field(
            description="zxing-cpp, then zbar on 1D codes when zxing-cpp finds nothing (best "
            "decode rate, see docs/barcodes.md); zxing-cpp alone (fastest on empty frames); "
            "zbar alone (no DataMatrix)"
        ),
    ] = "zxing+zbar"
    location: Annotated[
        str | None, Field(min_length=1, description="where the camera looks, e.g. cold-store-1")
    ] = None
    timeout_s: Annotated[
        float, Field(gt=0, le=120, description="longest wait to open a stream or read a frame")
    ] = 10.0

    @model_validator(mode="after")
    def _decoder_reads_symbologies(self) -> Self:
        if self.decoder == "zbar":
            missing = sorted(s.value for s in self.symbologies - ZBAR_READS)
            if missing:
                raise ValueError(f"decoder zbar cannot read {', '.join(missing)}; use zxing")
        return self
