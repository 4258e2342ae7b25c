"""The cold-room anomaly model: simulated data, training, export, and its model card figures.

``train`` imports TensorFlow only when called, so ``report`` (which scores with the agent's
own runtime) runs where only the agent's dependencies are installed.
"""

from training.anomaly.train import TrainReport, train

__all__ = ["TrainReport", "train"]
