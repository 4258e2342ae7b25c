"""Cameras reading barcodes: EAN-13, GS1-128, QR (GS1 Digital Link) and GS1 DataMatrix.

``decoders``/``zbar`` turn a frame into symbols, ``gs1`` gives a symbol its GS1 meaning (pure,
with biip), ``source`` opens cameras, files and streams, ``adapter`` runs the loop. Build the
adapters of all configured cameras with ``build_adapters``.
"""

from edge_agent.adapters.camera.adapter import CameraAdapter, build_adapters
from edge_agent.adapters.camera.config import CameraConfig
from edge_agent.adapters.camera.errors import CodeError
from edge_agent.adapters.camera.gs1 import read_code
from edge_agent.adapters.camera.scanned import DecodedSymbol, ScannedCode, Symbology, to_observation

__all__ = [
    "CameraAdapter",
    "CameraConfig",
    "CodeError",
    "DecodedSymbol",
    "ScannedCode",
    "Symbology",
    "build_adapters",
    "read_code",
    "to_observation",
]
