"""Train the cold-room anomaly classifier and export it as a small float16 TFLite model.

Deterministic: the same seed gives the same simulated rooms, the same windows, the same
weights and byte-identical files. TensorFlow is made so before it is imported (oneDNN's
reordered float sums off, one thread) and then seeded with op determinism on; batches are
shuffled by our own seeded numpy generator. ``python -m training.anomaly.determinism``
checks it by training twice.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from edge_agent.inference.features import (
    CHANNELS,
    CLASS_NAMES,
    Normalisation,
    model_input,
    raw_features,
)
from simulators.coldroom_dataset import random_traces
from training.anomaly.data import SPEC, LabelledWindows, label

MODEL_NAME = "anomaly"
FORMAT_VERSION = 1
MIN_PRECISION = 0.9
"""A class's threshold is the lowest probability at which its validation precision reaches this."""

Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class TrainReport:
    """What a training run produced and how it went."""

    model_path: Path
    metadata_path: Path
    sha256: str
    size_bytes: int
    windows: int
    class_counts: dict[str, int]
    validation_accuracy: float
    thresholds: dict[str, float]
    seconds: float


def train(
    *,
    seed: int,
    out_dir: Path,
    progress: Progress | None = None,
    rooms: int = 320,
    epochs: int = 40,
) -> TrainReport:
    """Simulate ``rooms`` rooms, train, write ``anomaly.tflite`` and ``anomaly.json`` to
    ``out_dir`` (``out_dir=edge_agent/models`` replaces the packaged model)."""
    say = progress or (lambda _message: None)
    started = time.monotonic()
    tf = _deterministic_tensorflow(seed)
    rng = np.random.default_rng(seed)
    say(f"simulating {rooms} cold rooms (seed {seed})")
    data = label(
        random_traces(seed, rooms),
        SPEC,
        rng,
        lambda done: say(f"  {done}/{rooms} rooms") if done % 40 == 0 else None,
    )
    validation = data.trace % 7 == 0  # whole rooms held out, so no window leaks across
    raw = raw_features(data.batch)
    norm = Normalisation.fit(raw[~validation])
    x = model_input(data.batch, norm)
    counts = np.bincount(data.labels[~validation], minlength=len(CLASS_NAMES))
    say("class counts: " + ", ".join(f"{c} {n}" for c, n in zip(CLASS_NAMES, counts, strict=True)))
    model = _build_model(tf)
    _fit(model, x[~validation], data.labels[~validation], counts, rng, epochs, say)
    probabilities = model.predict(x[validation], batch_size=1024, verbose=0)
    accuracy = float(np.mean(probabilities.argmax(1) == data.labels[validation]))
    thresholds = _thresholds(probabilities, data.labels[validation])
    say(f"validation accuracy {accuracy:.3f} on {int(validation.sum())} windows")
    tflite = _export(tf, model)
    out_dir.mkdir(parents=True, exist_ok=True)
    model_path = out_dir / f"{MODEL_NAME}.tflite"
    model_path.write_bytes(tflite)
    sha = hashlib.sha256(tflite).hexdigest()
    metadata_path = model_path.with_suffix(".json")
    meta = _metadata(seed, sha, norm, thresholds, data, counts, tf.__version__)
    metadata_path.write_text(json.dumps(meta, indent=2) + "\n")
    say(f"wrote {model_path} ({len(tflite)} bytes, sha256 {sha[:16]}…)")
    return TrainReport(
        model_path=model_path,
        metadata_path=metadata_path,
        sha256=sha,
        size_bytes=len(tflite),
        windows=len(data),
        class_counts=dict(zip(CLASS_NAMES, map(int, counts), strict=True)),
        validation_accuracy=accuracy,
        thresholds=thresholds,
        seconds=time.monotonic() - started,
    )


def _deterministic_tensorflow(seed: int) -> Any:
    """TensorFlow imported single-threaded, without oneDNN, seeded, op-deterministic."""
    os.environ["TF_ENABLE_ONEDNN_OPTS"] = "0"
    os.environ["TF_DETERMINISTIC_OPS"] = "1"
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    tf.keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
    return tf


def _build_model(tf: Any) -> Any:
    """A small 1-D CNN; flattening (not pooling) keeps *when* in the window things happen."""
    layers = tf.keras.layers
    inputs = tf.keras.Input((SPEC.length, len(CHANNELS)), name="window")
    x = layers.Conv1D(16, 5, padding="same", activation="relu")(inputs)
    x = layers.Conv1D(16, 5, strides=2, padding="same", activation="relu")(x)
    x = layers.Conv1D(24, 3, strides=2, padding="same", activation="relu")(x)
    x = layers.Flatten()(x)
    x = layers.Dense(32, activation="relu")(x)
    outputs = layers.Dense(len(CLASS_NAMES), activation="softmax", name="classes")(x)
    model = tf.keras.Model(inputs, outputs)
    model.compile(
        optimizer=tf.keras.optimizers.Adam(2e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def _fit(
    model: Any,
    x: NDArray[np.float32],
    y: NDArray[np.int64],
    counts: NDArray[np.int64],
    rng: np.random.Generator,
    epochs: int,
    say: Progress,
) -> None:
    """Epochs over our own seeded shuffles, classes weighted to count equally."""
    weights = {i: float(counts.sum() / (len(counts) * max(n, 1))) for i, n in enumerate(counts)}
    for epoch in range(1, epochs + 1):
        order = rng.permutation(len(y))
        history = model.fit(
            x[order],
            y[order],
            batch_size=256,
            epochs=1,
            shuffle=False,
            class_weight=weights,
            verbose=0,
        )
        loss, accuracy = history.history["loss"][-1], history.history["accuracy"][-1]
        say(f"epoch {epoch}/{epochs}: loss {loss:.4f}, accuracy {accuracy:.3f}")


def _thresholds(probabilities: NDArray[np.float32], labels: NDArray[np.int64]) -> dict[str, float]:
    """Per class, the lowest of 0.50, 0.55 … 0.95 at which validation precision ≥ MIN_PRECISION."""
    predicted, best = probabilities.argmax(1), probabilities.max(1)
    out: dict[str, float] = {}
    for i, name in enumerate(CLASS_NAMES):
        out[name] = 0.95
        for t in np.round(np.arange(0.5, 0.96, 0.05), 2):
            chosen = (predicted == i) & (best >= t)
            if chosen.any() and np.mean(labels[chosen] == i) >= MIN_PRECISION:
                out[name] = float(t)
                break
    return out


def _export(tf: Any, model: Any) -> bytes:
    """Float16 weights, builtin ops only (conversion fails rather than emit a Flex op), and a
    free batch dimension so the agent can score N windows in one call.

    Through a SavedModel, as Keras 3 documents: converting the Keras call directly leaves
    the weights as resource variables (VAR_HANDLE ops) instead of constants."""
    with tempfile.TemporaryDirectory() as saved:
        model.export(saved, format="tf_saved_model", verbose=False)
        converter = tf.lite.TFLiteConverter.from_saved_model(saved)
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.target_spec.supported_types = [tf.float16]
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
        return bytes(converter.convert())


def _metadata(
    seed: int,
    sha: str,
    norm: Normalisation,
    thresholds: dict[str, float],
    data: LabelledWindows,
    counts: NDArray[np.int64],
    tf_version: str,
) -> dict[str, object]:
    return {
        "version": f"{FORMAT_VERSION}.{seed}+{sha[:12]}",
        "input": {
            "shape": [None, SPEC.length, len(CHANNELS)],
            "dtype": "float32",
            "channels": list(CHANNELS),
        },
        "window": {
            "period_s": SPEC.period_s,
            "length": SPEC.length,
            "max_hold_s": SPEC.max_hold_s,
            "signals": list(SPEC.signals),
        },
        "normalisation": norm.to_json(),
        "classes": list(CLASS_NAMES),
        "thresholds": thresholds,
        "training": {
            "seed": seed,
            "windows": len(data),
            "class_counts": dict(zip(CLASS_NAMES, map(int, counts), strict=True)),
            "tensorflow": tf_version,
            "weights": "float16",
            "sha256": sha,
        },
    }
