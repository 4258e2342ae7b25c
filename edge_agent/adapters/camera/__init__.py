"""Cameras reading barcodes: EAN-13, GS1-128, QR (GS1 Digital Link) and GS1 DataMatrix.

``decoders``/``zbar`` turn a frame into symbols, ``gs1`` gives a symbol its GS1 meaning (pure),
``source`` opens cameras, files and streams, ``adapter`` runs the loop and builds the adapters
of all configured cameras (``build_adapters``). This file imports nothing: OpenCV and zbar are
loaded only when a camera is configured.
"""
