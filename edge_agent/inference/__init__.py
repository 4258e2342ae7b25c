"""On-device inference: the cold-room anomaly classifier and the windows it reads.

The agent builds windows with ``WindowBuilder`` from each location's readings and asks
``AnomalyClassifier.classify`` what each shows. The model runs on ai-edge-litert (or
tflite-runtime); with neither installed the same API answers from hand-written rules.
"""

from edge_agent.inference.builder import Sample, WindowBuilder
from edge_agent.inference.classifier import AnomalyClassifier, Classification, packaged_model
from edge_agent.inference.errors import ModelUnusable, WindowRejected
from edge_agent.inference.features import CLASS_NAMES
from edge_agent.inference.window import Window, WindowSpec

__all__ = [
    "CLASS_NAMES",
    "AnomalyClassifier",
    "Classification",
    "ModelUnusable",
    "Sample",
    "Window",
    "WindowBuilder",
    "WindowRejected",
    "WindowSpec",
    "packaged_model",
]
