"""Run the TFLite model with whichever runtime is installed, in batches of any size.

``ai-edge-litert`` is the runtime we ship (the successor of ``tflite-runtime``, and the only
one that works with numpy 2 and the current converter's ops); ``tflite-runtime`` is tried
only if it is missing. With neither, ``open_runtime`` says so and the caller falls back to
rules. An interpreter is not thread-safe: one ``BatchScorer`` serves one caller at a time.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from edge_agent.inference.errors import ModelUnusable

Mode = Literal["litert", "tflite-runtime", "rules"]
MAX_BATCH = 4096
"""Larger batches are scored in chunks: the tensors stay a few MB, the cost per window flat."""


def _interpreter_class() -> tuple[Mode, Any]:
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:
        try:
            from tflite_runtime.interpreter import Interpreter
        except ImportError:
            return "rules", None
        return "tflite-runtime", Interpreter
    return "litert", Interpreter


class BatchScorer:
    """One interpreter over a model whose first input dimension is the batch."""

    def __init__(self, interpreter: Any, window_shape: tuple[int, int], classes: int) -> None:
        self._interpreter = interpreter
        self._input = interpreter.get_input_details()[0]
        self._output = interpreter.get_output_details()[0]
        model_shape = tuple(int(d) for d in self._input["shape"][1:])
        if model_shape != window_shape:
            raise ModelUnusable(f"model input is {model_shape}, the metadata says {window_shape}")
        if int(self._output["shape"][-1]) != classes:
            raise ModelUnusable(f"model has {self._output['shape'][-1]} outputs, not {classes}")
        self._window_shape = window_shape
        self._batch = int(self._input["shape"][0])

    def ops(self) -> list[str]:
        """Names of the operators in the model (a Flex op means TensorFlow is needed)."""
        return sorted({op["op_name"] for op in self._interpreter._get_ops_details()})

    def score(self, x: NDArray[np.float32]) -> NDArray[np.float32]:
        """Class probabilities, shape (windows, classes)."""
        parts = [self._score(x[i : i + MAX_BATCH]) for i in range(0, len(x), MAX_BATCH)]
        return np.concatenate(parts) if parts else np.zeros((0, self._output["shape"][-1]))

    def _score(self, x: NDArray[np.float32]) -> NDArray[np.float32]:
        if len(x) != self._batch:
            index = self._input["index"]
            self._interpreter.resize_tensor_input(index, [len(x), *self._window_shape])
            self._interpreter.allocate_tensors()
            self._batch = len(x)
        self._interpreter.set_tensor(self._input["index"], np.ascontiguousarray(x, np.float32))
        self._interpreter.invoke()
        return np.array(self._interpreter.get_tensor(self._output["index"]))


def open_runtime(
    model: bytes, window_shape: tuple[int, int], classes: int
) -> tuple[Mode, BatchScorer | None]:
    """The best runtime installed, loaded with ``model``; ("rules", None) when there is none."""
    mode, interpreter_class = _interpreter_class()
    if interpreter_class is None:
        return mode, None
    try:
        interpreter = interpreter_class(model_content=model, num_threads=1)
        interpreter.allocate_tensors()
    except (ValueError, RuntimeError) as exc:
        raise ModelUnusable(f"{mode} cannot load the model: {exc}") from exc
    return mode, BatchScorer(interpreter, window_shape, classes)
